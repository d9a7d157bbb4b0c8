"""`ringdata train`: run a C3PO (or DAPO/GRPO) schedule from a TOML config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ringdata.cli.options import BackendOverride

EXAMPLES = """Examples:

\b
ringdata train --config configs/tiny.toml --stage math-then-code \\
    --out runs/demo
ringdata train -c configs/tiny.toml --out runs/demo --resume
ringdata train -c configs/ring-lite.toml --out runs/rl \\
    --set model=Qwen/Qwen2.5-0.5B-Instruct --set optim.lr=1e-6 \\
    --set stages.math.steps=100 --report-to tensorboard
"""


def train(
    config: Annotated[Path, typer.Option("--config", "-c", help="TOML config: model, loss, optim, [stages.NAME] tables, [schedules].")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run dir: <stage>/metrics.jsonl, checkpoints/, final/.")],
    stage: Annotated[Optional[str], typer.Option(help="A schedule (e.g. math-then-code) or one stage (math, code); default: every stage in order.")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", metavar="KEY=VALUE", help="Override any config key, checked like the file: --set optim.lr=1e-6 --set stages.math.steps=100 (repeatable).")] = None,
    loss: Annotated[Optional[str], typer.Option(help="Override loss.kind: c3po (fixed token budget), dapo (token mean), grpo (sample mean).")] = None,
    backend: BackendOverride = None,
    steps: Annotated[Optional[int], typer.Option(help="Override every stage's optimizer steps.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Override the seed.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its newest checkpoints; finished stages are skipped.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Delete the run already in --out and start again.")] = False,
    report_to: Annotated[str, typer.Option("--report-to", help="Also log every step to: tensorboard (RUN/tensorboard), wandb (WANDB_MODE=offline keeps it local) or none.")] = "none",
    nproc: Annotated[int, typer.Option(help="Data-parallel processes on this machine (one per GPU): re-runs this command under torchrun.")] = 1,
) -> None:
    """Train a policy with C3PO's fixed token budget, stage by stage (Ring-lite).

    The model is a transformers directory, a Hugging Face Hub id already in the local cache
    (model = "Qwen/Qwen2.5-0.5B-Instruct"), or "tiny" (the demo model).
    """
    from train.checkpoint import claim_run_dir
    from train.config import load_config, to_dict, with_overrides
    from train.distributed import join_process_group
    from train.loop import check_inputs
    from train.models import is_built, resolve_model
    from train.report import reward_trend
    from train.tracking import check_tracker, make_tracker

    cfg = with_overrides(load_config(config, set_ or ()), steps=steps, seed=seed, loss=loss, backend=backend)
    plan = cfg.plan(stage)
    check_tracker(report_to)
    check_inputs(cfg, plan)  # before --overwrite deletes the run already in --out
    if nproc > 1:
        _torchrun(nproc)
    main_rank = join_process_group().main
    if main_rank:  # one process owns the run dir
        claim_run_dir(out, [s.name for s in plan], resume=resume, overwrite=overwrite)
    if is_built(cfg.model):  # a built model lives in a cache the CLI (not the library) may relocate
        import os
        from dataclasses import replace

        cache = Path(os.environ.get("RINGDATA_CACHE", "~/.cache/ringdata"))
        with Console(stderr=True).status(f"building the {cfg.model} model (first use only, a few minutes)"):
            cfg = replace(cfg, model=str(resolve_model(cfg.model, built_cache=cache)))
    console = Console(quiet=not main_rank)  # one progress display, rank 0's
    tracker = make_tracker(report_to if main_rank else "none", out, to_dict(cfg), plan)
    try:
        results = _run_with_progress(console, cfg, plan, out, resume, tracker)
    finally:
        tracker.close()
    table = Table(title=f"ringdata train: {out}")
    for col in ("stage", "train reward first 3 -> last 3 steps", "held-out reward before -> after", "final model"):
        table.add_column(col, overflow="fold")
    fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
    for r in results:
        trend = reward_trend(r.metrics_path) if r.metrics_path.is_file() else None
        table.add_row(r.name, f"{fmt(trend[0])} -> {fmt(trend[1])}" if trend else "-",
                      f"{fmt(r.eval_before)} -> {fmt(r.eval_after)}", str(r.final_dir))
    console.print(table)
    console.print(f"metrics: {', '.join(str(r.metrics_path) for r in results)}; plots: ringdata report {out}",
                  soft_wrap=True)


def _run_with_progress(console: Console, cfg, plan, out: Path, resume: bool, tracker):
    """The stages under a live bar per stage (terminal) or one plain line per step (a log)."""
    from ringdata.progress import make_progress
    from train.loop import run
    from train.report import step_line

    with make_progress(console, info=True, transient=False, every_s=0) as progress:
        tasks: dict[str, int] = {}

        def on_stage(s) -> None:
            tasks[s.name] = progress.add_task(f"{s.name} ({cfg.loss.kind})", total=s.steps, info="starting", unit="steps")

        def on_step(m: dict) -> None:
            progress.update(tasks[m["stage"]], completed=m["step"], info=step_line(m))
            tracker.step_record(m)

        return run(cfg, plan, out, resume=resume, on_step=on_step, on_stage=on_stage)


def _torchrun(nproc: int) -> None:
    """This same command under `torchrun --nproc_per_node nproc` (without --nproc), then exit."""
    import os
    import subprocess
    import sys

    args, skip = [], False
    for a in sys.argv[1:]:
        if skip:
            skip = False
        elif a == "--nproc":
            skip = True
        elif not a.startswith("--nproc="):
            args.append(a)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", "-m", "ringdata", *args]
    raise typer.Exit(subprocess.call(cmd, env=os.environ.copy()))


