"""train/backends/hf.py on the real tiny model: seeded transformers rollouts repeat, and each
token has its log-prob."""

from __future__ import annotations

import pytest

from train.backends.base import SamplingConfig


@pytest.fixture(scope="module")
def hf(tiny_dir):
    from train.backends.hf import HFBackend

    return HFBackend(tiny_dir, max_model_len=64, seed=0)


def test_a_seeded_call_repeats_and_carries_a_logprob_per_token(hf):
    config = SamplingConfig(n=2, max_tokens=6, seed=7)
    first, again = hf.generate(["1+1=", "2+3="], config), hf.generate(["1+1=", "2+3="], config)
    assert [r.response_ids for r in first] == [r.response_ids for r in again]
    assert [r.prompt_index for r in first] == [0, 0, 1, 1]
    for r in first:
        assert 0 < len(r.response_ids) <= 6 and len(r.logprobs) == len(r.response_ids)
        assert all(lp <= 0 for lp in r.logprobs) and r.finish_reason in ("stop", "length")
