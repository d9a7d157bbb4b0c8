"""`ringdata select-checkpoint DIR...`: pick the SFT checkpoint RL should start from (Ring-lite)."""

from __future__ import annotations

from typing import Annotated, List

import typer
from rich.table import Table

from ringdata.core.console import make_console
from ringdata.cli.options import Backend, MaxTokens, Sandbox, Seed, check_backend
from ringdata.core.errors import RingdataError
from sandboxes.choice import SandboxChoice

EXAMPLES = """Examples:

\b
ringdata select-checkpoint runs/demo/math/final runs/demo/code/final
ringdata select-checkpoint sft/ckpt-1000 sft/ckpt-2000 \\
    --probe out/curated --probe-size 128
"""


def select_checkpoint(
    dirs: Annotated[List[str], typer.Argument(metavar="CHECKPOINT", help="Checkpoints to compare: transformers model dirs or Hub ids in the local cache.")],
    probe: Annotated[str, typer.Option("--probe", help='Probe problems: "toy" (the toy arithmetic task) or a curated Parquet file/dir.')] = "toy",
    domains: Annotated[str, typer.Option("--domains", help="Comma-separated domains of the probe file to use.")] = "math",
    probe_size: Annotated[int, typer.Option("--probe-size", min=1, help="How many probe problems (the first N, seeded order).")] = 64,
    samples: Annotated[int, typer.Option("--samples", min=1, help="Responses per probe problem.")] = 4,
    max_tokens: MaxTokens = 256,
    band_low: Annotated[float, typer.Option("--band-low", help="Lower end of the target mean token entropy (nats).")] = 0.3,
    band_high: Annotated[float, typer.Option("--band-high", help="Upper end of the target mean token entropy (nats).")] = 0.5,
    backend: Backend = "auto",
    sandbox: Sandbox = SandboxChoice(),
    seed: Seed = 0,
) -> None:
    """Score each checkpoint's probe entropy and accuracy; choose the most accurate inside the band."""
    from train.models import resolve_model
    from train.rewarder import Rewarder
    from train.select import SelectConfig, probe_problems, select_checkpoint as choose_checkpoint

    check_backend(backend)
    if not 0 <= band_low < band_high:
        raise RingdataError(f"the entropy band is empty: --band-low {band_low} must be >= 0 and below --band-high {band_high}")
    dirs = [resolve_model(d) for d in dirs]
    wanted = tuple(x.strip() for x in domains.split(",") if x.strip())
    problems = probe_problems(probe, wanted, probe_size, seed)
    cfg = SelectConfig(band=(band_low, band_high), samples=samples, max_tokens=max_tokens, seed=seed, backend=backend)
    console = make_console()
    rewarder = Rewarder(sandbox)
    try:
        with console.status("scoring checkpoints") as status:
            done = lambda s: status.update(f"scored {s.path}: entropy {s.entropy:.3f}, accuracy {s.accuracy:.3f}")  # noqa: E731
            choice = choose_checkpoint(dirs, problems, rewarder, cfg, on_done=done)
    finally:
        rewarder.close()
    table = Table(title=f"probe: {len(problems)} problems x {samples} samples; "
                        f"band of mean token entropy {cfg.band}")
    # Short headers leave the path most of 80 columns; a longer path wraps onto more lines instead
    # of being cut to "runs/demo/mat…", and the columns after it stay on the screen.
    table.add_column("checkpoint", overflow="fold", ratio=1)
    for col in ("entropy", "in band", "accuracy", "tokens", ""):
        table.add_column(col, no_wrap=True)
    for s in choice.scores:
        mark = "[bold green]chosen[/]" if s is choice.chosen else ""
        table.add_row(str(s.path), f"{s.entropy:.3f}", "yes" if s.in_band else "no", f"{s.accuracy:.3f}", str(s.tokens), mark)
    console.print(table)
    console.print(f"chosen: [bold]{choice.chosen.path}[/] ({choice.why})", soft_wrap=True)
