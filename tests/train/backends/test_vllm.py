"""train/backends/vllm.py on the session's one vLLM engine (tests/train/conftest.py): a seeded call
repeats, each token has its log-prob, `first_prompt` seeds prompt i as prompt first_prompt + i of
one larger call (what lets a request be split across engines), the CPU KV cache holds a full batch."""

from __future__ import annotations

import json

from train.backends.base import SamplingConfig
from train.backends.vllm import KV_BLOCK, MAX_SEQS, kv_cache_bytes


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


def test_the_cpu_kv_cache_holds_a_full_batch_of_whole_sequences_up_to_its_bound(tiny_dir):
    """Too small a cache preempts and recomputes running sequences (kv_cache_bytes' docstring)."""
    config = json.loads((tiny_dir / "config.json").read_text())
    head_dim = config["hidden_size"] // config["num_attention_heads"]
    per_token = 2 * config["num_hidden_layers"] * config["num_key_value_heads"] * head_dim * 4  # float32
    full = MAX_SEQS * 2 * KV_BLOCK * per_token  # 256 tokens: two whole blocks a sequence
    assert kv_cache_bytes(tiny_dir, 2 * KV_BLOCK, "float32", 4) == full
    assert kv_cache_bytes(tiny_dir, KV_BLOCK + 1, "float32", 4) == full  # a started block is a whole block
    assert kv_cache_bytes(tiny_dir, 2 * KV_BLOCK, "bfloat16", 4) == full // 2
    assert kv_cache_bytes(tiny_dir, 2 * KV_BLOCK, "float32", 0.001) == int(0.001 * 2**30)


def test_the_session_engine_has_the_blocks_for_a_full_batch(vllm_backend):
    """vLLM took the size asked for (max_model_len 256 in tests/train/conftest.py)."""
    cache = vllm_backend.llm.llm_engine.vllm_config.cache_config
    assert cache.num_gpu_blocks * cache.block_size >= MAX_SEQS * 256
