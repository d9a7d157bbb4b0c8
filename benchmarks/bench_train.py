"""C3PO vs DAPO vs GRPO, same model, data, seeds, steps and rollouts per step.

    python benchmarks/bench_train.py --seeds 0,1,2 --out runs/chain-compare     # the chain task
    ringdata report runs/chain-compare                                          # curves side by side
    python benchmarks/bench_train.py --config configs/tiny.toml --losses c3po,c3po-group,grpo,dapo

The default config (configs/chain.toml) is the task whose responses vary in length (train/chain.py:
1 to 49 worked steps, ~10 to ~160 tokens) with the project's model fitted to show that work
(model = "tiny-chain", built on first use). Every method samples the same L x K responses per step
(`max_refill_rounds = 0`); they differ in which tokens train (C3PO: exactly Phi of them; GRPO and
DAPO: all, DAPO without the groups whose rewards are all equal) and how each token is weighted
(1/Phi; 1/(|y| N); 1/(step tokens)). Per run, then per method over seeds (train/report.py
`run_figures`): tokens trained per step and their CV, grad-norm variance, CV and spikes (steps
above 2x the run's median), held-out reward before and after, response length over the first and
last third of the steps, step time, generated tokens per step; and the machine load, as the
cores are shared. Ring-lite (arXiv 2506.14731, Figs. 7-8) claims the fixed budget keeps grad norms
smooth and response length stable where GRPO's per-sample normalisation spikes; this prints
whether that holds here. "c3po-group" is C3PO with `selection_order = "group"`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics as st
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console

# before torch loads libgomp: on a machine loaded beyond its cores, libgomp's default spin-wait
# makes every parallel region cost time slices (benchmarks/bench_overlap.py's docstring)
if __name__ == "__main__":  # run as a script, not imported by a test
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train.config import load_config, with_overrides  # noqa: E402
from train.loop import run  # noqa: E402
from train.report import comparison_table, print_comparison, render_comparison  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def one_run(cfg, kind: str, seed: int, out: Path) -> tuple[float, float]:
    """Train `kind` (a loss, or "c3po-group") with `seed` into OUT/KIND-SEED; returns (wall
    seconds, CPU seconds of this process): on a shared machine the CPU seconds are the steadier."""
    loss, _, order = kind.partition("-")
    cfg = with_overrides(cfg, loss=loss, seed=seed)
    if order:
        cfg = replace(cfg, stages=tuple(replace(s, selection_order=order) for s in cfg.stages))
    started, cpu = time.perf_counter(), time.process_time()
    run(cfg, cfg.stages, out / f"{kind}-{seed}")
    return time.perf_counter() - started, time.process_time() - cpu


def compare(cfg, losses: list[str], seeds: list[int], out: Path, progress=None) -> dict:
    """Every loss x seed into `out`, seeds rotating the order so load changes hit every loss alike;
    returns each loss's (wall, CPU) seconds per run, in seed order."""
    walls: dict[str, list[tuple[float, float]]] = {k: [] for k in losses}
    for i, seed in enumerate(seeds):
        for kind in losses[i % len(losses):] + losses[: i % len(losses)]:
            walls[kind].append(one_run(cfg, kind, seed, out))
            if progress:
                progress(kind, seed, *walls[kind][-1])
    return walls


def verdicts(table: dict, against: str = "grpo") -> list[str]:
    """One line per claim: is C3PO's figure lower than GRPO's (means over seeds)?"""
    mean = lambda m, k: st.mean(f[k] for _, f in table[m] if f[k] is not None)  # noqa: E731
    lines = []
    for kind in [k for k in table if k.startswith("c3po")]:
        for key, label in (("grad_var", "grad-norm variance"), ("grad_cv", "grad-norm CV"),
                           ("grad_spikes", "grad-norm spikes"), ("step_time_cv", "step-time CV")):
            for other in [o for o in table if not o.startswith("c3po")]:
                c, g = mean(kind, key), mean(other, key)
                lines.append(f"{kind} {label} {c:.3g} vs {other} {g:.3g}: {'lower' if c < g else 'NOT lower'}")
        lines.append(f"{kind} tokens-per-step CV {mean(kind, 'tokens_cv'):.3g} (0 unless a step fell short of Phi)")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=ROOT / "configs/chain.toml")
    ap.add_argument("--losses", default="c3po,dapo,grpo", help="comma-separated: c3po, c3po-group, dapo, grpo")
    ap.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    ap.add_argument("--steps", type=int, default=None, help="optimizer steps per run (default: the config's)")
    ap.add_argument("--backend", default=None, help="rollout engine: hf | vllm | auto (default: the config's)")
    ap.add_argument("--out", type=Path, default=None, help="keep the runs here (default: a temp dir)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    losses = [k.strip() for k in args.losses.split(",") if k.strip()]
    cfg = with_overrides(load_config(args.config), steps=args.steps, backend=args.backend)
    first = cfg.stages[0]
    cfg = replace(cfg, stages=(replace(first, checkpoint_every=0),), schedules={})
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_train."))
    console = Console(width=170)
    load_before = os.getloadavg()
    cpu_before = time.process_time()
    walls = compare(cfg, losses, seeds, out,
                    lambda k, s, wall, cpu: console.print(f"done {k} seed {s}: {wall:.0f} s, {cpu:.0f} CPU-s, "
                                                          f"load {os.getloadavg()[0]:.1f}"))
    load_after = os.getloadavg()
    st_ = cfg.stages[0]
    console.print(f"{st_.steps} steps x seeds {seeds}, L={st_.prompts_per_step} K={st_.samples_per_prompt} "
                  f"Phi={st_.token_budget}, data {st_.data}, model {cfg.model}, backend {cfg.backend}")
    print_comparison(out, console)
    table = comparison_table(out)
    for line in verdicts(table):
        console.print(line)
    page = render_comparison(out)
    summary = {"config": str(args.config), "seeds": seeds, "steps": st_.steps, "walls": walls,
               "cpu_seconds": time.process_time() - cpu_before, "load_before": load_before, "load_after": load_after,
               "runs": {m: dict(items) for m, items in table.items()}}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    console.print(f"load average (1/5/15 min) before {load_before}, after {load_after}; "
                  f"CPU seconds {summary['cpu_seconds']:.0f}; OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY', 'unset')}; "
                  f"runs in {out}; curves {page}")


if __name__ == "__main__":
    main()
