"""The C3PO policy loss and the normalisers that tell C3PO, DAPO and GRPO apart.

All three share the per-token objective (clipped importance-weighted advantage, minus a k3 KL to
the frozen reference, plus an entropy bonus); they differ only in the weight each token's term
gets, so `--loss` compares them on equal footing:

- c3po (Ring-lite, arXiv 2506.14731 sec. 3): every token weighs 1/Phi, Phi the fixed token budget
  of the step, so the gradient's scale no longer depends on how long this step's responses were;
- dapo (token-level mean): 1/(tokens in the step), the step's own token count;
- grpo (sample-level mean): 1/(|o_i| * N), each response's mean, then the mean over responses.

Because the weights are per token and fixed before the forward pass, a step split into
micro-batches accumulates exactly the gradient of the whole step (tests/train/test_loss.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from train.config import LossConfig


def sample_weights(kind: str, lengths: Sequence[int], budget: int | None = None) -> list[float]:
    """The weight of each token of each selected response, per response (`lengths` = its tokens in
    the loss). c3po needs `budget` (Phi); dapo and grpo derive theirs from `lengths`."""
    if kind == "c3po":
        assert budget is not None and budget > 0, f"c3po needs a positive token budget, got {budget}"
        return [1.0 / budget] * len(lengths)
    if kind == "dapo":
        total = sum(lengths)
        return [1.0 / total if total else 0.0] * len(lengths)
    if kind == "grpo":
        n = sum(1 for n_tok in lengths if n_tok > 0)
        return [1.0 / (n_tok * n) if n_tok else 0.0 for n_tok in lengths]
    raise ValueError(f"unknown loss kind {kind!r}")


def policy_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    ref_logp: torch.Tensor,
    entropy: torch.Tensor,
    advantages: torch.Tensor,
    weights: torch.Tensor,
    cfg: LossConfig,
) -> torch.Tensor:
    """The C3PO objective on one micro-batch (all tensors [B, T], one entry per response token):

        L = -(1/Phi) * sum_t [ min(r_t A_t, clip(r_t, 1-eps, 1+eps) A_t) - beta KL_t + alpha H_t ]

        r_t  = exp(log pi_theta(o_t) - log pi_rollout(o_t))      importance ratio to the sampler
        KL_t = exp(q_t) - q_t - 1,  q_t = log pi_ref(o_t) - log pi_theta(o_t)   (k3, always >= 0)
        H_t  = entropy of pi_theta at token t

    `weights` carries the 1/Phi (or the dapo/grpo normaliser, see `sample_weights`) and is 0 on
    padding and on tokens outside the budget, so summing micro-batch losses gives the step's loss.
    """
    assert logp.shape == old_logp.shape == ref_logp.shape == entropy.shape == advantages.shape == weights.shape, (
        f"shape mismatch: {logp.shape} {old_logp.shape} {ref_logp.shape} {entropy.shape} "
        f"{advantages.shape} {weights.shape}"
    )
    ratio = torch.exp(logp - old_logp)
    surrogate = torch.minimum(ratio * advantages, ratio.clamp(1 - cfg.clip_eps, 1 + cfg.clip_eps) * advantages)
    q = ref_logp - logp
    kl = torch.exp(q) - q - 1
    per_token = surrogate - cfg.kl_coef * kl + cfg.entropy_coef * entropy
    return -(weights * per_token).sum()


@dataclass
class LossStats:
    """Token sums over a step's micro-batches (divide by `tokens` for means)."""

    tokens: int = 0
    kl: float = 0.0
    entropy: float = 0.0
    clipped: int = 0
    ratio: float = 0.0

    def add(self, logp, old_logp, ref_logp, entropy, advantages, mask, clip_eps: float) -> None:
        with torch.no_grad():
            m = mask.bool()
            ratio = torch.exp(logp - old_logp)
            q = ref_logp - logp
            kl = torch.exp(q) - q - 1
            # a token is clipped when the clip, not the raw ratio, sets the min (its gradient is 0)
            clipped = ((ratio > 1 + clip_eps) & (advantages > 0)) | ((ratio < 1 - clip_eps) & (advantages < 0))
            self.tokens += int(m.sum())
            self.kl += float(kl[m].sum())
            self.entropy += float(entropy[m].sum())
            self.clipped += int(clipped[m].sum())
            self.ratio += float(ratio[m].sum())

    def means(self) -> dict[str, float]:
        n = max(self.tokens, 1)
        return {"kl": self.kl / n, "entropy": self.entropy / n, "clip_frac": self.clipped / n, "ratio": self.ratio / n}


def token_logprobs_and_entropy(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log p(target) and the distribution's entropy at each position, from logits [B, T, V]."""
    if logits.dtype in (torch.float16, torch.bfloat16):  # softmax sums need more than 8 mantissa bits
        logits = logits.float()
    logz = torch.logsumexp(logits, dim=-1)
    logp = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logz
    probs = torch.softmax(logits, dim=-1)
    entropy = logz - (probs * logits).sum(-1)
    return logp, entropy
