"""C3PO against DAPO and GRPO at CI size (benchmarks/bench_train.py runs it full size): the chain
task, the project's chain model, one seed, two steps each, the same rollouts per step. Checks what
must hold whatever the model samples: the same first rollouts for every method, C3PO training
exactly Phi tokens (or Phi minus a logged shortfall), GRPO every generated token, DAPO no more,
and the report tabling and drawing the three side by side."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from train.config import load_config
from train.metrics import read_metrics
from train.report import comparison_table, render_comparison

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(scope="session")
def chain_dir() -> Path:
    """The fitted chain model (built on first use; RINGDATA_CACHE moves the cache)."""
    from train.built import built_model_dir

    return built_model_dir("tiny-chain")


def test_three_methods_on_the_same_rollouts_trained_as_each_normalises(tmp_path, chain_dir):
    from bench_train import compare

    cfg = load_config(ROOT / "configs/chain.toml")
    stage = replace(cfg.stages[0], steps=2, prompts_per_step=4, samples_per_prompt=2, token_budget=96,
                    eval_problems=8, eval_samples=1, eval_every=0)
    cfg = replace(cfg, model=str(chain_dir), stages=(stage,))
    compare(cfg, ["c3po", "dapo", "grpo"], [0], tmp_path)
    steps = {m: [r for r in read_metrics(tmp_path / f"{m}-0/chain/metrics.jsonl") if r["kind"] == "step"]
             for m in ("c3po", "dapo", "grpo")}
    first = {m: s[0]["generated_tokens"] for m, s in steps.items()}
    assert len(set(first.values())) == 1, first  # one seed, the same starting weights: the same rollouts
    for r in steps["c3po"]:
        assert r["phi_selected_tokens"] + r["shortfall"] == 96 and r["rounds"] == 1
    for r in steps["grpo"]:
        assert r["phi_selected_tokens"] == r["generated_tokens"]  # every response, whole
    for r in steps["dapo"]:
        assert r["phi_selected_tokens"] <= r["generated_tokens"]  # all-equal groups dropped, never refilled
    table = comparison_table(tmp_path)
    assert sorted(table) == ["c3po", "dapo", "grpo"]
    assert table["c3po"][0][1]["tokens_cv"] == 0.0 or any(r["shortfall"] for r in steps["c3po"])
    assert all(f["held_before"] is not None and f["held_after"] is not None for items in table.values() for _, f in items)
    assert render_comparison(tmp_path).is_file() and (tmp_path / "report.png").is_file()
