"""Both rollout backends on the real tiny model: well-formed rollouts, logprobs equal to a
transformers forward pass, and vLLM weight pushes that really change what the engine samples."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
import torch

from ringdata.core.errors import RingdataError
from train.prompting import format_prompt
from train.rollout import SamplingConfig, make_backend
from train.toy import math_problems

PROMPTS = [format_prompt(p) for p in math_problems(5, seed=11)]
ATOL = 2e-3  # float32 on both sides; vLLM's CPU kernels sum in a different order than torch's


@pytest.fixture(scope="module")
def hf_backend(tiny_dir):
    backend = make_backend("hf", tiny_dir, max_model_len=256, seed=0)
    yield backend
    backend.close()


@pytest.fixture(params=["hf", "vllm"])
def backend(request):
    return request.getfixturevalue(f"{request.param}_backend")


def reference_logprobs(model, rollouts) -> list[list[float]]:
    """log pi(token | prefix) of each response token from one transformers forward pass."""
    out = []
    with torch.inference_mode():
        for r in rollouts:
            ids = torch.tensor([list(r.prompt_ids) + list(r.response_ids)])
            logits = model(input_ids=ids).logits[0, len(r.prompt_ids) - 1 : -1].float()
            lp = torch.log_softmax(logits, -1).gather(-1, torch.tensor(r.response_ids)[:, None])[:, 0]
            out.append(lp.tolist())
    return out


def hf_model(tiny_dir, state_dict=None):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(tiny_dir), dtype=torch.float32).eval()
    if state_dict is not None:
        model.load_state_dict(state_dict)
    return model


def max_gap(rollouts, reference) -> float:
    return max(abs(a - b) for r, ref in zip(rollouts, reference) for a, b in zip(r.logprobs, ref))


def test_rollouts_are_well_formed(backend, tiny_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_dir))
    rollouts = backend.generate(PROMPTS, SamplingConfig(n=3, max_tokens=16, seed=1))
    assert [r.prompt_index for r in rollouts] == [i for i in range(len(PROMPTS)) for _ in range(3)]
    for r in rollouts:
        assert list(r.prompt_ids) == tok(PROMPTS[r.prompt_index], add_special_tokens=False)["input_ids"]
        assert 0 < len(r.response_ids) == len(r.logprobs) <= 16
        assert all(math.isfinite(x) and x <= 0 for x in r.logprobs)
        assert r.text == tok.decode(list(r.response_ids), skip_special_tokens=True)
        if r.finish_reason == "stop":
            assert r.response_ids[-1] == tok.eos_token_id
        else:
            assert r.finish_reason == "length" and len(r.response_ids) == 16


def test_max_tokens_cuts_with_finish_reason_length(backend, tiny_dir):
    """A response cut by the limit has exactly max_tokens tokens; one the model ended has its EOS
    last and no more. Which of the two a sample is depends on the fitted weights (a model fitted
    on another CPU ended one of these at its third token), so the cut is forced with min_tokens."""
    from transformers import AutoTokenizer

    eos = AutoTokenizer.from_pretrained(str(tiny_dir)).eos_token_id
    forced = backend.generate(PROMPTS[:2], SamplingConfig(n=2, max_tokens=3, min_tokens=3, seed=2))
    assert {(r.finish_reason, len(r.response_ids)) for r in forced} == {("length", 3)}
    assert all(eos not in r.response_ids for r in forced)
    for r in backend.generate(PROMPTS, SamplingConfig(n=4, max_tokens=3, seed=2)):
        if r.finish_reason == "stop":
            assert r.response_ids[-1] == eos and len(r.response_ids) <= 3
        else:
            assert r.finish_reason == "length" and len(r.response_ids) == 3 and eos not in r.response_ids


def test_min_tokens_forces_the_length(backend):
    rollouts = backend.generate(PROMPTS[:2], SamplingConfig(n=2, max_tokens=40, min_tokens=40, seed=2))
    assert {len(r.response_ids) for r in rollouts} == {40}


def test_stop_string_ends_the_response_and_is_not_in_the_text(backend):
    """The stop string is taken from what this model samples (a seeded call repeats its draws, and
    a stop string does not change them), so the test holds for any fitted weights: the same call
    with that stop string ends exactly before its first occurrence."""
    sampling = SamplingConfig(n=2, max_tokens=24, seed=3)
    free = backend.generate(PROMPTS, sampling)
    k, stop = next((k, c) for k, r in enumerate(free) for i, c in enumerate(r.text)
                   if i >= 1 and c.strip() and c not in r.text[:i])
    stopped = backend.generate(PROMPTS, replace(sampling, stop=(stop,)))
    want = free[k].text[: free[k].text.index(stop)]
    assert (stopped[k].finish_reason, stopped[k].text) == ("stop", want), (free[k].text, stop)
    for r, before in zip(stopped, free):
        assert stop not in r.text and before.text.startswith(r.text)


def test_greedy_is_deterministic_and_seeded_sampling_repeats(backend):
    greedy = SamplingConfig(n=1, temperature=0.0, max_tokens=12)
    assert [r.response_ids for r in backend.generate(PROMPTS, greedy)] == [
        r.response_ids for r in backend.generate(PROMPTS, greedy)
    ]
    seeded = SamplingConfig(n=4, max_tokens=12, seed=7)
    first, second = backend.generate(PROMPTS, seeded), backend.generate(PROMPTS, seeded)
    assert [r.response_ids for r in first] == [r.response_ids for r in second]
    assert len({r.response_ids for r in first}) > len(PROMPTS), "n samples of a prompt must differ"


def test_each_prompt_has_its_own_random_draws(backend):
    """A seeded call must not give every prompt the same random numbers: vLLM seeds per request
    (children seed + 0..n-1), so one shared seed made a question asked twice in a step answered
    identically and correlated all prompts of a step (measured: the tiny model's \\boxed{} rate
    read 0.455 under seeded vLLM against an exact 0.532)."""
    same = [PROMPTS[0]] * 12
    rollouts = backend.generate(same, SamplingConfig(n=1, max_tokens=12, seed=3))
    assert len({r.response_ids for r in rollouts}) > 1
    pairs = backend.generate(same[:2], SamplingConfig(n=6, max_tokens=12, seed=3))
    assert [r.response_ids for r in pairs[:6]] != [r.response_ids for r in pairs[6:]]


def test_seeded_sampling_of_a_batch_larger_than_one_scheduler_step(vllm_backend):
    """`ringdata rollout --limit 200` on GSM8K crashed vLLM's CPU sampler ("CPU Generator does not
    use offset"): a step's prefills were more tokens than the scheduler's budget, so one prompt
    was prefilled in two chunks, and vLLM rewinds a seeded request's generator between chunks,
    which a CPU generator cannot. Here a seeded call holds ~2x the budget of prompt tokens."""
    from train.backends.vllm import MAX_BATCHED_TOKENS

    pad = " 1+1" * 40  # ~190 tokens a prompt (the tiny tokenizer is one token a character)
    n_prompt = len(vllm_backend.tokenizer(format_prompt(math_problems(1, seed=5)[0]) + pad)["input_ids"])
    many = [format_prompt(p) + pad for p in math_problems(MAX_BATCHED_TOKENS // n_prompt + 8, seed=5)]
    assert 2 * len(many) * n_prompt > 2 * MAX_BATCHED_TOKENS  # n=2: twice the budget in one call
    rollouts = vllm_backend.generate(many, SamplingConfig(n=2, max_tokens=2, seed=1))
    assert len(rollouts) == 2 * len(many)
    again = vllm_backend.generate(many, SamplingConfig(n=2, max_tokens=2, seed=1))
    assert [r.response_ids for r in again] == [r.response_ids for r in rollouts]


def test_seeded_sampling_follows_the_model_distribution(backend, tiny_dir):
    """Over many prompts, the share of first tokens "\\" (a \\boxed{} answer; the tiny model is
    fitted to box about half its answers) matches the exact probability from a forward pass."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_dir))
    model = hf_model(tiny_dir)
    prompts = [format_prompt(p) for p in math_problems(40, seed=12)]
    backslash = tok.convert_tokens_to_ids("\\")
    exact = []
    with torch.inference_mode():
        for p in prompts:
            ids = tok(p + " ", add_special_tokens=False)["input_ids"]
            exact.append(torch.softmax(model(input_ids=torch.tensor([ids])).logits[0, -1], -1)[backslash].item())
    rollouts = backend.generate(prompts, SamplingConfig(n=48, max_tokens=2, seed=5))
    share = sum(r.text.startswith(" \\") for r in rollouts) / len(rollouts)
    expected = sum(exact) / len(exact)
    sd = (expected * (1 - expected) / len(rollouts)) ** 0.5
    assert abs(share - expected) < 4 * sd + 0.005, (share, expected)


def test_logprobs_match_a_transformers_forward_pass(backend, tiny_dir):
    rollouts = backend.generate(PROMPTS, SamplingConfig(n=2, max_tokens=16, seed=4))
    assert max_gap(rollouts, reference_logprobs(hf_model(tiny_dir), rollouts)) < ATOL


def test_logprobs_are_raw_at_other_temperatures(backend, tiny_dir):
    """At temperature 0.5 the sampled tokens' logprobs are still those of the raw (T=1) model."""
    rollouts = backend.generate(PROMPTS, SamplingConfig(n=2, max_tokens=12, temperature=0.5, top_p=0.9, seed=5))
    assert max_gap(rollouts, reference_logprobs(hf_model(tiny_dir), rollouts)) < ATOL


def perturbed(weights: dict[str, torch.Tensor], seed: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {k: v + 0.05 * torch.randn(v.shape, generator=gen) * v.std() for k, v in weights.items()}


def test_pushed_weights_are_what_the_engine_samples_from(backend, tiny_dir, original_weights):
    new = perturbed(original_weights, seed=0)
    try:
        backend.push_weights(new)
        rollouts = backend.generate(PROMPTS, SamplingConfig(n=2, max_tokens=16, seed=6))
        assert max_gap(rollouts, reference_logprobs(hf_model(tiny_dir, new), rollouts)) < ATOL
        # ... and not from the old weights (the gap is far above the tolerance)
        assert max_gap(rollouts, reference_logprobs(hf_model(tiny_dir), rollouts)) > 20 * ATOL
    finally:
        backend.push_weights(original_weights)
    rollouts = backend.generate(PROMPTS, SamplingConfig(n=1, max_tokens=16, seed=6))
    assert max_gap(rollouts, reference_logprobs(hf_model(tiny_dir), rollouts)) < ATOL


def test_vllm_push_without_lm_head_fails_loudly(vllm_backend, original_weights):
    """vLLM only logs "Failed to load weights" and keeps the stale tensor; the backend raises."""
    partial = {k: v for k, v in perturbed(original_weights, 1).items() if k != "lm_head.weight"}
    try:
        with pytest.raises(RuntimeError, match="stale"):
            vllm_backend.push_weights(partial)
    finally:
        vllm_backend.push_weights(original_weights)


def test_hf_push_with_a_wrong_name_fails(hf_backend, original_weights):
    bad = dict(original_weights)
    bad["model.layers.0.not_a_weight"] = bad.pop("model.norm.weight")
    with pytest.raises(ValueError, match="does not match"):
        hf_backend.push_weights(bad)


@pytest.mark.parametrize(
    "kind,make_dir,message",
    [
        ("gpu", True, "unknown rollout backend"),
        ("hf", False, "not a transformers model dir"),
    ],
)
def test_make_backend_errors(tmp_path, kind, make_dir, message):
    if make_dir:
        (tmp_path / "config.json").write_text("{}")
    with pytest.raises(RingdataError, match=message):
        make_backend(kind, tmp_path)


TIED_CHECK = r"""
import json, sys, torch
from transformers import AutoModelForCausalLM
from train.rollout import SamplingConfig, make_backend
from tests.train.test_rollout import PROMPTS, perturbed, reference_logprobs

tied_dir, with_head = sys.argv[1], sys.argv[2] == "1"
model = AutoModelForCausalLM.from_pretrained(tied_dir, dtype=torch.float32).eval()
assert model.lm_head.weight is model.model.embed_tokens.weight
backend = make_backend("vllm", tied_dir, max_model_len=256, seed=0)
new = perturbed({k: v for k, v in model.state_dict().items() if k != "lm_head.weight"}, seed=3)
model.load_state_dict(new, strict=False)  # the tied head follows the embedding
push = dict(model.state_dict()) if with_head else new  # a trainer's state_dict, or the embedding alone
backend.push_weights(push)
rollouts = backend.generate(PROMPTS, SamplingConfig(n=2, max_tokens=16, seed=6))
new_ref = reference_logprobs(model, rollouts)
old_ref = reference_logprobs(AutoModelForCausalLM.from_pretrained(tied_dir, dtype=torch.float32).eval(), rollouts)
gap = lambda ref: max(abs(a - b) for r, rr in zip(rollouts, ref) for a, b in zip(r.logprobs, rr))
print(json.dumps({"new": gap(new_ref), "old": gap(old_ref)}))
backend.close()
"""


@pytest.mark.vllm
@pytest.mark.parametrize("with_head", [True, False])
def test_vllm_push_into_a_tied_embedding_model(tmp_path, tiny_dir, with_head):
    """A tied model (Qwen2.5-0.5B's kind): after a push the engine samples from the new weights,
    whether the pushed dict holds lm_head.weight (a transformers state_dict) or only the
    embedding. Its own process: one vLLM engine per process (the session one is untied)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from train.rollout import vllm_available
    from tests.conftest import skip_or_fail

    if not vllm_available():
        skip_or_fail("vLLM", "RINGDATA_REQUIRE_VLLM", "vllm is not installed")
    model = AutoModelForCausalLM.from_pretrained(str(tiny_dir), dtype=torch.float32)
    model.config.tie_word_embeddings = True
    model.tie_weights()
    tied = tmp_path / "tied"
    model.save_pretrained(str(tied))
    AutoTokenizer.from_pretrained(str(tiny_dir)).save_pretrained(str(tied))
    assert "lm_head.weight" not in json.dumps(json.loads((tied / "config.json").read_text()))
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CPU_KVCACHE_SPACE": "1"}
    done = subprocess.run([sys.executable, "-c", TIED_CHECK, str(tied), "1" if with_head else "0"], env=env,
                          cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    gaps = json.loads(done.stdout.strip().splitlines()[-1])
    assert gaps["new"] < ATOL, gaps  # the engine samples from the pushed weights ...
    assert gaps["old"] > 20 * ATOL, gaps  # ... not from the ones it was started with
