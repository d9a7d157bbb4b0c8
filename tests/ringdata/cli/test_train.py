"""`ringdata train` and `ringdata report` on the shipped demo config, through the real CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ringdata.cli.main import app
from tests.conftest import ROOT
from train.metrics import read_metrics


def test_train_math_then_code_writes_both_stages(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, [
        "train", "--config", str(ROOT / "configs/tiny.toml"), "--stage", "math-then-code",
        "--steps", "2", "--backend", "hf", "--out", str(out),
    ])
    assert result.exit_code == 0, result.output
    for stage, domain in (("math", "math"), ("code", "code")):
        records = read_metrics(out / stage / "metrics.jsonl")
        steps = [r for r in records if r["kind"] == "step"]
        assert [r["step"] for r in steps] == [1, 2]
        assert all(r["phi_selected_tokens"] == 1024 for r in steps)  # the demo's Phi, every step
        assert all(set(r["reward_by_domain"]) == {domain} for r in steps)
        assert [r["step"] for r in records if r["kind"] == "eval"] == [0, 2]
        assert (out / stage / "final" / "config.json").is_file()
    # stage 2 started from stage 1's final weights, not from the tiny model
    started = json.loads((out / "code" / "stage.json").read_text())["start_model"]
    assert started == str(out / "math" / "final")
    assert "held-out reward" in result.output and "train reward" in result.output

    report = CliRunner().invoke(app, ["report", str(out)])
    assert report.exit_code == 0, report.output
    assert (out / "report.png").stat().st_size > 10_000 and (out / "report.html").is_file()


def test_bad_stage_is_one_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["train", "--config", str(ROOT / "configs/tiny.toml"), "--stage", "poetry",
                                      "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "neither a schedule nor a stage" in str(result.exception)
