"""Models by Hub id, resolved offline through a Hugging Face cache this test lays out, and the
errors that say whether a path is missing or not a model."""

from __future__ import annotations

import shutil

import pytest

from ringdata.core.errors import RingdataError
from train.models import resolve_model

REVISION = "0123456789abcdef0123456789abcdef01234567"


def lay_out_cache(cache, repo_id: str, model_dir=None):
    """The hub cache layout: models--org--name/{refs/main, snapshots/<revision>/...}."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / REVISION
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(REVISION)
    if model_dir is not None:
        for f in model_dir.iterdir():
            if f.is_file():
                shutil.copy(f, snapshot / f.name)
    return snapshot


def test_a_directory_is_itself(tiny_dir):
    assert resolve_model(str(tiny_dir)) == tiny_dir


def test_a_hub_id_resolves_to_its_cached_snapshot(tmp_path, tiny_dir):
    snapshot = lay_out_cache(tmp_path, "Qwen/Qwen2.5-0.5B-Instruct", tiny_dir)
    assert resolve_model("Qwen/Qwen2.5-0.5B-Instruct", cache_dir=tmp_path) == snapshot


@pytest.mark.parametrize("make,words", [
    (lambda d: None, "no such directory, and no Hub repo of that name in the Hugging Face cache"),
    (lambda d: (d / "org" / "model").mkdir(parents=True), "is a directory without config.json, not a transformers model"),
    (lambda d: (d / "org").mkdir() or (d / "org" / "model").write_text("x"), "is a file, not a transformers model"),
])
def test_missing_and_not_a_model_are_told_apart(tmp_path, monkeypatch, make, words):
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    with pytest.raises(RingdataError, match=words):
        resolve_model("org/model", cache_dir=tmp_path / "cache")


def test_a_cached_snapshot_without_a_model_is_named(tmp_path):
    lay_out_cache(tmp_path, "org/dataset-not-model")
    with pytest.raises(RingdataError, match="cached snapshot .* has no config.json"):
        resolve_model("org/dataset-not-model", cache_dir=tmp_path)


def test_rollout_takes_a_hub_id_from_the_cache(tmp_path, tiny_dir):
    """The CLI path end to end (HF_HUB_CACHE points at the laid-out cache; offline)."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    lay_out_cache(tmp_path / "hub", "ringdata/tiny", tiny_dir)
    problems = tmp_path / "p.jsonl"
    problems.write_text(json.dumps({"question": "What is 2+3?", "answer": "5", "domain": "math"}) + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    argv = [sys.executable, "-m", "ringdata", "rollout", "--model", "ringdata/tiny", "--problems", str(problems),
            "-k", "2", "--max-tokens", "8", "--backend", "hf", "--out", str(tmp_path / "r.jsonl")]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 2
    proc = subprocess.run([*argv[:5], "ringdata/absent", *argv[6:], "--overwrite"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "no Hub repo of that name" in proc.stderr and "Traceback" not in proc.stderr
