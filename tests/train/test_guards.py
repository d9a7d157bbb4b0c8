"""The guards that matter once sampler and trainer differ, and the step options around them, on
the loop's own `collect`: truncated responses, DAPO's dynamic sampling, old log-probs recomputed by
the trainer, several Phi updates per rollout batch, and the truncated importance weight.

The rollout engine here is scripted (`Scripted`: chosen texts and finish reasons, so a test can
make a group all-correct or a response truncated); grading is the real math grader, and the
policy is a real (random, tiny) transformers model.
"""

from __future__ import annotations

import math

import pytest
import torch

from train.budget import Piece, Sample
from train.config import LossConfig, OptimConfig, StageConfig, TrainConfig
from train.collect import collect
from train.context import Context
from train.loop import trainer_recomputes
from train.rewarder import Rewarder
from train.tensors import batch_tensors, piece_logprobs
from train.policy import Scorer
from train.prompting import format_prompt
from train.rollout import Rollout
from train.tiny import TinyConfig, build_model, build_tokenizer
from train.toy import math_problems


class Scripted:
    """A rollout engine that answers each prompt as `script(problem, k)` says: (text, finish)."""

    def __init__(self, tokenizer, problems, script) -> None:
        self.tok, self.script, self.calls = tokenizer, script, 0
        self.by_prompt = {format_prompt(p, tokenizer): p for p in problems}

    def generate(self, prompts, config):
        self.calls += 1
        out = []
        for i, prompt in enumerate(prompts):
            problem = self.by_prompt[prompt]
            ids = self.tok(prompt, add_special_tokens=False)["input_ids"]
            for k in range(config.n):
                text, finish = self.script(problem, k)
                resp = self.tok(text, add_special_tokens=False)["input_ids"] + ([self.tok.eos_token_id] if finish == "stop" else [])
                out.append(Rollout(i, tuple(ids), tuple(resp), tuple(-1.0 for _ in resp), text, finish))
        return out


@pytest.fixture(scope="module")
def parts():
    tok = build_tokenizer()
    model = build_model(tok, TinyConfig(hidden=64, layers=2, heads=2, intermediate=128), seed=0).eval()
    rewarder = Rewarder("local", workers=1)
    yield tok, model, rewarder
    rewarder.close()


def _ctx(parts, script, loss=LossConfig(), **stage) -> Context:
    tok, model, rewarder = parts
    problems = math_problems(40, seed=5)
    st = StageConfig(**{"prompts_per_step": 4, "samples_per_prompt": 4, "token_budget": 10**6, **stage})
    cfg = TrainConfig(loss=loss, optim=OptimConfig(micro_batch_tokens=512))
    backend = Scripted(tok, problems, script)
    ctx = Context(cfg, st, Scorer(model), Scorer(model), tok, None, None, backend, rewarder, problems)
    ctx.trainer_old_logprobs = loss.old_logprobs == "trainer"
    return ctx


def right(p):
    return f"\\boxed{{{p.answer}}}"


def test_truncated_responses_get_the_configured_reward_ungraded_and_are_counted(parts):
    # every odd sample is a correct answer that ran into max_response_tokens: not graded, reward 0
    script = lambda p, k: (right(p), "length" if k % 2 else "stop")  # noqa: E731
    for reward in (0.0, -0.5):
        ctx = _ctx(parts, script, LossConfig(kind="grpo"), truncated_reward=reward)
        selection, info = collect(ctx, 0)
        assert info["truncation_rate"] == 0.5
        assert info["reward_by_reason"] == {"correct": 8, "truncated": 8}
        rewards = sorted(p.sample.reward for p in selection.pieces)
        assert rewards == [reward] * 8 + [1.0] * 8
        assert info["reward"] == pytest.approx((8 + 8 * reward) / 16)


def test_dapo_drops_all_equal_groups_and_refills_to_l_groups(parts):
    # half the problems are always solved (an all-equal group, no signal), the rest half the time
    easy = {p.id for p in math_problems(40, seed=5)[::2]}
    script = lambda p, k: (right(p) if p.id in easy or k % 2 else "\\boxed{-1}", "stop")  # noqa: E731
    ctx = _ctx(parts, script, LossConfig(kind="dapo"), max_refill_rounds=10)
    assert ctx.skip_uniform and ctx.cfg.loss.beta == 0.0 and ctx.cfg.loss.eps_high == 0.28
    selection, info = collect(ctx, 0)
    groups = {p.sample.group for p in selection.pieces}
    assert len(groups) == 4  # exactly L groups with a learning signal
    assert info["rounds"] > 1  # ... which took more than one round of L prompts
    for g in groups:
        assert sorted(p.sample.reward for p in selection.pieces if p.sample.group == g) == [0.0, 0.0, 1.0, 1.0]
    assert info["phi_dropped_tokens"] > 0  # the all-equal groups' tokens, counted
    # c3po keeps the paper's behaviour: all-equal groups stay (advantage 0: KL and entropy only)
    c3po = _ctx(parts, script, LossConfig(kind="c3po"), token_budget=100)
    assert not c3po.skip_uniform
    sel, info = collect(c3po, 0)
    assert info["rounds"] == 1 and info["dropped_groups"] == 0


def test_old_logprobs_are_recomputed_by_the_trainers_forward_and_the_gap_is_logged(parts):
    tok, model, _ = parts
    script = lambda p, k: (right(p) if k % 2 else "\\boxed{7}", "stop")  # noqa: E731
    ctx = _ctx(parts, script, LossConfig(kind="grpo", old_logprobs="trainer"))
    selection, info = collect(ctx, 0)
    samples = [p.sample for p in selection.pieces]
    assert all(s.sampler_logprobs == tuple(-1.0 for _ in s.response_ids) for s in samples)
    b = batch_tensors([Piece(s, 0, len(s.response_ids)) for s in samples], [1.0] * len(samples), tok.pad_token_id)
    with torch.no_grad():
        want, _ = piece_logprobs(Scorer(model), b)
    gaps = []
    for i, s in enumerate(samples):
        assert torch.allclose(torch.tensor(s.old_logprobs, dtype=torch.float64), want[i, : len(s.response_ids)].double(), atol=1e-5)
        gaps += [abs(x + 1.0) for x in s.old_logprobs]
    assert info["logprob_gap_mean"] == pytest.approx(sum(gaps) / len(gaps), rel=1e-6)
    assert info["logprob_gap_max"] == pytest.approx(max(gaps), rel=1e-6)
    # the engine's own log-probs are used (no gap logged) unless asked or the setups differ
    plain = _ctx(parts, script, LossConfig(kind="grpo"))
    _, info = collect(plain, 0)
    assert "logprob_gap_mean" not in info


@pytest.mark.parametrize("engine,precision,temperature,expected", [
    (("float32", "cpu"), "fp32", 1.0, False),  # this machine's recipe: the paper's, unchanged
    (("bfloat16", "cuda"), "fp32", 1.0, True),  # a bf16 GPU engine beside a float32 trainer
    (("float32", "cpu"), "bf16", 1.0, True),  # bf16 autocast in the trainer only
    (("bfloat16", "cpu"), "bf16", 1.0, True),  # bf16 weights vs bf16 autocast over float32 weights
    (("float32", "cpu"), "fp32", 0.7, True),  # the engine reports raw (T=1) log-probs
])
def test_auto_recomputes_when_sampler_and_trainer_differ(engine, precision, temperature, expected):
    class Engine:
        dtype, device = engine

    cfg = TrainConfig(precision=precision)
    stage = StageConfig(temperature=temperature)
    assert trainer_recomputes(cfg, stage, torch.device("cpu"), Engine()) is expected


def test_several_phi_updates_from_one_rollout_batch(parts):
    script = lambda p, k: (right(p) if k % 2 else "\\boxed{7}", "stop")  # noqa: E731
    ctx = _ctx(parts, script, LossConfig(kind="c3po"), token_budget=40, updates_per_rollout=3)
    first, info = collect(ctx, 0)
    assert ctx.backend.calls == 1 and len(ctx.state.queue) == 2
    second, info2 = collect(ctx, 1)
    third, info3 = collect(ctx, 2)
    assert ctx.backend.calls == 1  # the 2nd and 3rd updates train on the same rollout batch
    seen = set()
    for sel, inf, n in ((first, info, 1), (second, info2, 2), (third, info3, 3)):
        assert sel.selected_tokens == inf["phi_selected_tokens"] == 40 and inf["update"] == n
        for p in sel.pieces:  # no token is trained twice
            for t in range(p.start, p.end):
                key = (p.sample.group, p.sample.response_ids, p.sample.old_logprobs, t, id(p.sample.prompt_ids))
                assert key not in seen
                seen.add(key)
    assert info2["generated_tokens"] == 0 and info["generated_tokens"] > 120
    collect(ctx, 3)
    assert ctx.backend.calls == 2


def test_truncated_importance_weight_is_capped_and_only_with_sampler_logprobs():
    s = Sample((5, 6), (7, 8, 9), (-1.0, -2.0, -0.5), 1.0, 1.0, "math", (0, 0, 0), 0,
               sampler_logprobs=(-1.5, -1.9, -3.0))
    b = batch_tensors([Piece(s, 0, 3)], [1.0], 0, tis_cap=2.0)
    want = [math.exp(0.5), math.exp(-0.1), 2.0]  # pi_old / pi_sampler, capped at 2
    assert torch.allclose(b["tis"][0], torch.tensor(want), atol=1e-6)
    plain = Sample((5, 6), (7, 8, 9), (-1.0, -2.0, -0.5), 1.0, 1.0, "math", (0, 0, 0), 0)
    assert torch.equal(batch_tensors([Piece(plain, 0, 3)], [1.0], 0, tis_cap=2.0)["tis"], torch.ones(1, 3))


def test_temperature_is_applied_to_the_trainers_logits(parts):
    tok, model, _ = parts
    s = Sample(tuple(range(4, 10)), tuple(range(10, 16)), (0.0,) * 6, 1.0, 1.0, "math", (0, 0, 0), 0)
    b = batch_tensors([Piece(s, 0, 6)], [1.0], tok.pad_token_id)
    with torch.no_grad():
        got, ent = piece_logprobs(Scorer(model, chunk_tokens=4), b, temperature=0.7)
        logits = model(input_ids=b["ids"]).logits[0, 5:11] / 0.7
    want = torch.log_softmax(logits, -1).gather(-1, torch.tensor(s.response_ids)[:, None])[:, 0]
    assert torch.allclose(got[0], want, atol=1e-5)
    dist = torch.distributions.Categorical(logits=logits)
    assert torch.allclose(ent[0], dist.entropy(), atol=1e-5)


def test_top_p_below_one_is_rejected_for_training():
    from ringdata.core.errors import DataError
    from train.config import validate

    with pytest.raises(DataError, match="top_p is 0.9: nucleus sampling"):
        validate(TrainConfig(stages=(StageConfig(top_p=0.9),)))
