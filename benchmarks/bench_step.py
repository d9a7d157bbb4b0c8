"""The C3PO training step beside a plain causal-LM step on the same model and tokens.

    python benchmarks/bench_step.py --device cpu      # the tiny preset: CI-sized, a minute on a CPU
    python benchmarks/bench_step.py --device cuda     # the 0.5b preset: a Qwen2.5-0.5B-shaped model, to 64k tokens

- plain: `model(input_ids, labels=input_ids).loss.backward()` (transformers' causal-LM loss), the
  baseline every trainer pays; 6N FLOPs per token (N parameters).
- c3po: what `ringdata train` runs per micro-batch: the frozen reference's forward (no grad), the
  policy's forward + backward through `train.policy.Scorer` (hidden states at response positions,
  the output layer in `--chunk`-token chunks, each chunk's log-probs and entropy from one
  log-softmax, kept for the backward up to `--keep-mb` or recomputed there, compiled or not: the
  trainer's defaults for the device unless the options say otherwise) and `train.loss.policy_loss`;
  8N FLOPs per token (the reference's forward adds 2N). Every position but the first is scored,
  as in the plain step's loss.
- speed c3po/plain: the tokens/s ratio (wall clock); per CPU-s: the same ratio per CPU second of
  this process (steadier than wall time on a shared machine).

Micro-batch tokens are swept (rows x `--row` tokens, doubling) until out of memory (CUDA) or past
`--max-tokens`. Printed per size: tokens/s, model TFLOP/s, peak memory (CUDA only), and the
c3po/plain ratios. On CUDA both run under bf16 autocast with float32 weights (the reference is a
bf16 copy), as the trainer does. Random weights, random tokens: speed and memory do not depend on
them. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train.config import LossConfig, OptimConfig, TrainConfig  # noqa: E402
from train.loss import policy_loss  # noqa: E402
from train.policy import Scorer, autocast, chunk_options, enable_gradient_checkpointing  # noqa: E402

PRESETS = {
    # CI-sized: under a minute for the whole sweep on one idle CPU core
    "tiny": dict(hidden_size=128, intermediate_size=512, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, vocab_size=8192, row=128, max_tokens=2048),
    # Qwen2.5-0.5B's shape: 494M parameters, 151,936-token vocabulary, tied embeddings
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                 num_key_value_heads=2, vocab_size=151936, row=2048, max_tokens=65536),
}


def build(preset: str, device: torch.device):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    shape = {k: v for k, v in PRESETS[preset].items() if k not in ("row", "max_tokens")}
    cfg = Qwen2Config(**shape, tie_word_embeddings=True, max_position_embeddings=32768)
    torch.manual_seed(0)
    return Qwen2ForCausalLM(cfg).to(device)


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def plain_step(model, ids, dtype):
    with autocast(ids.device, dtype):
        loss = model(input_ids=ids, labels=ids).loss
    loss.backward()


def c3po_step(policy: Scorer, reference: Scorer, ids, dtype, cfg: LossConfig):
    rows, width = ids.shape
    attn = torch.ones_like(ids)
    pos = torch.arange(width - 1, device=ids.device).expand(rows, -1)
    mask = torch.ones(pos.shape, device=ids.device)
    with torch.no_grad(), autocast(ids.device, dtype):
        ref_logp, _ = reference(ids, attn, pos, mask)
    with autocast(ids.device, dtype):
        logp, entropy = policy(ids, attn, pos, mask)
    old = logp.detach() + 0.01
    adv = torch.randn(rows, 1, device=ids.device).expand_as(mask)
    loss = policy_loss(logp, old, ref_logp, entropy, adv, mask / mask.sum(), cfg)
    loss.backward()


def measure(fn, model, iters: int, device) -> tuple[float, float | None, float]:
    """(seconds per step, peak GiB, CPU seconds per step) after one warm-up step; None for peak on
    the CPU (CPU seconds: all this process's threads, the figure that a busy machine does not skew)."""
    fn()
    model.zero_grad(set_to_none=True)
    _sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(iters):
        fn()
        model.zero_grad(set_to_none=True)
    _sync(device)
    sec, cpu = (time.perf_counter() - t0) / iters, (time.process_time() - c0) / iters
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None
    return sec, peak, cpu


def run_one(kind, fn, model, iters, device):
    try:
        return measure(fn, model, iters, device)
    except torch.OutOfMemoryError:
        model.zero_grad(set_to_none=True)
        torch.cuda.empty_cache()
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), default=None, help="tiny on the CPU, 0.5b on cuda")
    ap.add_argument("--device", default="auto", help="auto | cpu | cuda")
    ap.add_argument("--iters", type=int, default=3, help="timed steps per size (after one warm-up)")
    ap.add_argument("--row", type=int, default=None, help="tokens per row (preset's default)")
    ap.add_argument("--max-tokens", type=int, default=None, help="stop the sweep past this many micro-batch tokens")
    ap.add_argument("--chunk", type=int, default=4096, help="response tokens per output-layer chunk")
    ap.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                    help="torch.compile the chunk's vocabulary passes (default: the trainer's, on for cuda)")
    ap.add_argument("--keep-mb", type=int, default=None,
                    help="MiB of log-softmax kept for the backward (default: the trainer's, 4096 on cuda, 0 on the CPU)")
    ap.add_argument("--gradient-checkpointing", action="store_true")
    args = ap.parse_args()

    device = torch.device(args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
    args.preset = args.preset or ("0.5b" if device.type == "cuda" else "tiny")
    chunks = chunk_options(replace(TrainConfig(), optim=OptimConfig(compile_chunks=args.compile, logit_keep_mb=args.keep_mb)), device)
    dtype = torch.bfloat16 if device.type == "cuda" else None
    preset = PRESETS[args.preset]
    row = args.row or preset["row"]
    max_tokens = args.max_tokens or preset["max_tokens"]
    model = build(args.preset, device)
    if args.gradient_checkpointing:
        enable_gradient_checkpointing(model)
    else:
        model.eval()  # no dropout, as the trainer
    n_params = sum(p.numel() for p in model.parameters())
    ref_lm = copy.deepcopy(model).requires_grad_(False).eval()
    ref_lm = ref_lm.to(dtype) if dtype is not None else ref_lm
    policy = Scorer(model, chunk_tokens=args.chunk, **chunks)
    reference = Scorer(ref_lm, chunk_tokens=args.chunk, **chunks)  # as the trainer's
    cfg = LossConfig()
    print(f"preset {args.preset}: {n_params / 1e6:.1f}M parameters, vocabulary {model.config.vocab_size}, "
          f"rows of {row} tokens, device {device}, {'bf16 autocast' if dtype else 'float32'}"
          f"{', gradient checkpointing' if args.gradient_checkpointing else ''}; c3po chunks: "
          f"{'compiled' if chunks['compile_chunks'] else 'eager'}, log-softmax kept up to {chunks['keep_bytes'] / 2**20:.0f} MiB")
    print(f"{'tokens':>8} | {'plain tok/s':>11} {'TFLOP/s':>7} {'peak GiB':>8} | {'c3po tok/s':>10} {'TFLOP/s':>7} "
          f"{'peak GiB':>8} | {'speed c3po/plain':>16} {'per CPU-s':>9} {'peak c3po/plain':>15}")
    fmt = lambda x, f: "-" if x is None else format(x, f)  # noqa: E731
    alive = {"plain": True, "c3po": True}
    rows = 1
    largest = {"plain": 0, "c3po": 0}
    while rows * row <= max_tokens and any(alive.values()):
        tokens = rows * row
        ids = torch.randint(0, model.config.vocab_size, (rows, row), device=device)
        got = {}
        for kind, fn, flops in (("plain", lambda: plain_step(model, ids, dtype), 6),
                                ("c3po", lambda: c3po_step(policy, reference, ids, dtype, cfg), 8)):
            res = run_one(kind, fn, model, args.iters, device) if alive[kind] else None
            alive[kind] = res is not None
            if res is not None:
                largest[kind] = tokens
                got[kind] = (tokens / res[0], flops * n_params * tokens / res[0] / 1e12, res[1], tokens / res[2])
        p, c = got.get("plain"), got.get("c3po")
        speed = c[0] / p[0] if p and c else None
        per_cpu = c[3] / p[3] if p and c else None
        peak = c[2] / p[2] if p and c and p[2] else None
        cells = [fmt(p and p[0], ",.0f"), fmt(p and p[1], ".3f"), fmt(p and p[2], ".1f"),
                 fmt(c and c[0], ",.0f"), fmt(c and c[1], ".3f"), fmt(c and c[2], ".1f")]
        oom = "" if p and c else "  (" + ", ".join(k for k in ("plain", "c3po") if k not in got) + ": out of memory)"
        print(f"{tokens:>8} | {cells[0]:>11} {cells[1]:>7} {cells[2]:>8} | {cells[3]:>10} {cells[4]:>7} {cells[5]:>8} | "
              f"{fmt(speed, '.2f'):>16} {fmt(per_cpu, '.2f'):>9} {fmt(peak, '.2f'):>15}{oom}", flush=True)
        rows *= 2
    print(f"largest micro-batch: plain {largest['plain']} tokens, c3po {largest['c3po']} tokens"
          + ("" if device.type == "cuda" else f" (the sweep stops at --max-tokens {max_tokens} on the CPU)"))


if __name__ == "__main__":
    main()
