"""The loop's pieces on a real (randomly initialised, tiny) transformers model: micro-batched
gradients equal the whole step's, every c3po step trains exactly Phi tokens, log-probs line up."""

from __future__ import annotations

import copy
import random
from dataclasses import replace

import pytest
import torch

from train.budget import Sample, select_all, select_budget
from train.config import LossConfig, OptimConfig, StageConfig, TrainConfig
from train.collect import draw
from train.context import Context
from train.loop import accumulate_gradients
from train.tensors import batch_tensors, piece_logprobs
from train.policy import Scorer
from train.tiny import TinyConfig, build_model, build_tokenizer


@pytest.fixture(scope="module")
def model_and_tokenizer():
    tok = build_tokenizer()
    model = build_model(tok, TinyConfig(hidden=64, layers=2, heads=2, intermediate=128), seed=0).double().eval()
    return model, tok


def _samples(vocab: int, n: int = 12, seed: int = 0) -> list[Sample]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        prompt = tuple(rng.randrange(4, vocab) for _ in range(rng.randint(3, 9)))
        resp = tuple(rng.randrange(4, vocab) for _ in range(rng.randint(1, 25)))
        old = tuple(rng.uniform(-6, -2) for _ in resp)
        out.append(Sample(prompt, resp, old, rng.uniform(-1.5, 1.5), 0.0, "math", (0, 0, i // 4), 0))
    return out


def _ctx(model, tok, kind: str, micro: int, budget: int = 100) -> Context:
    cfg = TrainConfig(loss=LossConfig(kind=kind, kl_coef=0.1, entropy_coef=0.01), optim=OptimConfig(micro_batch_tokens=micro))
    stage = StageConfig(token_budget=budget)
    ref = copy.deepcopy(model).requires_grad_(False)
    # a reference that differs from the policy, so the KL term has a gradient too
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(0.01 * torch.randn_like(p))
    return Context(cfg, stage, Scorer(model, chunk_tokens=16), Scorer(ref), tok, None, None, None, None, [])


def _grads(ctx, selection):
    ctx.policy.zero_grad(set_to_none=True)
    loss, stats = accumulate_gradients(ctx, selection)
    return loss, stats, [p.grad.clone() for p in ctx.policy.parameters()]


@pytest.mark.parametrize("kind", ["c3po", "dapo", "grpo"])
def test_micro_batches_accumulate_the_whole_step_gradient(model_and_tokenizer, kind):
    model, tok = model_and_tokenizer
    samples = _samples(len(tok))
    torch.manual_seed(0)
    whole_ctx = _ctx(model, tok, kind, micro=10**6)
    selection = select_budget(samples, 100, random.Random(0)) if kind == "c3po" else select_all(samples)
    loss_1, stats_1, g1 = _grads(whole_ctx, selection)
    split_ctx = replace(whole_ctx, cfg=replace(whole_ctx.cfg, optim=OptimConfig(micro_batch_tokens=40)))
    loss_n, stats_n, gn = _grads(split_ctx, selection)
    assert loss_n == pytest.approx(loss_1, rel=1e-9)
    assert stats_1.tokens == stats_n.tokens == selection.selected_tokens
    for a, b in zip(g1, gn):
        assert torch.allclose(a, b, rtol=1e-8, atol=1e-12)
    assert any(float(g.abs().sum()) > 0 for g in g1)


def test_c3po_step_covers_exactly_phi_tokens(model_and_tokenizer):
    model, tok = model_and_tokenizer
    for seed, budget in [(0, 37), (1, 100), (2, 151)]:
        ctx = _ctx(model, tok, "c3po", micro=200, budget=budget)
        samples = _samples(len(tok), n=24, seed=seed)
        assert sum(len(s.response_ids) for s in samples) > budget
        sel = select_budget(samples, budget, random.Random(seed))
        _, stats, _ = _grads(ctx, sel)
        assert stats.tokens == budget


def test_c3po_scale_does_not_depend_on_response_lengths(model_and_tokenizer):
    # the same tokens under a doubled budget give exactly half the gradient (1/Phi is fixed); Phi
    # is the one the Selection carries, not read again from the config
    model, tok = model_and_tokenizer
    sel = select_all(_samples(len(tok)))
    sel = replace(sel, budget=sel.selected_tokens)
    ctx = _ctx(model, tok, "c3po", micro=10**6, budget=7)
    _, _, ga = _grads(ctx, sel)
    _, _, gb = _grads(ctx, replace(sel, budget=2 * sel.selected_tokens))
    for a, b in zip(ga, gb):
        assert torch.allclose(a, 2 * b, rtol=1e-9, atol=1e-14)


def test_piece_logprobs_match_a_plain_forward(model_and_tokenizer):
    # the gathered positions are the ones that predict each response token, cut pieces included
    model, tok = model_and_tokenizer
    samples = _samples(len(tok), n=4)
    sel = select_budget(samples, 30, random.Random(3))
    b = batch_tensors(sel.pieces, [1.0] * len(sel.pieces), tok.pad_token_id)
    with torch.no_grad():
        logp, _ = piece_logprobs(Scorer(model, chunk_tokens=5), b)
        for i, p in enumerate(sel.pieces):
            ids = torch.tensor([list(p.sample.prompt_ids) + list(p.sample.response_ids)])
            lp = torch.log_softmax(model(input_ids=ids).logits, -1)[0]
            plen = len(p.sample.prompt_ids)
            want = [float(lp[plen + t - 1, p.sample.response_ids[t]]) for t in range(p.start, p.end)]
            assert torch.allclose(logp[i, : p.tokens], torch.tensor(want, dtype=logp.dtype), atol=1e-9)


def test_draw_is_an_endless_seeded_stream():
    items = list(range(7))
    first = draw(items, 0, 7, seed=1)
    assert sorted(first) == items  # one epoch = every problem once
    assert draw(items, 3, 10, seed=1) == (draw(items, 0, 13, seed=1))[3:]
    assert draw(items, 0, 7, seed=2) != first


def test_parquet_data_is_read_by_domain_and_held_out_disjointly(tmp_path):
    from ringdata.core.errors import DataError
    from train.loop import load_problems
    from train.toy import code_problems, math_problems, write_toy

    path = write_toy(math_problems(50, seed=1) + code_problems(10, seed=1), tmp_path / "curated" / "problems.parquet")
    for data in (path, path.parent):  # a file, or a `ringdata curate --out` dir
        train, held = load_problems(StageConfig(data=str(data), domains=("math",), eval_problems=8))
        assert len(held) == 8 and len(train) == 42 and {p.domain for p in train + held} == {"math"}
        assert not {p.id for p in train} & {p.id for p in held}
    with pytest.raises(DataError, match="no science problems"):
        load_problems(StageConfig(data=str(path), domains=("science",)))
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="not a readable Parquet"):
        load_problems(StageConfig(data=str(tmp_path / "bad.parquet")))


def test_prompts_too_long_for_the_engine_are_skipped_and_named(tmp_path, tiny_dir):
    """A prompt that leaves no room for the response is skipped before sampling, and stage.json
    counts and names it (it used to stop the run with a ValueError from the backend)."""
    from transformers import AutoTokenizer

    from ringdata.core.records import Problem
    from train.prompting import fitting

    tok = AutoTokenizer.from_pretrained(str(tiny_dir))
    short = Problem("a", "math", "t", "What is 1+1?", answer="2")
    long = Problem("b", "math", "t", "What is " + "1+" * 300 + "1?", answer="301")
    keep, skip = fitting([short, long], tok, room=100)
    assert keep == [short] and skip == [long]


def test_bf16_autocast_step_keeps_float32_master_weights_and_tracks_the_float32_step(model_and_tokenizer):
    """The CUDA recipe's arithmetic, run on the CPU: bf16 autocast forward/backward over float32
    weights gives float32 gradients close to the float32 step's (bf16 has 8 mantissa bits)."""
    model, tok = model_and_tokenizer
    model32 = copy.deepcopy(model).float()
    samples = _samples(len(tok))
    sel = select_budget(samples, 100, random.Random(0))
    ctx32 = _ctx(model32, tok, "c3po", micro=10**6)
    ctx32 = replace(ctx32, reference=Scorer(copy.deepcopy(ctx32.reference.lm).float()))
    ctx16 = replace(ctx32, dtype=torch.bfloat16, reference=Scorer(copy.deepcopy(ctx32.reference.lm).to(torch.bfloat16)))
    loss32, _, g32 = _grads(ctx32, sel)
    loss16, stats16, g16 = _grads(ctx16, sel)
    assert all(p.dtype == torch.float32 for p in ctx16.policy.parameters())
    assert all(g.dtype == torch.float32 and torch.isfinite(g).all() for g in g16)
    assert stats16.tokens == 100 and loss16 == pytest.approx(loss32, rel=0.05, abs=1e-3)
    cos = torch.nn.functional.cosine_similarity(torch.cat([g.flatten() for g in g16]), torch.cat([g.flatten() for g in g32]), dim=0)
    assert cos > 0.99, f"bf16 gradient direction off: cosine {float(cos):.4f}"


def test_sample_ahead_samples_step_t_plus_1_on_step_ts_weights_while_step_t_trains(tmp_path, tiny_dir):
    """One step off-policy: the engine samples step t+1 (on the sample-ahead thread) before step
    t's weights reach it, so every step trains rollouts exactly one update old (the first is
    on-policy); the trainer rescores them (the gap is logged) and the truncated weight applies."""
    import threading

    from train.backends.hf import HFBackend
    from train.loop import run
    from train.metrics import read_metrics

    class Recording(HFBackend):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.pushes, self.sampled = 0, []  # (weights version, thread) per generate call

        def push_weights(self, state_dict):
            self.pushes += 1
            super().push_weights(state_dict)

        def generate(self, prompts, config):
            self.sampled.append((self.pushes, threading.current_thread().name.split("_")[0]))
            return super().generate(prompts, config)

    stage = StageConfig(name="math", data="toy", steps=3, prompts_per_step=4, samples_per_prompt=4,
                        max_response_tokens=16, token_budget=64, toy_problems=100, eval_problems=0,
                        max_refill_rounds=0, checkpoint_every=0)
    cfg = TrainConfig(model=str(tiny_dir), seed=1, backend="hf", max_model_len=128,
                      loss=LossConfig(kind="c3po", tis_cap=2.0), optim=OptimConfig(lr=1e-3), stages=(stage,))
    sampled = {}
    for ahead in (0, 1):
        backend = Recording(tiny_dir, max_model_len=128, seed=1)
        c = replace(cfg, stages=(replace(stage, sample_ahead=ahead),))
        run(c, c.stages, tmp_path / str(ahead), backend=backend)
        sampled[ahead] = backend.sampled
        steps = [r for r in read_metrics(tmp_path / str(ahead) / "math/metrics.jsonl") if r["kind"] == "step"]
        assert [r["phi_selected_tokens"] for r in steps] == [64] * 3
    # version = weight pushes so far: 1 is the stage's starting weights, n + 1 those after step n
    assert sampled[0] == [(1, "MainThread"), (2, "MainThread"), (3, "MainThread")]
    assert sampled[1] == [(1, "MainThread"), (1, "sample-ahead"), (2, "sample-ahead")]
    # the old log-probs are the trainer's at training time: one update past the sampler's from step 2
    assert steps[0]["logprob_gap_mean"] < 1e-4 < steps[1]["logprob_gap_mean"]
    assert all(r["wait_time"] <= r["step_time"] for r in steps)
    assert all(r["rollout_time"] > 0.01 for r in steps)  # the thread's collection, not the queue's pop
