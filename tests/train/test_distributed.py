"""Two ranks over gloo (CPU) train exactly what one process trains: C3PO's budget is global.

Each rank gets its dealt share of the same Phi selected tokens (train.distributed.deal), weights
1/Phi, the policy sharded with FSDP2 `fully_shard`, gradients summed across ranks. Compared with
one process stepping on the same Phi tokens: the trained-token count is exactly Phi on both, the
gradients agree to float32 summation order (rtol 1e-5), and the weights after the loop's AdamW
step agree within 1% of the learning rate (a step moves a weight by up to lr = 1e-3; AdamW divides
each gradient by its own magnitude, which magnifies float32 summation-order noise on near-zero
gradients; measured max |difference| 4.5e-6).
"""

from __future__ import annotations

import os
import random

import pytest
import torch
import torch.multiprocessing as mp

from tests.conftest import free_port
from train.budget import Sample, select_budget
from train.config import LossConfig, OptimConfig, StageConfig, TrainConfig
from train.distributed import World, deal

PHI = 150
LR = 1e-3


def _samples(vocab: int, n: int = 20) -> list[Sample]:
    rng = random.Random(0)
    out = []
    for i in range(n):
        prompt = tuple(rng.randrange(4, vocab) for _ in range(rng.randint(3, 9)))
        resp = tuple(rng.randrange(4, vocab) for _ in range(rng.randint(4, 25)))
        out.append(Sample(prompt, resp, tuple(rng.uniform(-6, -2) for _ in resp), rng.uniform(-1.5, 1.5), 0.0,
                          "math", (0, 0, i // 4), 0))
    return out


def _step(world: World, out_path: str | None) -> dict:
    """One C3PO optimizer step of the loop's own pieces on the fixed selection."""
    import copy

    from train.context import Context
    from train.loop import accumulate_gradients, clip_gradients, make_optimizer
    from train.policy import Scorer, full_state_dict, shard
    from train.tiny import TinyConfig, build_model, build_tokenizer

    tok = build_tokenizer()
    model = build_model(tok, TinyConfig(hidden=64, layers=2, heads=2, intermediate=128), seed=0).eval()
    ref = copy.deepcopy(model).requires_grad_(False)
    with torch.no_grad():
        gen = torch.Generator().manual_seed(1)
        for p in ref.parameters():
            p.add_(0.01 * torch.randn(p.shape, generator=gen))
    cfg = TrainConfig(loss=LossConfig(kl_coef=0.1, entropy_coef=0.01), optim=OptimConfig(lr=LR, micro_batch_tokens=60))
    policy = Scorer(model, chunk_tokens=16)
    if world.size > 1:
        policy = shard(policy, torch.device("cpu"), None)
    opt, sched = make_optimizer(policy, cfg)
    ctx = Context(cfg, StageConfig(token_budget=PHI), policy, Scorer(ref), tok, opt, sched, None, None, [], world=world)
    selection = select_budget(_samples(len(tok)), PHI, random.Random(0))
    opt.zero_grad(set_to_none=True)
    loss, stats = accumulate_gradients(ctx, selection)
    grads = {n: (p.grad.full_tensor() if hasattr(p.grad, "full_tensor") else p.grad).clone() for n, p in policy.named_parameters()}
    norm = clip_gradients(policy, cfg.optim.grad_clip)
    opt.step()
    result = {"loss": loss, "tokens": stats.tokens, "selected": selection.selected_tokens, "norm": norm,
              "grads": grads, "weights": {k: v.clone() for k, v in full_state_dict(policy).items()},
              "mine": len(deal([p.tokens for p in selection.pieces], world))}
    if out_path:
        torch.save(result, out_path)
    return result


def _worker(rank: int, world_size: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        _step(World(rank, world_size), os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        torch.distributed.destroy_process_group()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_two_ranks_step_equals_one_rank_on_the_same_phi_tokens(tmp_path):
    torch.set_num_threads(1)
    one = _step(World(), None)
    mp.spawn(_worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in range(2)]
    # Phi is exact across ranks: each trained its share, together exactly the budget
    assert one["tokens"] == one["selected"] == PHI
    assert all(r["tokens"] == PHI for r in ranks)
    assert all(r["mine"] > 0 for r in ranks) and sum(r["mine"] for r in ranks) == one["mine"]
    assert ranks[0]["loss"] == pytest.approx(one["loss"], rel=1e-5)
    assert ranks[0]["norm"] == pytest.approx(one["norm"], rel=1e-5)
    for name, g in one["grads"].items():  # summed, not averaged: same scale as one process
        torch.testing.assert_close(ranks[0]["grads"][name], g, rtol=1e-5, atol=1e-6 * float(g.abs().max()) + 1e-12)
    worst = 0.0
    for name, w in one["weights"].items():
        for r in ranks:  # every rank holds the same full weights (its engine gets them)
            worst = max(worst, float((r["weights"][name] - w).abs().max()))
    assert worst <= 0.01 * LR, f"2-rank weights differ from 1-rank weights by {worst:.2e}"
    print(f"2 ranks vs 1: max weight difference {worst:.2e} after one AdamW step at lr {LR}")
