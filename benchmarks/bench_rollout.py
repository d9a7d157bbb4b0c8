"""Benchmark: rollout tokens/s of the vLLM and transformers backends, and the cost of a weight push.

    python benchmarks/bench_rollout.py                  # 256 sequences x 128 tokens, ~25M params
    python benchmarks/bench_rollout.py --seqs 64 --tokens 64 --size tiny

Both backends sample the same prompts (toy arithmetic, one sample each, temperature 1.0) from the
same randomly initialised model built like the tiny one (`train/tiny.py`, size "25m": fitting does
not change throughput), with min_tokens = max_tokens so every sequence generates exactly `--tokens`
tokens. Each backend is warmed up first; the figure is the best of `--repeats` timed runs.

The weight push is `VLLMBackend.push_weights` of the full state dict (transformers names, the
`lm_head.weight` included, then the prefix-cache reset), timed over `--repeats` pushes and set
against one step, taken as the time vLLM needs for the batch. Targets: vLLM >= 2x transformers;
a push < 1% of a step.

OMP_WAIT_POLICY is PASSIVE unless set outside (as in bench_overlap.py, which says why): under
libgomp's default a thread that finishes its share of a parallel region spins for its partner, and
on a machine loaded beyond its cores the spin burns the slice the partner needs and is counted as
CPU time. Both backends run on torch's threads as set before the vLLM engine starts (vLLM 0.32
logs "Reducing Torch threads ... to 1" at start, but its CPU worker has by then replaced
torch.set_num_threads with a no-op, so nothing changes; the title gives the threads read after
each start). `--threads 1` runs both on one thread: no barrier at all, the cleanest tokens per
CPU-second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

# before torch loads libgomp, which reads it once (see the docstring)
if __name__ == "__main__":  # run as a script, not imported by a test
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from train.prompting import format_prompt  # noqa: E402
from train.rollout import SamplingConfig, make_backend  # noqa: E402
from train.tiny import build_tiny_model  # noqa: E402
from train.toy import math_problems  # noqa: E402


def timed_generate(backend, prompts: list[str], config: SamplingConfig, repeats: int) -> tuple[float, float, int]:
    """(best seconds, CPU seconds of that run, tokens generated) over `repeats` runs, after one short
    warm-up. CPU is this process's (all its threads): both backends run in this process (vLLM with
    VLLM_ENABLE_V1_MULTIPROCESSING=0, `VLLMSettings`' default)."""
    backend.generate(prompts[:4], SamplingConfig(n=1, max_tokens=8, min_tokens=8, seed=1))
    best, best_cpu, tokens = float("inf"), 0.0, 0
    for r in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        rollouts = backend.generate(prompts, SamplingConfig(**{**config.__dict__, "seed": config.seed + r}))
        if time.perf_counter() - start < best:
            best, best_cpu = time.perf_counter() - start, time.process_time() - cpu
        tokens = sum(len(x.response_ids) for x in rollouts)
    return best, best_cpu, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="25m", help="model size from train/tiny.py SIZES")
    parser.add_argument("--seqs", type=int, default=256, help="sequences per batch")
    parser.add_argument("--tokens", type=int, default=128, help="tokens generated per sequence")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per backend (best is kept)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads of both backends (0: torch's default)")
    args = parser.parse_args()
    console = Console()
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_tiny_model(Path(tmp) / "model", size=args.size, steps=0)
        import torch
        from safetensors.torch import load_file

        if args.threads:  # before the vLLM engine starts: it disables torch.set_num_threads
            torch.set_num_threads(args.threads)

        weights = load_file(str(model_dir / "model.safetensors"))
        params = sum(t.numel() for t in weights.values())
        # the toy task has 236 distinct questions: cycle them (prefill is a sliver of 128-token decodes)
        base = [format_prompt(p) for p in math_problems(args.seqs, seed=3)]
        prompts = [base[i % len(base)] for i in range(args.seqs)]
        config = SamplingConfig(n=1, temperature=1.0, max_tokens=args.tokens, min_tokens=args.tokens, seed=0)
        max_len = args.tokens + 64

        hf = make_backend("hf", model_dir, max_model_len=max_len)
        threads = {"transformers": torch.get_num_threads()}
        hf_s, hf_cpu, hf_tokens = timed_generate(hf, prompts, config, args.repeats)
        hf.close()

        vllm = make_backend("vllm", model_dir, max_model_len=max_len)
        threads["vLLM"] = torch.get_num_threads()
        vllm_s, vllm_cpu, vllm_tokens = timed_generate(vllm, prompts, config, args.repeats)
        pushes = []
        for i in range(args.repeats + 1):
            new = {k: v + (1e-4 * (i + 1)) for k, v in weights.items()}  # new values every push
            start = time.perf_counter()
            vllm.push_weights(new)
            pushes.append(time.perf_counter() - start)
        vllm.close()
        del torch

    push_s = statistics.median(pushes)
    threads_said = ", ".join(f"{k} {v}" for k, v in threads.items())
    table = Table(title=f"rollout: {args.seqs} sequences x {args.tokens} tokens, {params / 1e6:.1f}M parameters, CPU, "
                        f"torch threads {threads_said}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    for col in ("backend", "seconds", "tokens", "tokens/s", "vs transformers", "tokens per CPU-s", "vs transformers per CPU-s"):
        table.add_column(col, justify="right")
    table.add_row("transformers", f"{hf_s:.2f}", f"{hf_tokens}", f"{hf_tokens / hf_s:,.0f}", "1.00x",
                  f"{hf_tokens / hf_cpu:,.0f}", "1.00x")
    table.add_row("vLLM", f"{vllm_s:.2f}", f"{vllm_tokens}", f"{vllm_tokens / vllm_s:,.0f}",
                  f"{(vllm_tokens / vllm_s) / (hf_tokens / hf_s):.2f}x", f"{vllm_tokens / vllm_cpu:,.0f}",
                  f"{(vllm_tokens / vllm_cpu) / (hf_tokens / hf_cpu):.2f}x")
    console.print(table)
    speedup = (vllm_tokens / vllm_s) / (hf_tokens / hf_s)
    share = push_s / vllm_s
    console.print(
        f"weight push: median {push_s * 1e3:.1f} ms over {len(pushes)} pushes = {share:.2%} of a step "
        f"(the vLLM batch above; target < 1%)\n"
        f"vLLM speed-up: {speedup:.2f}x (target >= 2x), "
        f"{(vllm_tokens / vllm_cpu) / (hf_tokens / hf_cpu):.2f}x per CPU-second; load average before {load_before:.2f}, "
        f"after {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
