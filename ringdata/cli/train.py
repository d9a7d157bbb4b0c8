"""`ringdata train`: run a C3PO (or DAPO/GRPO) schedule from a TOML config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ringdata.core.console import make_console
from ringdata.cli.interrupt import Kept, on_interrupt, this_command
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
    from train.built import is_built
    from train.report import reward_trend
    from train.tracking import check_tracker, make_tracker

    cfg = with_overrides(load_config(config, set_ or ()), steps=steps, seed=seed, loss=loss, backend=backend)
    plan = cfg.plan(stage)
    check_tracker(report_to)
    if report_to == "wandb":
        _check_wandb_login()  # before the run dir is claimed: a refused login leaves nothing behind
    check_inputs(cfg, plan)  # before --overwrite deletes the run already in --out
    if nproc > 1:
        _torchrun(nproc)
    main_rank = join_process_group().main
    if main_rank:  # one process owns the run dir
        claim_run_dir(out, [s.name for s in plan], resume=resume, overwrite=overwrite)
    on_interrupt(lambda: _kept(out, plan))
    if resume and main_rank:
        for line in _resume_lines(out, plan):
            make_console().print(line, highlight=False, soft_wrap=True)
    if is_built(cfg.model):  # built on first use into ringdata.core.cache.cache_root()
        from dataclasses import replace

        from ringdata.core.progress import make_progress
        from train.built import built_model_dir

        with make_progress(make_console(stderr=True)) as progress:  # a line every 10 s in a log
            cfg = replace(cfg, model=str(built_model_dir(cfg.model, progress=progress)))
    console = make_console(quiet=not main_rank)  # one progress display, rank 0's
    tracker = make_tracker(report_to if main_rank else "none", out, to_dict(cfg), plan)
    if main_rank and report_to == "tensorboard":
        console.print(f"TensorBoard: tensorboard --logdir {out / 'tensorboard'}", highlight=False, soft_wrap=True)
    elif main_rank and report_to == "wandb":
        run_url = getattr(getattr(tracker, "run", None), "url", None)
        where = run_url or f"offline run under {out / 'wandb'} (wandb sync uploads it)"
        console.print(f"W&B: {where}", highlight=False, soft_wrap=True)
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
    from ringdata.core.progress import make_progress
    from train.loop import run
    from train.report import step_line

    with make_progress(console, info=True, transient=False, every_s=0) as progress:
        # the waits before a stage's first step have names: the engine starts before any stage
        engine = "vLLM" if cfg.backend in ("vllm", "auto") else "transformers"
        startup = [progress.add_task("starting", total=None, unit="steps",
                                     info=f"loading the model, starting the {engine} rollout engine"
                                     + (" on Ray" if cfg.rollout_workers > 1 else ""))]
        tasks: dict[str, int] = {}

        def on_stage(s) -> None:
            while startup:
                progress.remove_task(startup.pop())
            tasks[s.name] = progress.add_task(f"{s.name} ({cfg.loss.kind})", total=s.steps, unit="steps",
                                              info="starting: loading the policy, scoring the held-out problems")

        announced: set[str] = set()

        def on_step(m: dict) -> None:
            if m["stage"] not in announced:  # stage.json is written before the stage's first step
                announced.add(m["stage"])
                line = _skipped_line(out / m["stage"])
                if line:
                    progress.console.print(line, highlight=False, soft_wrap=True)
            progress.update(tasks[m["stage"]], completed=m["step"], info=step_line(m))
            tracker.step_record(m)

        return run(cfg, plan, out, resume=resume, on_step=on_step, on_stage=on_stage)


def _skipped_line(stage_dir: Path) -> str | None:
    """The stage's prompts too long for the model, counted on the terminal (ids in stage.json)."""
    import json

    try:
        skipped = json.loads((stage_dir / "stage.json").read_text())["skipped_long_prompts"]
    except (OSError, ValueError, KeyError):
        return None
    if not skipped["train"] and not skipped["held_out"]:
        return None
    return (f"{stage_dir.name}: skipped {skipped['train']} training and {skipped['held_out']} held-out problems "
            f"whose prompt is longer than {skipped['max_prompt_tokens']} tokens (max_model_len minus "
            f"max_response_tokens); their ids are in {stage_dir / 'stage.json'}")


def set_hint(option: str) -> str | None:
    """`--lr` -> "--set optim.lr=VALUE": an unknown option of `train` that names a config key
    (any table's field of that name), which only `--set` reaches."""
    from dataclasses import fields

    from train.config import LossConfig, OptimConfig, RewardsConfig, StageConfig, TrainConfig

    name = option.lstrip("-").replace("-", "_")
    tables = (("", TrainConfig), ("loss.", LossConfig), ("optim.", OptimConfig), ("rewards.", RewardsConfig),
              ("stages.NAME.", StageConfig))
    keys = [prefix + f.name for prefix, cls in tables for f in fields(cls)
            if f.name == name and f.name not in ("loss", "optim", "rewards", "stages", "schedules")]
    return " or ".join(f"--set {key}=VALUE" for key in keys) or None


def _check_wandb_login() -> None:
    """`--report-to wandb` needs a W&B login unless WANDB_MODE keeps the run local; without one,
    wandb.init fails after the run dir was claimed (an "unexpected UsageError" and an empty run)."""
    import netrc
    import os
    from urllib.parse import urlparse

    from ringdata.core.errors import RingdataError

    if os.environ.get("WANDB_MODE", "").lower() in ("offline", "disabled", "dryrun") or os.environ.get("WANDB_API_KEY"):
        return
    host = urlparse(os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai")).hostname or "api.wandb.ai"
    try:
        if netrc.netrc(os.environ.get("NETRC")).authenticators(host):
            return
    except (OSError, netrc.NetrcParseError):
        pass
    raise RingdataError(f"--report-to wandb: not logged in to W&B (no WANDB_API_KEY, no {host} entry in ~/.netrc); "
                        "run `wandb login`, or set WANDB_MODE=offline to keep the run under --out/wandb")


def _stage_state(out: Path, stage) -> tuple[str, Path | None]:
    """("finished" | "checkpoint" | "started" | "absent", the checkpoint) of one stage in the run dir,
    as `train.loop.run` reads it on --resume."""
    from train.checkpoint import latest_checkpoint
    from train.loop import DONE, FINAL

    stage_dir = out / stage.name
    if (stage_dir / FINAL / DONE).exists():
        return "finished", None
    ckpt = latest_checkpoint(stage_dir)
    if ckpt is not None:
        return "checkpoint", ckpt
    return ("started" if stage_dir.exists() else "absent"), None


def _step_of(ckpt: Path) -> int:
    from train.checkpoint import PREFIX

    return int(ckpt.name.removeprefix(PREFIX))


def _resume_lines(out: Path, plan) -> list[str]:
    """What --resume continues from, per stage (or that there was nothing to continue)."""
    lines = []
    for stage in plan:
        state, ckpt = _stage_state(out, stage)
        if state == "finished":
            lines.append(f"resume: {stage.name} is finished ({out / stage.name / 'final'}), skipped")
        elif state == "checkpoint":
            lines.append(f"resume: {stage.name} continues from {ckpt} (step {_step_of(ckpt)} of {stage.steps})")
        else:
            lines.append(f"resume: {stage.name} has no checkpoint in {out / stage.name / 'checkpoints'}: "
                         f"it starts at step 1 (checkpoint_every = {stage.checkpoint_every})")
    return lines


def _kept(out: Path, plan) -> Kept:
    """On Ctrl-C: each stage's finished model or newest checkpoint, and the command to resume."""
    parts = []
    for stage in plan:
        state, ckpt = _stage_state(out, stage)
        if state == "finished":
            parts.append(f"{stage.name} finished ({out / stage.name / 'final'})")
        elif state == "checkpoint":
            parts.append(f"{stage.name} at step {_step_of(ckpt)} of {stage.steps} ({ckpt})")
        elif state == "started":
            parts.append(f"{stage.name} started, no checkpoint yet (--resume starts it at step 1; "
                         f"checkpoint_every = {stage.checkpoint_every})")
    if not parts:
        return Kept(f"nothing ({out} holds no stage yet)", this_command(), resumes=False)
    return Kept("; ".join(parts), this_command(add=["--resume"], drop=["--overwrite"]))


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


