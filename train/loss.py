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
    is_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """The C3PO objective on one micro-batch (all tensors [B, T], one entry per response token):

        L = -(1/Phi) * sum_t [ w_t min(r_t A_t, clip(r_t, 1-eps_low, 1+eps_high) A_t) - beta KL_t + alpha H_t ]

        r_t  = exp(clamp(log pi_theta(o_t) - log pi_old(o_t), +-c))   importance ratio to the old policy
        KL_t = min(exp(q_t) - q_t - 1, kl_max),  q_t = clamp(log pi_ref(o_t) - log pi_theta(o_t), +-c)
        H_t  = entropy of pi_theta at token t
        w_t  = the truncated importance weight min(pi_old / pi_sampler, cap), or 1

    KL_t is the k3 estimator (always >= 0); the clamps (c = 20, kl_max = 10) are verl's
    `low_var_kl`: a token whose bf16 log-prob came out -inf cannot turn the step into inf or NaN.
    eps_high > eps_low is DAPO's clip-higher. `weights` carries the 1/Phi (or the dapo/grpo
    normaliser, see `sample_weights`) and is 0 on padding and on tokens outside the budget, so
    summing micro-batch losses gives the step's loss.
    """
    assert logp.shape == old_logp.shape == ref_logp.shape == entropy.shape == advantages.shape == weights.shape, (
        f"shape mismatch: {logp.shape} {old_logp.shape} {ref_logp.shape} {entropy.shape} "
        f"{advantages.shape} {weights.shape}"
    )
    c = cfg.log_ratio_clamp
    ratio = torch.exp((logp - old_logp).clamp(-c, c))
    surrogate = torch.minimum(ratio * advantages, ratio.clamp(1 - cfg.clip_eps, 1 + cfg.eps_high) * advantages)
    if is_weight is not None:
        surrogate = surrogate * is_weight
    per_token = surrogate - cfg.beta * k3_kl(logp, ref_logp, cfg) + cfg.entropy_coef * entropy
    return -(weights * per_token).sum()


def k3_kl(logp: torch.Tensor, ref_logp: torch.Tensor, cfg: LossConfig) -> torch.Tensor:
    """Per-token k3 estimate of KL(pi_theta || pi_ref), clamped as verl's `low_var_kl`."""
    q = (ref_logp - logp).clamp(-cfg.log_ratio_clamp, cfg.log_ratio_clamp)
    return (torch.exp(q) - q - 1).clamp(max=cfg.kl_max)


@dataclass
class LossStats:
    """Token sums over a step's micro-batches (divide by `tokens` for means)."""

    tokens: int = 0
    kl: float = 0.0
    entropy: float = 0.0
    clipped: int = 0
    ratio: float = 0.0

    def add(self, logp, old_logp, ref_logp, entropy, advantages, mask, cfg: LossConfig) -> None:
        with torch.no_grad():
            m = mask.bool()
            ratio = torch.exp((logp - old_logp).clamp(-cfg.log_ratio_clamp, cfg.log_ratio_clamp))
            kl = k3_kl(logp, ref_logp, cfg)
            # a token is clipped when the clip, not the raw ratio, sets the min (its gradient is 0)
            clipped = ((ratio > 1 + cfg.eps_high) & (advantages > 0)) | ((ratio < 1 - cfg.clip_eps) & (advantages < 0))
            self.tokens += int(m.sum())
            self.kl += float(kl[m].sum())
            self.entropy += float(entropy[m].sum())
            self.clipped += int(clipped[m].sum())
            self.ratio += float(ratio[m].sum())

    def merge(self, other: "LossStats") -> None:
        self.tokens += other.tokens
        self.kl += other.kl
        self.entropy += other.entropy
        self.clipped += other.clipped
        self.ratio += other.ratio

    def means(self) -> dict[str, float]:
        n = max(self.tokens, 1)
        return {"kl": self.kl / n, "entropy": self.entropy / n, "clip_fraction": self.clipped / n, "ratio": self.ratio / n}


def token_logprobs_and_entropy(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log p(target) and the distribution's entropy at each position, from logits [..., V]: one
    log-softmax over the vocabulary serves both."""
    if logits.dtype in (torch.float16, torch.bfloat16):  # softmax sums need more than 8 mantissa bits
        logits = logits.float()
    logp_all = torch.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logp, entropy


def _vocab_forward(logits: torch.Tensor, targets: torch.Tensor, temperature: float):
    """(log-softmax [n, V], log p(target) [n], entropy [n]) of one chunk's logits, at least float32."""
    z = logits.float() if logits.dtype in (torch.float16, torch.bfloat16) else logits  # the vocabulary sums need
    if temperature != 1.0:  # float32 (a float64 model stays float64)
        z = z / temperature
    logp_all = torch.log_softmax(z, dim=-1)
    logp = logp_all.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return logp_all, logp, -(logp_all.exp() * logp_all).sum(-1)


def _vocab_backward(logp_all, entropy, targets, g_logp, g_entropy, temperature: float) -> torch.Tensor:
    """d(g_logp . log p(target) + g_entropy . H) / d logits, [n, V] in the log-softmax's dtype:
    d log p_t / d z_k = [k = t] - p_k,   d H / d z_k = -p_k (log p_k + H),   z = logits / temperature."""
    grad = (logp_all + entropy.unsqueeze(-1)).mul_(g_entropy.unsqueeze(-1)).add_(g_logp.unsqueeze(-1))
    grad = grad.mul_(logp_all.exp()).neg_()
    grad.scatter_add_(-1, targets.unsqueeze(-1), g_logp.unsqueeze(-1))
    return grad / temperature if temperature != 1.0 else grad


class _OutputLayerChunk(torch.autograd.Function):
    """One chunk through the output layer: log p(target) and entropy from one log-softmax, and a
    backward written out (`_vocab_backward`) so that autograd keeps none of the [n, V] softmax,
    product and entropy intermediates. With `keep` the forward's log-softmax is saved (memory:
    4 bytes x n x V) and the backward runs no output-layer forward; without, it is recomputed."""

    @staticmethod
    def forward(ctx, hidden, weight, bias, targets, temperature: float, keep: bool, fns):
        logits = torch.nn.functional.linear(hidden, weight, bias)  # bf16 under autocast, as the plain step
        logp_all, logp, entropy = fns[0](logits, targets, temperature)
        ctx.compute_dtype, ctx.temperature, ctx.fns = logits.dtype, temperature, fns
        ctx.save_for_backward(hidden, weight, bias, targets, entropy, logp_all if keep else None)
        return logp, entropy

    @staticmethod
    def backward(ctx, g_logp, g_entropy):
        hidden, weight, bias, targets, entropy, logp_all = ctx.saved_tensors
        cd = ctx.compute_dtype  # autocast's dtype in the forward; the matmuls below run in it too
        with torch.autocast(hidden.device.type, enabled=False):
            if logp_all is None:
                logits = torch.nn.functional.linear(hidden.to(cd), weight.to(cd), None if bias is None else bias.to(cd))
                logp_all = ctx.fns[0](logits, targets, ctx.temperature)[0]
            grad = ctx.fns[1](logp_all, entropy, targets, g_logp.to(logp_all.dtype), g_entropy.to(logp_all.dtype), ctx.temperature)
            g = grad.to(cd)
            need = ctx.needs_input_grad
            g_hidden = (g @ weight.to(cd)).to(hidden.dtype) if need[0] else None
            g_weight = (g.t() @ hidden.to(cd)).to(weight.dtype) if need[1] else None
            g_bias = grad.sum(0).to(bias.dtype) if bias is not None and need[2] else None
        return g_hidden, g_weight, g_bias, None, None, None, None


EAGER = (_vocab_forward, _vocab_backward)
_compiled: tuple | None = None


def compiled_vocab_fns() -> tuple:
    """The chunk's vocabulary passes under torch.compile (fused elementwise and reductions); the
    eager ones when compiling fails (no compiler here), with one warning."""
    global _compiled
    if _compiled is None:
        try:
            fns = tuple(torch.compile(f, dynamic=True) for f in EAGER)
            z = torch.randn(2, 8, device="cuda" if torch.cuda.is_available() else "cpu")
            t = torch.zeros(2, dtype=torch.long, device=z.device)
            lp_all, _, ent = fns[0](z, t, 1.0)
            fns[1](lp_all, ent, t, ent, ent, 1.0)
            _compiled = fns
        except Exception as exc:  # noqa: BLE001 - any compiler failure means: run eager
            import warnings

            warnings.warn(f"torch.compile of the output-layer chunks failed ({type(exc).__name__}: {exc}); running eager")
            _compiled = EAGER
    return _compiled


def chunked_logprobs_and_entropy(
    hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, targets: torch.Tensor, *,
    chunk_tokens: int = 4096, temperature: float = 1.0, compile: bool = False, keep_bytes: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """log p(target) and entropy for N positions from their final hidden states [N, H], through the
    output layer `weight` [V, H] (+ `bias`) `chunk_tokens` positions at a time.

    Only one chunk's [chunk, V] float32 logits exist at once in the forward, and each chunk's
    log-probs and entropy come from one log-softmax (`_OutputLayerChunk`). The backward needs the
    log-softmax again: it is kept from the forward when all N positions' take at most `keep_bytes`
    (4 N V bytes; no output-layer forward recomputed), else recomputed chunk by chunk (the
    full-vocabulary float32 tensors were 2.6 GiB per 1k tokens of a 152k-vocabulary model).
    Values and gradients equal the unchunked computation (tests/train/test_loss.py). `temperature`
    divides the logits, as the sampler did: the ratio compares the distribution that was sampled.
    """
    assert hidden.dim() == 2 and targets.shape == hidden.shape[:1], f"{hidden.shape} {targets.shape}"
    fns = compiled_vocab_fns() if compile else EAGER
    track = torch.is_grad_enabled() and (hidden.requires_grad or weight.requires_grad)
    keep = 4 * hidden.shape[0] * weight.shape[0] <= keep_bytes
    logps, ents = [], []
    for s in range(0, hidden.shape[0], chunk_tokens):
        h, t = hidden[s : s + chunk_tokens], targets[s : s + chunk_tokens]
        if track:
            lp, ent = _OutputLayerChunk.apply(h, weight, bias, t, temperature, keep, fns)
        else:
            lp, ent = fns[0](torch.nn.functional.linear(h, weight, bias), t, temperature)[1:]
        logps.append(lp)
        ents.append(ent)
    if not logps:  # nothing scored; still part of the graph, so a backward reaches every parameter
        # (under FSDP each rank's backward is a collective, filler micro-batches included)
        empty = hidden.new_zeros(0, dtype=torch.float32) + 0 * (hidden.sum() + weight.sum()).float()
        return empty, empty
    return torch.cat(logps), torch.cat(ents)
