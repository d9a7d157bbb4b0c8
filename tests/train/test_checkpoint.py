"""Checkpoint/resume: a run interrupted and resumed continues exactly like one that never stopped."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file

from train.checkpoint import list_checkpoints
from train.config import LossConfig, OptimConfig, StageConfig, TrainConfig
from train.loop import run
from train.metrics import read_metrics

TIMINGS = {"step_time", "rollout_time", "train_time", "wait_time", "tokens_per_s", "rollout_tokens_per_s"}


class Interrupt(Exception):
    pass


def _cfg(carry: bool, model, ahead: int = 0) -> TrainConfig:
    stage = StageConfig(name="math", data="toy", steps=3, prompts_per_step=4, samples_per_prompt=4,
                        max_response_tokens=16, token_budget=96, carry_over=carry, sample_ahead=ahead, toy_problems=200,
                        eval_problems=4, eval_samples=2, checkpoint_every=1, keep_checkpoints=5)
    return TrainConfig(model=str(model), seed=3, backend="hf", max_model_len=128,
                       loss=LossConfig(kind="c3po"), optim=OptimConfig(lr=1e-3, warmup_steps=2), stages=(stage,))


def _steps(path):
    return {r["step"]: {k: v for k, v in r.items() if k not in TIMINGS} for r in read_metrics(path) if r["kind"] == "step"}


# ahead: the checkpoint after step 1 holds step 2's rollouts, sampled while step 1 trained
@pytest.mark.parametrize("carry,ahead", [(False, 0), (True, 0), (False, 1)], ids=["drop", "carry", "ahead"])
def test_resume_replays_the_uninterrupted_run(tmp_path, carry, ahead, tiny_dir):
    cfg = _cfg(carry, tiny_dir, ahead)
    run(cfg, cfg.stages, tmp_path / "whole")

    def stop_at_2(m):
        if m["step"] == 2:
            raise Interrupt  # after step 2's metrics, before its checkpoint: like a kill
    with pytest.raises(Interrupt):
        run(cfg, cfg.stages, tmp_path / "cut", on_step=stop_at_2)
    assert [p.name for p in list_checkpoints(tmp_path / "cut" / "math")] == ["step_000001"]
    run(cfg, cfg.stages, tmp_path / "cut", resume=True)

    whole, cut = _steps(tmp_path / "whole/math/metrics.jsonl"), _steps(tmp_path / "cut/math/metrics.jsonl")
    assert sorted(cut) == [1, 2, 3]  # the lost step 2 record was replaced, not duplicated
    for step in (2, 3):
        for key, value in whole[step].items():
            assert cut[step][key] == pytest.approx(value, rel=1e-5, abs=1e-7), (step, key)
    a = load_file(tmp_path / "whole/math/final/model.safetensors")
    b = load_file(tmp_path / "cut/math/final/model.safetensors")
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    # and training moved the weights at all
    first = load_file(tmp_path / "whole/math/checkpoints/step_000001/model.safetensors")
    assert any(not torch.equal(first[k], a[k]) for k in a)


def test_resume_skips_finished_stages(tmp_path, tiny_dir):
    cfg = _cfg(False, tiny_dir)
    cfg = replace(cfg, stages=(replace(cfg.stages[0], steps=1),))
    run(cfg, cfg.stages, tmp_path)
    before = (tmp_path / "math/metrics.jsonl").read_text()
    out = run(cfg, cfg.stages, tmp_path, resume=True)
    assert (tmp_path / "math/metrics.jsonl").read_text() == before and out[0].final_dir == tmp_path / "math/final"
    saved = json.loads((tmp_path / "math/checkpoints/step_000001/state.json").read_text())
    assert saved["step"] == 1 and saved["cursor"] % 4 == 0 and saved["cursor"] >= 4  # L per rollout round
