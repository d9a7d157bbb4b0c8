"""Rewards overlapped with generation, and one step off-policy: wall times on real parts.

    python benchmarks/bench_overlap.py --backend vllm --sandbox auto --rounds 3 --chunks 0,2 --steps 4

1. Rounds (`--rounds`): one rollout round's wall time, synchronous against `grade_while_sampling =
   N` (each group of N prompts graded while the engine samples the next). Both settings sample
   the same prompts with the same seeds; rounds alternate between the settings so a change in
   machine load hits both alike.
2. Steps (`--steps`): whole training steps (`ringdata train`'s `run`, one engine shared by the
   runs) synchronous, with `grade_while_sampling = 2`, and with `sample_ahead = 1` (step t+1 sampled
   and graded on a thread while step t trains). Medians over the steps after the first (which
   starts the verifier pool and the sandbox) and before the last (which has nothing to sample ahead):
   step, rollout, train and wait (the trainer idle) time.

Real parts only: the tiny model in a vLLM (or transformers) engine, toy *code* problems graded in
the real sandbox (docker when available, else bubblewrap). Prints CPU seconds of this process and
the load average (on a shared machine, compare settings within one run only).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics as st
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandboxes import SandboxChoice  # noqa: E402
from train.collect import rollout_round  # noqa: E402
from train.config import StageConfig, TrainConfig  # noqa: E402
from train.context import Context  # noqa: E402
from train.built import built_model_dir  # noqa: E402
from train.models import load_tokenizer  # noqa: E402
from train.rewarder import Rewarder  # noqa: E402
from train.rollout import make_backend  # noqa: E402
from train.toy import code_problems  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="vllm")
    ap.add_argument("--sandbox", default="auto")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per setting")
    ap.add_argument("--chunks", default="0,2", help="grade_while_sampling values to compare (0 = synchronous)")
    ap.add_argument("--prompts", type=int, default=8, help="L")
    ap.add_argument("--samples", type=int, default=8, help="K")
    ap.add_argument("--steps", type=int, default=0, help="training steps per setting (0 = skip the step comparison)")
    ap.add_argument("--repeats", type=int, default=2, help="runs per setting in the step comparison, order alternated")
    ap.add_argument("--out", default="/tmp/bench_overlap", help="run directories of the step comparison")
    args = ap.parse_args()
    model = built_model_dir("tiny")
    tok = load_tokenizer(model)
    problems = code_problems(64, seed=1)
    backend = make_backend(args.backend, model, max_model_len=256, seed=0)
    rewarder = Rewarder(SandboxChoice.of(args.sandbox))
    stage = StageConfig(name="code", data="toy", domains=("code",), prompts_per_step=args.prompts,
                        samples_per_prompt=args.samples, max_response_tokens=64)
    chunks = [int(c) for c in args.chunks.split(",")]
    times: dict[int, list[float]] = {c: [] for c in chunks}
    load_before, cpu_before = os.getloadavg(), time.process_time()
    try:
        ctx = Context(TrainConfig(), stage, None, None, tok, None, None, backend, rewarder, problems)
        if args.rounds:
            rollout_round(ctx, 0, 0)  # warm-up: engine graphs, sandbox pool, verifier processes
        for r in range(args.rounds):
            for c in chunks:
                ctx.stage = replace(stage, grade_while_sampling=c)
                ctx.state.cursor = r * args.prompts  # both settings: the same prompts, seeds and (vLLM) responses
                started = time.perf_counter()
                _, tally = rollout_round(ctx, 1, r)
                times[c].append(time.perf_counter() - started)
                print(f"round {r} grade_while_sampling={c}: {times[c][-1]:.2f} s, verdicts {tally.reasons}", flush=True)
        steps = compare_steps(args, model, backend, stage) if args.steps else {}
    finally:
        backend.close()
        rewarder.close()
    if args.rounds:
        base = st.median(times[chunks[0]])
        for c in chunks:
            print(f"grade_while_sampling={c}: median {st.median(times[c]):.2f} s over {len(times[c])} rounds "
                  f"(x{st.median(times[c]) / base:.2f} of {chunks[0]})")
    for name, row in steps.items():
        print(f"{name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in row.items())
              + f" (step time x{row['step_time'] / steps['synchronous']['step_time']:.2f} of synchronous)")
    print(f"CPU seconds (this process) {time.process_time() - cpu_before:.0f}; load average before {load_before}, "
          f"after {os.getloadavg()}; {os.cpu_count()} CPUs")


SETTINGS = {"synchronous": {}, "grade_while_sampling=2": {"grade_while_sampling": 2}, "sample_ahead=1": {"sample_ahead": 1}}


def compare_steps(args, model: Path, backend, stage: StageConfig) -> dict[str, dict[str, float]]:
    """Each setting's median step, rollout, train and wait time over its steps but the first and last."""
    from train.config import LossConfig, OptimConfig
    from train.loop import run
    from train.metrics import read_metrics

    stage = replace(stage, steps=args.steps, eval_problems=0, checkpoint_every=0, max_refill_rounds=0,
                    token_budget=args.prompts * args.samples * 8)
    records: dict[str, list[dict]] = {name: [] for name in SETTINGS}
    for rep in range(args.repeats):  # A B C, then C B A, ...: a trend in the machine's load hits all alike
        for name in (list(SETTINGS) if rep % 2 == 0 else list(SETTINGS)[::-1]):
            s = replace(stage, **SETTINGS[name])
            cfg = TrainConfig(model=str(model), backend=args.backend, max_model_len=256, sandbox=SandboxChoice.of(args.sandbox),
                              loss=LossConfig(kind="c3po"), optim=OptimConfig(lr=1e-4), stages=(s,))
            run_dir = Path(args.out) / f"{name}-{rep}"
            shutil.rmtree(run_dir, ignore_errors=True)
            run(cfg, cfg.stages, run_dir, backend=backend)
            steps = [r for r in read_metrics(run_dir / s.name / "metrics.jsonl") if r["kind"] == "step"][1:-1]
            records[name] += steps
            print(f"{name} (repeat {rep}): step times {[round(r['step_time'], 2) for r in steps]}, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    keys = ("step_time", "rollout_time", "train_time", "wait_time")
    return {name: {k: st.median(r[k] for r in rs) for k in keys} for name, rs in records.items()}


if __name__ == "__main__":
    main()
