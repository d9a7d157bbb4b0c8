"""Rewards overlapped with generation: a rollout round's wall time, synchronous against
`grade_while_sampling = N` (each group of N prompts graded while the engine samples the next).

    python benchmarks/bench_overlap.py --backend vllm --sandbox auto --rounds 3 --chunks 0,2

Real parts only: the tiny model in a vLLM (or transformers) engine, toy *code* problems graded in
the real sandbox (docker when available, else bubblewrap), the trainer's own `rollout_round`; both settings
sample the same prompts with the same seeds.
Rounds alternate between the settings so a change in machine load hits both alike; prints each
round's seconds, the medians, the ratio, CPU seconds of this process, and the load average.
"""

from __future__ import annotations

import argparse
import os
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
        rollout_round(ctx, 0, 0)  # warm-up: engine graphs, sandbox pool, verifier processes
        for r in range(args.rounds):
            for c in chunks:
                ctx.stage = replace(stage, grade_while_sampling=c)
                ctx.state.cursor = r * args.prompts  # both settings: the same prompts, seeds and (vLLM) responses
                started = time.perf_counter()
                _, tally = rollout_round(ctx, 1, r)
                times[c].append(time.perf_counter() - started)
                print(f"round {r} grade_while_sampling={c}: {times[c][-1]:.2f} s, verdicts {tally.reasons}", flush=True)
    finally:
        backend.close()
        rewarder.close()
    base = st.median(times[chunks[0]])
    for c in chunks:
        print(f"grade_while_sampling={c}: median {st.median(times[c]):.2f} s over {len(times[c])} rounds "
              f"(x{st.median(times[c]) / base:.2f} of {chunks[0]})")
    print(f"CPU seconds (this process) {time.process_time() - cpu_before:.0f}; load average before {load_before}, "
          f"after {os.getloadavg()}; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
