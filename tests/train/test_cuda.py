"""The training step on a CUDA GPU: what the CPU tests cannot show.

Skipped where torch sees no GPU (CI has none); `benchmarks/gpu_check.sh` runs this file on a lent
GPU first. Each test checks something only the GPU path has:
- the chunked output layer at Qwen's 151,936-token vocabulary in float32 on CUDA equals float64,
  and its peak memory is a fraction of the full-logits path's;
- bf16 autocast over float32 master weights (the policy's `precision = "auto"` on CUDA) scores
  float32 log-probs close to float32 and gives gradients pointing the same way;
- a torchrun process group on GPUs (`train.distributed.backend`) carries World's CPU collectives
  (sums, maxima, gathered objects, barriers) beside NCCL: NCCL alone refuses CPU tensors.
"""

from __future__ import annotations

import os

import pytest
import torch
import torch.multiprocessing as mp

from tests.conftest import free_port
from train.distributed import World, backend
from train.loss import chunked_logprobs_and_entropy, token_logprobs_and_entropy
from train.policy import Scorer, autocast

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (benchmarks/gpu_check.sh runs it)")
CUDA = torch.device("cuda")


def test_chunked_output_layer_at_qwen_vocabulary_equals_float64_in_a_fraction_of_the_memory():
    torch.manual_seed(0)
    n, h, v = 2048, 896, 151936
    hidden = torch.randn(n, h, device=CUDA)
    weight = 0.05 * torch.randn(v, h, device=CUDA)
    targets = torch.randint(0, v, (n,), device=CUDA)

    def run(chunk: int | None, dtype: torch.dtype):
        hid = hidden.to(dtype, copy=True).requires_grad_()  # leaves of their own: hidden and weight stay as they are
        w = weight.to(dtype, copy=True).requires_grad_()
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        if chunk:
            lp, ent = chunked_logprobs_and_entropy(hid, w, None, targets, chunk_tokens=chunk)
        else:
            lp, ent = token_logprobs_and_entropy(hid @ w.T, targets)
        (lp.sum() + 0.1 * ent.sum()).backward()
        torch.cuda.synchronize()
        return lp.detach().double(), hid.grad.double(), torch.cuda.max_memory_allocated() - base

    lp32, g32, peak_chunked = run(256, torch.float32)
    lp64, g64, peak_full64 = run(None, torch.float64)
    _, _, peak_full32 = run(None, torch.float32)
    torch.testing.assert_close(lp32, lp64, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(g32, g64, rtol=1e-3, atol=1e-4 * float(g64.abs().max()))
    print(f"peak extra memory: chunked {peak_chunked / 2**20:.0f} MiB, full logits fp32 {peak_full32 / 2**20:.0f} MiB")
    assert peak_chunked < peak_full32 / 4


def _qwen_shaped(seed: int = 0):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    cfg = Qwen2Config(hidden_size=256, intermediate_size=1024, num_hidden_layers=4, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=32000, tie_word_embeddings=True, max_position_embeddings=4096)
    return Qwen2ForCausalLM(cfg).to(CUDA).eval()


def test_bf16_autocast_scores_float32_logprobs_close_to_float32_with_aligned_gradients():
    policy = Scorer(_qwen_shaped(), chunk_tokens=512)
    gen = torch.Generator(device="cpu").manual_seed(1)
    ids = torch.randint(0, 32000, (4, 512), generator=gen).to(CUDA)
    attn = torch.ones_like(ids)
    pos = torch.arange(511, device=CUDA).expand(4, -1)
    mask = torch.ones(pos.shape, device=CUDA)

    def run(dtype):
        policy.zero_grad(set_to_none=True)
        with autocast(CUDA, dtype):
            logp, ent = policy(ids, attn, pos, mask)
        (logp.sum() + 0.01 * ent.sum()).backward()
        grad = torch.cat([p.grad.flatten() for p in policy.parameters() if p.grad is not None])
        return logp.detach(), grad

    lp_bf16, g_bf16 = run(torch.bfloat16)
    lp_fp32, g_fp32 = run(None)
    assert lp_bf16.dtype == torch.float32  # the loss sees float32 even under bf16 autocast
    assert next(policy.parameters()).dtype == torch.float32  # master weights stay float32
    gap = (lp_bf16 - lp_fp32).abs()
    cos = float(torch.nn.functional.cosine_similarity(g_bf16, g_fp32, dim=0))
    print(f"bf16 vs fp32: mean |log-prob gap| {float(gap.mean()):.4f}, max {float(gap.max()):.4f}, gradient cosine {cos:.5f}")
    assert float(gap.mean()) < 0.02
    assert cos > 0.99


def _collectives(rank: int, size: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.cuda.set_device(0)  # one GPU here: the CPU collectives never touch NCCL
    torch.distributed.init_process_group(backend(True), rank=rank, world_size=size)
    try:
        world = World(rank, size)
        result = {"sum": world.sum([rank + 1.0, 2.0]), "max": world.max_int(10 * rank),
                  "gather": world.gather({"rank": rank})}
        world.barrier()
        torch.save(result, os.path.join(out, f"rank{rank}.pt"))
    finally:
        torch.distributed.destroy_process_group()


@pytest.mark.timeout(300)
def test_the_gpu_process_group_carries_worlds_cpu_collectives(tmp_path):
    mp.spawn(_collectives, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    for r in range(2):
        got = torch.load(tmp_path / f"rank{r}.pt")
        assert got == {"sum": [3.0, 4.0], "max": 10, "gather": [{"rank": 0}, {"rank": 1}]}
