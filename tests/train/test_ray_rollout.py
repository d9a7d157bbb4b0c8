"""train/ray_rollout.py on a real local Ray cluster: two vLLM engines, one per simulated node,
sample exactly what one engine samples, before and after a weight push through the object store;
and two training steps with transformers engines and rewards on the cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from train.rollout import SamplingConfig
from tests.train.test_rollout import PROMPTS, perturbed

pytestmark = [pytest.mark.ray, pytest.mark.timeout(600)]


def _drawn(rollouts):
    return [(r.prompt_index, r.response_ids, r.text, r.finish_reason) for r in rollouts]


@pytest.mark.vllm
@pytest.mark.slow
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


@pytest.mark.slow
def test_training_with_ray_rollouts_and_ray_rewards(ray_cluster, tiny_dir, tmp_path):
    """`rollout_workers = 2` and `rewards.executor = "ray"`: two steps of the tiny demo run with
    both engines sampling and receiving each step's weights, and rewards graded on the cluster."""
    import json
    from dataclasses import replace

    from sandboxes import SandboxChoice
    from tests.conftest import ROOT
    from train.config import RewardsConfig, load_config
    from train.loop import run

    cfg = load_config(ROOT / "configs" / "tiny.toml")
    cfg = replace(cfg, rollout_workers=2, ray_address=ray_cluster.address, rewards=RewardsConfig(executor="ray"),
                  sandbox=SandboxChoice("local"))
    stage = replace(cfg.stage("math"), steps=2, eval_problems=8, eval_samples=2, eval_every=0)
    result = run(cfg, (stage,), tmp_path)[0]
    steps = [json.loads(line) for line in Path(result.metrics_path).read_text().splitlines()]
    assert [s["step"] for s in steps if s["kind"] == "step"] == [1, 2]
    assert all(0 <= s["reward"] <= 1 for s in steps if s["kind"] == "step")
    assert len([s for s in steps if s["kind"] == "eval"]) == 2


def test_engines_on_cuda_need_a_gpu_each_and_say_so_at_once(ray_cluster, tiny_dir):
    """A trainer on cuda gives its engines its engine options: each asks Ray for a GPU, and a
    cluster without enough is an error before any actor waits for one (Ray would wait for ever)."""
    from ringdata.core.errors import RingdataError
    from train.ray_rollout import RayRollout

    with pytest.raises(RingdataError, match="2 rollout engines on cuda need 2 GPUs; the Ray cluster has 0"):
        RayRollout("hf", tiny_dir, workers=2, address=ray_cluster.address,
                   engine_options={"dtype": "bfloat16", "device": "cuda"})
