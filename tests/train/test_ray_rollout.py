"""train/ray_rollout.py on a real local Ray cluster: two vLLM engines, one per simulated node,
sample exactly what one engine samples, before and after a weight push through the object store."""

from __future__ import annotations

import pytest

from train.rollout import SamplingConfig
from tests.train.test_rollout import PROMPTS, perturbed

pytestmark = [pytest.mark.ray, pytest.mark.vllm, pytest.mark.timeout(600)]


def _drawn(rollouts):
    return [(r.prompt_index, r.response_ids, r.text, r.finish_reason) for r in rollouts]


def test_two_engines_sample_what_one_engine_samples(ray_cluster, vllm_backend, tiny_dir, original_weights):
    from train.ray_rollout import RayRollout

    prompts = PROMPTS + PROMPTS[:2]  # 7 prompts: shares of 4 and 3
    sampling = SamplingConfig(n=3, max_tokens=16, seed=5)
    engines = RayRollout("vllm", tiny_dir, workers=2, address=ray_cluster.address, max_model_len=256, seed=0)
    try:
        assert _drawn(engines.generate(prompts, sampling)) == _drawn(vllm_backend.generate(prompts, sampling))
        new = perturbed(original_weights, seed=0)
        engines.push_weights(new)
        vllm_backend.push_weights(new)
        after = engines.generate(prompts, sampling)
        assert _drawn(after) == _drawn(vllm_backend.generate(prompts, sampling))
        assert _drawn(after) != _drawn(engines.generate(prompts, SamplingConfig(n=3, max_tokens=16, seed=6)))
        assert len(engines.push_seconds) == 1 and engines.push_seconds[0] > 0
    finally:
        vllm_backend.push_weights(original_weights)
        engines.close()
