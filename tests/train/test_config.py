"""Config loading: the shipped configs parse, and every bad key or value is a DataError naming it."""

from __future__ import annotations

import re

import pytest

from ringdata.core.errors import DataError
from tests.conftest import ROOT
from train.config import load_config, with_overrides

GOOD = """
model = "tiny"
[loss]
kind = "c3po"
[stages.math]
data = "toy"
steps = 3
token_budget = 100
[stages.code]
data = "toy"
domains = ["code"]
[schedules]
math-then-code = ["math", "code"]
"""


def _load(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return load_config(path)


def test_shipped_demo_config_parses():
    cfg = load_config(ROOT / "configs" / "tiny.toml")
    assert [s.name for s in cfg.plan("math-then-code")] == ["math", "code"]
    assert cfg.loss.kind == "c3po" and cfg.loss.clip_eps == 0.2 and cfg.loss.kl_coef == 1e-3


def test_plan_picks_schedules_and_single_stages(tmp_path):
    cfg = _load(tmp_path, GOOD)
    assert [s.name for s in cfg.plan("math-then-code")] == ["math", "code"]
    assert [s.name for s in cfg.plan("code")] == ["code"]
    assert [s.name for s in cfg.plan(None)] == ["math", "code"]
    assert cfg.stage("math").steps == 3 and cfg.stage("code").domains == ("code",)
    with pytest.raises(DataError, match="neither a schedule nor a stage"):
        cfg.plan("science")


def test_overrides(tmp_path):
    cfg = with_overrides(_load(tmp_path, GOOD), steps=7, seed=3, loss="grpo", backend="hf")
    assert {s.steps for s in cfg.stages} == {7} and cfg.seed == 3 and cfg.loss.kind == "grpo" and cfg.backend == "hf"
    with pytest.raises(DataError, match="loss.kind"):
        with_overrides(cfg, loss="ppo")
    with pytest.raises(DataError, match="--steps is 0"):  # named as typed, not as "<config> stages.math.steps"
        with_overrides(cfg, steps=0)


@pytest.mark.parametrize(
    "edit,field",
    [
        # typos are errors, not silent defaults
        (("[loss]", "[loss]\nclip_epsilon = 0.3"), "loss.clip_epsilon"),
        (('model = "tiny"', 'model = "tiny"\nlearning_rate = 1.0'), "learning_rate"),
        (("steps = 3", "steps = 3\nbudget = 5"), "stages.math.budget"),
        # wrong types and values
        (("steps = 3", 'steps = "three"'), "stages.math.steps"),
        (("steps = 3", "steps = 0"), "stages.math.steps"),
        (('kind = "c3po"', 'kind = "ppo"'), "loss.kind"),
        (('domains = ["code"]', 'domains = ["poetry"]'), "stages.code.domains"),
        (('["math", "code"]', '["math", "coding"]'), "schedules.math-then-code"),
        (("[stages.code]", "[stages.code]\nsamples_per_prompt = 1"), "stages.code.samples_per_prompt"),
        (("steps = 3", "steps = 3\nsample_ahead = 2"), "stages.math.sample_ahead"),  # staleness at most 1
        (('model = "tiny"', 'model = "tiny"\n[optim]\nlogit_keep_mb = -1'), "optim.logit_keep_mb"),
        # a value where a table goes (was an AttributeError)
        (('model = "tiny"', 'model = "tiny"\noptim = 3'), "optim"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, edit, field):
    with pytest.raises(DataError) as err:
        _load(tmp_path, GOOD.replace(*edit, 1))
    assert err.value.field == field and err.value.file.endswith("c.toml")


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(DataError, match="not valid TOML"):
        _load(tmp_path, "model = ")
    with pytest.raises(DataError, match="at least one"):
        _load(tmp_path, 'model = "tiny"')


def test_relative_data_paths_resolve_against_the_config(tmp_path):
    cfg = _load(tmp_path, GOOD.replace('data = "toy"\nsteps', 'data = "curated/train.parquet"\nsteps'))
    assert cfg.stage("math").data == str((tmp_path / "curated" / "train.parquet").resolve())


def test_set_overrides_are_checked_like_the_file(tmp_path):
    """`--set KEY=VALUE`: TOML values (numbers, booleans, lists) or bare strings, checked by the
    same rules as the file; a value where a table goes, or a stage the file lacks, is named."""
    path = tmp_path / "c.toml"
    path.write_text(GOOD)
    cfg = load_config(path, ["optim.lr=1e-6", "stages.math.steps=100", 'stages.code.domains=["code", "science"]',
                             "model=Qwen/Qwen2.5-0.5B-Instruct"])
    assert cfg.optim.lr == 1e-6 and cfg.stage("math").steps == 100
    assert cfg.stage("code").domains == ("code", "science") and cfg.model == "Qwen/Qwen2.5-0.5B-Instruct"
    for item, words in (("optim.lr=abc", "expected float"), ("stages.math.steps=0", "at least 1"),
                        ("optim=3", "expected a table [optim]"),
                        ("schedules=3", "expected a table [schedules]"), ("stages.mth.steps=1", "no stage 'mth'"),
                        ("optim.lrr=1", "unknown key 'lrr'"), ("lr", "expected KEY=VALUE")):
        with pytest.raises(DataError, match=re.escape(words)):
            load_config(path, [item])
