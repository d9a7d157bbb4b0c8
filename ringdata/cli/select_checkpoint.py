"""`ringdata select-checkpoint DIR...`: pick the SFT checkpoint RL should start from (Ring-lite)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List

import typer
from rich.console import Console
from rich.table import Table

from ringdata.errors import RingdataError


def select_checkpoint(
    dirs: Annotated[List[Path], typer.Argument(help="Checkpoint dirs (transformers model dirs) to compare.")],
    probe: Annotated[str, typer.Option(help='Probe problems: "toy" (the toy arithmetic task) or a curated Parquet file/dir.')] = "toy",
    domains: Annotated[str, typer.Option(help="Comma-separated domains of the probe file to use.")] = "math",
    n_problems: Annotated[int, typer.Option("--problems", help="Probe problems (the first N, seeded order).")] = 64,
    samples: Annotated[int, typer.Option(help="Responses per probe problem.")] = 4,
    max_tokens: Annotated[int, typer.Option(help="Max tokens per response.")] = 256,
    band_low: Annotated[float, typer.Option(help="Lower end of the target mean token entropy (nats).")] = 0.3,
    band_high: Annotated[float, typer.Option(help="Upper end of the target mean token entropy (nats).")] = 0.5,
    backend: Annotated[str, typer.Option(help="Rollout engine: vllm | hf | auto.")] = "auto",
    sandbox: Annotated[str, typer.Option(help="Sandbox for code probes: auto | docker | local.")] = "auto",
    seed: Annotated[int, typer.Option(help="Sampling seed (the same for every checkpoint).")] = 0,
) -> None:
    """Score each checkpoint's probe entropy and accuracy; choose the most accurate inside the band."""
    import random

    from train.loop import Rewarder, read_parquet_problems
    from train.select import SelectConfig, select_checkpoint as choose_checkpoint

    for d in dirs:
        if not (d / "config.json").is_file():
            raise RingdataError(f"{d}: not a transformers model dir (no config.json)")
    wanted = tuple(x.strip() for x in domains.split(",") if x.strip())
    if probe == "toy":
        from train import toy

        problems = toy.math_problems(n_problems, seed=0)  # the held-out head of the toy stream
    else:
        problems = read_parquet_problems(Path(probe), wanted, field="--probe")
        problems = random.Random(seed).sample(problems, min(n_problems, len(problems)))
    cfg = SelectConfig(band=(band_low, band_high), samples=samples, max_tokens=max_tokens, seed=seed, backend=backend)
    console = Console()
    rewarder = Rewarder(sandbox)
    try:
        with console.status("scoring checkpoints") as status:
            done = lambda s: status.update(f"scored {s.path}: entropy {s.entropy:.3f}, accuracy {s.accuracy:.3f}")  # noqa: E731
            choice = choose_checkpoint(dirs, problems, rewarder, cfg, on_done=done)
    finally:
        rewarder.close()
    table = Table(title=f"probe: {len(problems)} problems x {samples} samples; entropy band {cfg.band}")
    for col in ("checkpoint", "mean token entropy", "in band", "probe accuracy", "tokens", ""):
        table.add_column(col)
    for s in choice.scores:
        mark = "[bold green]chosen[/]" if s is choice.chosen else ""
        table.add_row(str(s.path), f"{s.entropy:.3f}", "yes" if s.in_band else "no", f"{s.accuracy:.3f}", str(s.tokens), mark)
    console.print(table)
    console.print(f"chosen: [bold]{choice.chosen.path}[/] ({choice.why})")
