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

   Per step also this process's CPU seconds, the generated tokens and the load average; compare
   CPU seconds per generated token where the machine is shared (the sandbox's CPU runs in its
   containers and is not counted: every setting grades the same number of responses).

Real parts only: the tiny model in a vLLM (or transformers) engine, toy *code* problems graded in
the real sandbox (docker when available, else bubblewrap). Prints CPU seconds of this process and
the load average (on a shared machine, compare settings within one run only).

OMP_WAIT_POLICY is PASSIVE unless set outside. With libgomp's default, a thread that finishes its
part of a parallel region spins (GOMP_SPINCOUNT, 300k iterations) for the others, unless the
process manages more OpenMP threads than it has CPUs, when it spins 1000 and sleeps. On a machine
loaded far beyond its cores a spinning thread burns the time slice its partner needs, so every
parallel region of the engine and the trainer costs slices: measured here at load ~25 on 2 cores,
the same vLLM generate on the main thread took 44 s (9.6 CPU-s) while the process had one OpenMP
team and 1.1 s (1.1 CPU-s) once another thread had run a parallel region, and ~1 s either way
under PASSIVE. `sample_ahead`'s thread is such a second team, so under the default its runs and
the synchronous runs measure libgomp's two regimes, not the overlap (the 0.19x of an earlier
version of this benchmark). `OMP_WAIT_POLICY=ACTIVE GOMP_SPINCOUNT=300000 python
benchmarks/bench_overlap.py ...` gives libgomp's default spinning back (the spin count is what the
policy sets).
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

# before torch loads libgomp, which reads it once (see the docstring)
if __name__ == "__main__":  # run as a script, not imported by a test
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
    ap.add_argument("--settings", default=",".join(SETTINGS), help="which settings the step comparison runs (the first is the baseline)")
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
    base = next(iter(steps.values()), None)
    for name, row in steps.items():
        print(f"{name}: " + ", ".join(f"{k} {v:.3f}" if k == "cpu_ms_per_token" else f"{k} {v:.2f}" for k, v in row.items())
              + f" (step time x{row['step_time'] / base['step_time']:.2f}, CPU-s per step x{row['cpu_s'] / base['cpu_s']:.2f}"
              f" of {next(iter(steps))})")
    print(f"CPU seconds (this process) {time.process_time() - cpu_before:.0f}; load average before {load_before}, "
          f"after {os.getloadavg()}; {os.cpu_count()} CPUs; OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset (libgomp default)')}")


SETTINGS = {"synchronous": {}, "grade_while_sampling=2": {"grade_while_sampling": 2}, "sample_ahead=1": {"sample_ahead": 1}}


def compare_steps(args, model: Path, backend, stage: StageConfig) -> dict[str, dict[str, float]]:
    """Each setting's medians over its steps but the first and last: step, rollout, train and wait
    time, this process's CPU seconds, generated tokens and CPU milliseconds per generated token.
    A step's CPU seconds are those spent between its metrics line and the previous one (sampling
    ahead, step t's include step t+1's sampling: the work done while it trained)."""
    from train.config import LossConfig, OptimConfig
    from train.loop import run

    stage = replace(stage, steps=args.steps, eval_problems=0, checkpoint_every=0, max_refill_rounds=0,
                    token_budget=args.prompts * args.samples * 8)
    names = [n.strip() for n in args.settings.split(",") if n.strip()]
    unknown = [n for n in names if n not in SETTINGS]
    if unknown:
        raise SystemExit(f"--settings: unknown {unknown}; choose from {', '.join(SETTINGS)}")
    records: dict[str, list[dict]] = {name: [] for name in names}
    for rep in range(args.repeats):  # A B C, then C B A, ...: a trend in the machine's load hits all alike
        for name in (names if rep % 2 == 0 else names[::-1]):
            s = replace(stage, **SETTINGS[name])
            cfg = TrainConfig(model=str(model), backend=args.backend, max_model_len=256, sandbox=SandboxChoice.of(args.sandbox),
                              loss=LossConfig(kind="c3po"), optim=OptimConfig(lr=1e-4), stages=(s,))
            run_dir = Path(args.out) / f"{name}-{rep}"
            shutil.rmtree(run_dir, ignore_errors=True)
            steps: list[dict] = []
            clock = [time.process_time()]

            def on_step(record: dict, steps: list[dict] = steps, clock: list[float] = clock) -> None:
                now = time.process_time()
                steps.append({**record, "cpu_s": now - clock[0], "load": os.getloadavg()[0]})
                clock[0] = now

            run(cfg, cfg.stages, run_dir, backend=backend, on_step=on_step)
            for r in steps:
                print(f"{name} (repeat {rep}) step {r['step']}: {r['step_time']:.2f} s, {r['cpu_s']:.2f} CPU-s, "
                      f"rollout {r['rollout_time']:.2f} s, train {r['train_time']:.2f} s, wait {r['wait_time']:.2f} s, "
                      f"{r['generated_tokens']} tokens generated, load {r['load']:.1f}", flush=True)
            records[name] += steps[1:-1]
    keys = ("step_time", "rollout_time", "train_time", "wait_time", "cpu_s", "generated_tokens")
    out = {}
    for name, rs in records.items():
        row = {k: st.median(r[k] for r in rs) for k in keys}
        row["cpu_ms_per_token"] = 1000 * st.median(r["cpu_s"] / r["generated_tokens"] for r in rs)
        row["load"] = st.median(r["load"] for r in rs)
        out[name] = row
    return out


if __name__ == "__main__":
    main()
