"""train/backends/vllm.py on the session's one vLLM engine (tests/train/conftest.py): a seeded call
repeats, each token has its log-prob, `first_prompt` seeds prompt i as prompt first_prompt + i of
one larger call (what lets a request be split across engines)."""

from __future__ import annotations

from train.backends.base import SamplingConfig


def test_a_seeded_call_repeats_and_carries_a_logprob_per_token(vllm_backend):
    config = SamplingConfig(n=2, max_tokens=6, seed=7)
    first, again = vllm_backend.generate(["1+1=", "2+3="], config), vllm_backend.generate(["1+1=", "2+3="], config)
    assert [r.response_ids for r in first] == [r.response_ids for r in again]
    assert sorted(r.prompt_index for r in first) == [0, 0, 1, 1]
    for r in first:
        assert 0 < len(r.response_ids) <= 6 and len(r.logprobs) == len(r.response_ids) and all(lp <= 0 for lp in r.logprobs)


def test_a_split_request_draws_what_one_call_draws(vllm_backend):
    prompts, config = ["1+1=", "2+3=", "4+4="], SamplingConfig(n=2, max_tokens=4, seed=3)
    whole = vllm_backend.generate(prompts, config)
    tail = vllm_backend.generate(prompts[1:], SamplingConfig(n=2, max_tokens=4, seed=3, first_prompt=1))
    drawn = lambda rs, shift=0: sorted((r.prompt_index + shift, r.response_ids) for r in rs)  # noqa: E731
    assert drawn(tail, 1) == [d for d in drawn(whole) if d[0] >= 1]
