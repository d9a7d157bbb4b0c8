"""The C3PO loss: a hand-computed value, clipping (and DAPO's clip-higher), the clamped k3 KL, the
truncated importance weight, and the chunked log-probs that equal the naive ones."""

from __future__ import annotations

import math

import pytest
import torch

from train.config import LossConfig
from train.loss import LossStats, chunked_logprobs_and_entropy, k3_kl, policy_loss, sample_weights, token_logprobs_and_entropy

CFG = LossConfig(clip_eps=0.2, kl_coef=1e-3, entropy_coef=5e-4)


def _t(*rows):
    return torch.tensor(rows, dtype=torch.float64)


def test_loss_equals_hand_computed_value():
    # two tokens of one response, Phi = 4 (two budget slots unused: weight stays 1/4)
    logp, old, ref = _t([-1.0, -2.0]), _t([-1.1, -1.5]), _t([-0.9, -2.2])
    ent, adv, w = _t([0.7, 1.3]), _t([1.5, -0.5]), _t([0.25, 0.25])
    expected = 0.0
    for lp, lo, lr, h, a in [(-1.0, -1.1, -0.9, 0.7, 1.5), (-2.0, -1.5, -2.2, 1.3, -0.5)]:
        r = math.exp(lp - lo)
        surr = min(r * a, max(min(r, 1.2), 0.8) * a)
        q = lr - lp
        kl = math.exp(q) - q - 1
        expected += surr - 1e-3 * kl + 5e-4 * h
    expected = -expected / 4
    got = policy_loss(logp, old, ref, ent, adv, w, CFG)
    assert float(got) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "log_ratio,adv,clipped",
    [
        # positive advantage: ratios above 1+eps stop pulling, below 1-eps still push up
        (math.log(1.5), 1.0, True),
        (math.log(0.5), 1.0, False),
        # negative advantage: ratios below 1-eps stop pushing down, above 1+eps still count
        (math.log(0.5), -1.0, True),
        (math.log(1.5), -1.0, False),
        # inside the trust region nothing is clipped
        (math.log(1.1), 1.0, False),
        (math.log(0.9), -1.0, False),
    ],
)
def test_ratio_clipping_zeroes_the_gradient_only_where_ppo_does(log_ratio, adv, clipped):
    cfg = LossConfig(clip_eps=0.2, kl_coef=0.0, entropy_coef=0.0)
    logp = torch.tensor([[log_ratio]], dtype=torch.float64, requires_grad=True)
    zero, a, w = torch.zeros(1, 1, dtype=torch.float64), torch.tensor([[adv]], dtype=torch.float64), torch.ones(1, 1, dtype=torch.float64)
    loss = policy_loss(logp, zero, zero.clone(), zero.clone(), a, w, cfg)
    loss.backward()
    r = math.exp(log_ratio)
    assert float(loss) == pytest.approx(-(min(r * adv, min(max(r, 0.8), 1.2) * adv)))
    assert (float(logp.grad) == 0.0) == clipped
    stats = LossStats()
    stats.add(logp.detach(), zero, zero, zero, a, w, cfg)
    assert stats.clipped == int(clipped)


@pytest.mark.parametrize("q", [-2.0, -0.3, 0.0, 0.3, 2.0])
def test_k3_kl_is_nonnegative_zero_at_equality_and_unbiased(q):
    cfg = LossConfig(kl_coef=1.0, entropy_coef=0.0)
    logp = torch.tensor([[0.0]], dtype=torch.float64)
    ref = torch.tensor([[q]], dtype=torch.float64)
    zero, one = torch.zeros(1, 1, dtype=torch.float64), torch.ones(1, 1, dtype=torch.float64)
    # with A = 0 the loss is +beta * KL
    kl = float(policy_loss(logp, logp, ref, zero, zero, one, cfg))
    assert kl == pytest.approx(math.exp(q) - q - 1)
    assert kl >= 0 and (kl == 0) == (q == 0)


def test_k3_estimates_the_true_kl():
    # E_{x~pi}[k3] = KL(pi || ref): the estimator the loss uses is unbiased
    torch.manual_seed(0)
    pi, ref = torch.softmax(torch.randn(6), 0), torch.softmax(torch.randn(6), 0)
    x = torch.multinomial(pi, 200_000, replacement=True)
    q = ref.log()[x] - pi.log()[x]
    k3 = (q.exp() - q - 1).mean()
    true = (pi * (pi.log() - ref.log())).sum()
    assert float(k3) == pytest.approx(float(true), rel=0.03)


@pytest.mark.parametrize(
    "kind,lengths,budget,expected",
    [
        ("c3po", [3, 5, 2], 12, [1 / 12] * 3),  # fixed budget, whatever the lengths
        ("dapo", [3, 5, 2], None, [1 / 10] * 3),  # the step's own token count
        ("grpo", [3, 5, 2], None, [1 / 9, 1 / 15, 1 / 6]),  # per-sample mean, then mean of 3
    ],
)
def test_normalisers(kind, lengths, budget, expected):
    assert sample_weights(kind, lengths, budget) == pytest.approx(expected)


def test_grpo_and_dapo_semantics():
    # grpo: a response's mean matters, not its length; dapo: every token counts the same
    per_token = [torch.tensor([1.0, 1.0, 1.0, 1.0]), torch.tensor([3.0])]
    lengths = [4, 1]
    grpo = sum(w * t.sum() for w, t in zip(sample_weights("grpo", lengths), per_token))
    dapo = sum(w * t.sum() for w, t in zip(sample_weights("dapo", lengths), per_token))
    assert float(grpo) == pytest.approx((1.0 + 3.0) / 2)
    assert float(dapo) == pytest.approx(7.0 / 5)


def test_logprobs_and_entropy_match_torch_distributions():
    logits = torch.randn(2, 3, 7, dtype=torch.float64)
    targets = torch.randint(0, 7, (2, 3))
    logp, ent = token_logprobs_and_entropy(logits, targets)
    dist = torch.distributions.Categorical(logits=logits)
    assert torch.allclose(logp, dist.log_prob(targets), atol=1e-10)
    assert torch.allclose(ent, dist.entropy(), atol=1e-10)


def test_clip_higher_is_asymmetric_and_dapo_defaults_follow_the_paper():
    dapo, c3po = LossConfig(kind="dapo"), LossConfig(kind="c3po")
    assert (dapo.clip_eps, dapo.eps_high, dapo.beta) == (0.2, 0.28, 0.0)  # DAPO: clip-higher, no KL
    assert (c3po.clip_eps, c3po.eps_high, c3po.beta) == (0.2, 0.2, 1e-3)  # Ring-lite's C3PO
    assert LossConfig(kind="dapo", kl_coef=0.01, clip_eps_high=0.3).beta == 0.01
    # r = 1.25 with A > 0: inside DAPO's [0.8, 1.28], so it still pulls; clipped under c3po's 1.2
    for cfg, clipped in [(LossConfig(kind="dapo", entropy_coef=0.0), False), (LossConfig(kl_coef=0.0, entropy_coef=0.0), True)]:
        logp = torch.tensor([[math.log(1.25)]], dtype=torch.float64, requires_grad=True)
        zero, one = torch.zeros(1, 1, dtype=torch.float64), torch.ones(1, 1, dtype=torch.float64)
        policy_loss(logp, zero, zero, zero, one, one, cfg).backward()
        assert (float(logp.grad) == 0.0) == clipped


def test_log_ratio_and_kl_are_clamped_like_verl_low_var_kl():
    """A bf16 log-prob of -inf (or -1e4) cannot make the step inf or NaN: q within +-20, KL <= 10."""
    cfg = LossConfig(kl_coef=1.0, entropy_coef=0.0)
    logp = torch.tensor([[-1e4, 0.0, -1.0]], dtype=torch.float64, requires_grad=True)
    ref = torch.tensor([[0.0, -float("inf"), -1.2]], dtype=torch.float64)
    old = torch.tensor([[0.0, -1e4, -1.0]], dtype=torch.float64)
    adv, ones = torch.ones(1, 3, dtype=torch.float64), torch.ones(1, 3, dtype=torch.float64)
    kl = k3_kl(logp.detach(), ref, cfg)
    assert kl[0, 0] == 10.0 and kl[0, 1] == 10.0  # q = +1e4 and q = -inf: both at the cap
    assert float(kl[0, 2]) == pytest.approx(math.exp(-0.2) + 0.2 - 1)  # inside the clamps: the plain k3
    loss = policy_loss(logp, old, ref, torch.zeros(1, 3, dtype=torch.float64), adv, ones, cfg)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logp.grad).all()
    # the ratio of the second token is exp(20) at most, then clipped at 1 + eps for A > 0
    stats = LossStats()
    stats.add(logp.detach(), old, ref, torch.zeros(1, 3), adv, ones, cfg)
    assert math.isfinite(stats.ratio) and stats.ratio <= math.exp(20) + 2


def test_truncated_importance_weight_scales_the_surrogate_only():
    cfg = LossConfig(kl_coef=0.5, entropy_coef=0.1)
    logp, old, ref = _t([-1.0, -2.0]), _t([-1.1, -1.9]), _t([-0.8, -2.5])
    ent, adv, w = _t([0.3, 0.4]), _t([1.0, -1.0]), _t([0.5, 0.5])
    tis = _t([2.0, 0.5])
    base = policy_loss(logp, old, ref, ent, adv, w, cfg)
    no_surrogate = policy_loss(logp, old, ref, ent, torch.zeros_like(adv), w, cfg)
    weighted = policy_loss(logp, old, ref, ent, adv, w, cfg, tis)
    surrogate = base - no_surrogate  # -(sum w * surrogate)
    per_token = [policy_loss(logp[:, i : i + 1], old[:, i : i + 1], ref[:, i : i + 1], ent[:, i : i + 1],
                             adv[:, i : i + 1], w[:, i : i + 1], cfg)
                 - policy_loss(logp[:, i : i + 1], old[:, i : i + 1], ref[:, i : i + 1], ent[:, i : i + 1],
                               torch.zeros(1, 1, dtype=torch.float64), w[:, i : i + 1], cfg) for i in range(2)]
    assert float(weighted - no_surrogate) == pytest.approx(float(2.0 * per_token[0] + 0.5 * per_token[1]), rel=1e-12)
    assert float(surrogate) == pytest.approx(float(per_token[0] + per_token[1]), rel=1e-12)


@pytest.mark.parametrize("keep", [0, 2**30], ids=["recompute", "keep"])
@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_chunked_logprobs_equal_the_naive_ones_values_and_gradients(chunk, temperature, keep):
    """rtol 1e-5 in float32: the chunked path (the log-softmax recomputed in backward, or kept from
    the forward) gives the naive full-logits values and gradients (autograd's, through
    log_softmax) for the hidden states, weight and bias. The
    weight's gradient is a sum over chunks in another order, so entries near 0 also get an
    absolute 1e-5 of the tensor's largest entry (float32 rounding of the sum, not a difference)."""
    torch.manual_seed(0)
    n, h, v = 50, 16, 97
    hidden = torch.randn(n, h, requires_grad=True)
    weight = (0.3 * torch.randn(v, h)).requires_grad_()
    bias = (0.1 * torch.randn(v)).requires_grad_()
    targets = torch.randint(0, v, (n,))
    g_lp, g_ent = torch.randn(n), torch.randn(n)

    def run(chunked):
        for t in (hidden, weight, bias):
            t.grad = None
        if chunked:
            lp, ent = chunked_logprobs_and_entropy(hidden, weight, bias, targets, chunk_tokens=chunk,
                                                   temperature=temperature, keep_bytes=keep)
        else:
            z = (hidden @ weight.T + bias) / temperature  # the textbook formula, autograd's gradient
            lp = torch.log_softmax(z, -1).gather(-1, targets[:, None])[:, 0]
            ent = -(torch.softmax(z, -1) * torch.log_softmax(z, -1)).sum(-1)
        ((lp * g_lp).sum() + (ent * g_ent).sum()).backward()
        return [lp.detach(), ent.detach(), hidden.grad.clone(), weight.grad.clone(), bias.grad.clone()]

    for got, want in zip(run(True), run(False)):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5 * float(want.abs().max()))


@pytest.mark.parametrize("keep", [0, 2**30], ids=["recompute", "keep"])
def test_output_layer_chunk_backward_passes_gradcheck_in_float64(keep):
    """The hand-written backward (d log p_t / dz = onehot - p, dH/dz = -p (log p + H)) against
    finite differences, with a temperature, for hidden states, weight and bias."""
    torch.manual_seed(1)
    n, h, v = 5, 3, 7
    hidden = torch.randn(n, h, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(v, h, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(v, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, v, (n,))

    def f(hid, w, b):
        return chunked_logprobs_and_entropy(hid, w, b, targets, chunk_tokens=2, temperature=0.8, keep_bytes=keep)

    assert torch.autograd.gradcheck(f, (hidden, weight, bias))


def test_kept_log_softmax_spares_the_output_layer_forward_in_backward():
    """With the log-softmax kept, the backward runs the two gradient matmuls only; recomputed, a
    third (the output layer's forward again): 2/3 of the backward's matmul FLOPs."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    n, h, v = 64, 32, 500
    hidden = torch.randn(n, h, requires_grad=True)
    weight = torch.randn(v, h, requires_grad=True)
    targets = torch.randint(0, v, (n,))
    flops = {}
    for keep in (0, 2**30):
        lp, ent = chunked_logprobs_and_entropy(hidden, weight, None, targets, chunk_tokens=16, keep_bytes=keep)
        with FlopCounterMode(display=False) as counter:
            (lp.sum() + ent.sum()).backward()
        flops[keep] = counter.get_total_flops()
    matmul = 2 * n * v * h
    assert (flops[2**30], flops[0]) == (2 * matmul, 3 * matmul)
