"""The padded tensors of a step's pieces, and the no-gradient scoring of them.

One row per piece: prompt + response up to the piece's end, right-padded; the positions whose
logits predict the piece's tokens carry its old log-probs, advantage, loss weight and truncated
importance weight. Under FSDP every rank runs the same number of micro-batches (`padded`).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from train.budget import Piece, micro_batches
from train.context import Context
from train.policy import Scorer, autocast, is_sharded


FILLER: list[Piece] = []  # a zero-weight micro-batch run by a rank with fewer than the others (FSDP)


def padded(ctx: Context, batches: list[list[Piece]]) -> list[list[Piece]]:
    """Under FSDP every rank must run the same number of forwards (each is a collective)."""
    if not is_sharded(ctx.policy):
        return batches
    return batches + [FILLER] * (ctx.world.max_int(len(batches)) - len(batches))


def batch_tensors(pieces: Sequence[Piece], weights: Sequence[float], pad_id: int,
                  tis_cap: float = 0.0) -> dict[str, torch.Tensor]:
    """Right-padded input rows (prompt + response up to each piece's end) and, per piece, the
    positions whose logits predict its tokens [start, end), with old logprobs, advantages, weights
    and (with `tis_cap`) the truncated importance weights min(pi_old / pi_sampler, cap)."""
    if not pieces:  # FILLER: one pad token, nothing scored
        one = torch.zeros((1, 1))
        return {"ids": torch.full((1, 1), pad_id, dtype=torch.long), "attn": torch.ones((1, 1), dtype=torch.long),
                "pos": torch.zeros((1, 1), dtype=torch.long), "mask": one, "old": one, "adv": one, "weights": one,
                "tis": torch.ones((1, 1))}
    rows = [list(p.sample.prompt_ids) + list(p.sample.response_ids[: p.end]) for p in pieces]
    width = max(len(r) for r in rows)
    span = max(p.tokens for p in pieces)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    pos = torch.zeros((len(rows), span), dtype=torch.long)
    mask, old, adv, w = (torch.zeros((len(rows), span)) for _ in range(4))
    tis = torch.ones((len(rows), span))
    for i, (p, row, wt) in enumerate(zip(pieces, rows, weights)):
        assert len(p.sample.prompt_ids) >= 1, f"piece {i} has an empty prompt"
        ids[i, : len(row)] = torch.tensor(row)
        attn[i, : len(row)] = 1
        n, first = p.tokens, len(p.sample.prompt_ids) + p.start - 1  # logits at t predict token t+1
        pos[i, :n] = torch.arange(first, first + n)
        mask[i, :n] = 1
        old[i, :n] = torch.tensor(p.sample.old_logprobs[p.start : p.end])
        adv[i, :n] = p.sample.advantage
        w[i, :n] = wt
        if tis_cap and p.sample.sampler_logprobs is not None:
            delta = old[i, :n] - torch.tensor(p.sample.sampler_logprobs[p.start : p.end])
            tis[i, :n] = torch.exp(delta.clamp(max=math.log(tis_cap)))
    return {"ids": ids, "attn": attn, "pos": pos, "mask": mask, "old": old, "adv": adv, "weights": w, "tis": tis}


def to_device(b: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: v.to(device, non_blocking=True) for k, v in b.items()}


def piece_logprobs(scorer: Scorer, b: dict[str, torch.Tensor], temperature: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """log pi(token) and entropy at each piece token, [rows, span] (0 past each piece's end)."""
    return scorer(b["ids"], b["attn"], b["pos"], b["mask"], temperature)


def score_pieces(ctx: Context, scorer: Scorer, pieces: Sequence[Piece]) -> list[list[float]]:
    """log pi(token) of each piece's tokens under `scorer`, no gradient, micro-batched."""
    out: list[list[float]] = []
    batches = micro_batches(pieces, ctx.cfg.optim.micro_batch_tokens)
    for mb in padded(ctx, batches):
        b = to_device(batch_tensors(mb, [0.0] * len(mb), ctx.tokenizer.pad_token_id), ctx.device)
        with torch.no_grad(), autocast(ctx.device, ctx.dtype):
            logp, _ = piece_logprobs(scorer, b, ctx.stage.temperature)
        if mb is not FILLER:
            out += [logp[i, : p.tokens].double().cpu().tolist() for i, p in enumerate(mb)]
    return out
