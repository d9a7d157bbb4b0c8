"""C3PO vs GRPO vs DAPO on the toy task, same model, data, seeds and steps.

    python benchmarks/bench_train.py --seeds 0,1,2 --steps 15 --backend hf

For each loss, per seed then averaged: tokens entering the loss per step (mean and coefficient of
variation: C3PO's must be 0, its point), step-time CV, grad-norm variance and CV, and the final
held-out reward. Ring-lite claims C3PO's fixed budget lowers grad-norm variance and step-time
variation against GRPO; this prints whether that holds here, plus the machine load (`uptime`), as
the cores are shared. GRPO/DAPO train on all L x K responses of a step; C3PO on Phi tokens of them.
"c3po-group" is C3PO with `selection_order = "group"` (whole prompt groups selected together).
The toy task's responses are nearly constant in length (~11 tokens), so GRPO's tokens per step
barely vary here: this run shows the mechanics, not the long-CoT regime the paper measured.
"""

from __future__ import annotations

import argparse
import os
import statistics as st
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train.config import load_config, with_overrides  # noqa: E402
from train.loop import run  # noqa: E402
from train.metrics import read_metrics  # noqa: E402

LOSSES = ("c3po", "c3po-group", "grpo", "dapo")  # c3po-group: C3PO with selection_order = "group"


def cv(xs: list[float]) -> float:
    m = st.mean(xs)
    return st.pstdev(xs) / m if m else float("nan")


def one_run(cfg, kind: str, seed: int, out: Path) -> dict:
    loss, _, order = kind.partition("-")
    cfg = with_overrides(cfg, loss=loss, seed=seed)
    if order:
        cfg = replace(cfg, stages=tuple(replace(s, selection_order=order) for s in cfg.stages))
    started = time.perf_counter()
    (result,) = run(cfg, cfg.plan("math"), out / f"{kind}-{seed}")
    records = read_metrics(result.metrics_path)
    steps = [r for r in records if r["kind"] == "step"][1:]  # step 1 includes warm-up costs
    tokens = [r["phi_selected_tokens"] for r in steps]
    grads = [r["grad_norm"] for r in steps]
    times = [r["step_time"] for r in steps]
    return {
        "tokens_mean": st.mean(tokens), "tokens_cv": cv(tokens), "step_time_mean": st.mean(times),
        "step_time_cv": cv(times), "grad_var": st.pvariance(grads), "grad_cv": cv(grads),
        "before": result.eval_before, "after": result.eval_after, "wall": time.perf_counter() - started,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=Path(__file__).resolve().parents[1] / "configs/tiny.toml")
    ap.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    ap.add_argument("--steps", type=int, default=15, help="optimizer steps per run")
    ap.add_argument("--backend", default="hf", help="rollout engine: hf | vllm | auto")
    ap.add_argument("--out", type=Path, default=None, help="keep the runs here (default: a temp dir)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    cfg = with_overrides(load_config(args.config), steps=args.steps, backend=args.backend)
    math = cfg.stage("math")
    cfg = replace(cfg, stages=(replace(math, eval_every=0, checkpoint_every=0),), schedules={})
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_train."))
    console = Console(width=170)
    load_before = os.getloadavg()
    rows: dict[str, list[dict]] = {k: [] for k in LOSSES}
    with Progress(console=console) as progress:
        task = progress.add_task("runs", total=len(seeds) * len(LOSSES))
        for i, seed in enumerate(seeds):
            order = LOSSES[i % len(LOSSES) :] + LOSSES[: i % len(LOSSES)]  # rotated, so load changes hit every loss alike
            for kind in order:
                rows[kind].append(one_run(cfg, kind, seed, out))
                progress.advance(task)
    load_after = os.getloadavg()
    table = Table(title=f"{args.steps} steps x seeds {seeds}, L={math.prompts_per_step} K={math.samples_per_prompt}"
                        f" Phi={math.token_budget}, backend {args.backend} (means over seeds)")
    for col in ("loss", "tokens/step", "tokens CV", "step time s", "step time CV", "grad-norm var", "grad-norm CV",
                "held-out before", "held-out after", "wall s"):
        table.add_column(col, justify="right")
    mean = lambda kind, key: st.mean(r[key] for r in rows[kind])  # noqa: E731
    for kind in LOSSES:
        table.add_row(kind, f"{mean(kind, 'tokens_mean'):.0f}", f"{mean(kind, 'tokens_cv'):.3f}",
                      f"{mean(kind, 'step_time_mean'):.2f}", f"{mean(kind, 'step_time_cv'):.3f}",
                      f"{mean(kind, 'grad_var'):.2e}", f"{mean(kind, 'grad_cv'):.3f}",
                      f"{mean(kind, 'before'):.3f}", f"{mean(kind, 'after'):.3f}", f"{mean(kind, 'wall'):.0f}")
    console.print(table)
    for key, label in (("step_time_cv", "step-time CV"), ("grad_var", "grad-norm variance"), ("grad_cv", "grad-norm CV")):
        for kind in ("c3po", "c3po-group"):
            c, g = mean(kind, key), mean("grpo", key)
            verdict = "lower" if c < g else "NOT lower"
            console.print(f"{kind} {label} {c:.3g} vs GRPO {g:.3g}: {verdict} (ratio {c / g if g else float('nan'):.2f})")
    for kind in ("c3po", "c3po-group"):
        console.print(f"{kind} tokens-per-step CV: {mean(kind, 'tokens_cv'):.3g} (must be 0)")
    console.print(f"load average (1/5/15 min) before {load_before}, after {load_after}; runs in {out}")


if __name__ == "__main__":
    main()
