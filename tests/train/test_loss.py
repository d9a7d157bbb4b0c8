"""The C3PO loss: a hand-computed value, clipping, the k3 KL, and exact micro-batch accumulation."""

from __future__ import annotations

import math

import pytest
import torch

from train.config import LossConfig
from train.loss import LossStats, policy_loss, sample_weights, token_logprobs_and_entropy

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
    stats.add(logp.detach(), zero, zero, zero, a, w, 0.2)
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
