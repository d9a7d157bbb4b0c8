"""`ringdata train` and `ringdata report` on the shipped demo config, through the real CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ringdata.cli.main import app
from tests.conftest import ROOT
from train.metrics import read_metrics


def test_train_math_then_code_writes_both_stages(tmp_path):
    out = tmp_path / "run"
    argv = ["train", "--config", str(ROOT / "configs/tiny.toml"), "--stage", "math-then-code",
            "--steps", "2", "--backend", "hf", "--out", str(out)]
    result = CliRunner().invoke(app, [*argv, "--report-to", "tensorboard", "--set", "stages.code.eval_samples=1"])
    assert result.exit_code == 0, result.output
    # not a terminal: one plain line per step, with the step's reward (and, while a step or the
    # start-up takes over 10 s, the same line again: the log's heartbeat)
    steps = [line.split(",")[0] for line in result.output.splitlines() if line.startswith(("math (c3po)", "code (c3po)"))]
    assert list(dict.fromkeys(s for s in steps if " 0/" not in s)) \
        == ["math (c3po): 1/2 steps (50%)", "math (c3po): 2/2 steps (100%)",
            "code (c3po): 1/2 steps (50%)", "code (c3po): 2/2 steps (100%)"]
    assert json.loads((out / "code" / "config.json").read_text())["stages"][1]["eval_samples"] == 1  # --set
    _check_tensorboard(out / "tensorboard")
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
    for words in ("Token budget Phi", "clipped", "KL", "Verdicts by reason", "HTML report"):
        assert words in report.output, f"the terminal summary lacks {words!r}"

    # a second run into the same dir: refused before any model is loaded, unless told what to do
    again = CliRunner().invoke(app, argv)
    assert again.exit_code != 0 and "already holds a run (math, code); pass --resume" in str(again.exception)
    resumed = CliRunner().invoke(app, [*argv, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert len(read_metrics(out / "math" / "metrics.jsonl")) == 4  # finished stages are not re-run


def _check_tensorboard(log_dir):
    """The event files are written and read back: per-stage scalars on one global step axis."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(log_dir))
    events.Reload()
    tags = events.Tags()["scalars"]
    assert {"math/reward", "code/reward", "math/kl", "math/reward_by_domain/math"} <= set(tags)
    assert [e.step for e in events.Scalars("math/reward")] == [1, 2]
    assert [e.step for e in events.Scalars("code/reward")] == [3, 4]  # after the math stage's 2 steps
    recorded = [r["reward"] for r in read_metrics(log_dir.parent / "math" / "metrics.jsonl") if r["kind"] == "step"]
    assert [e.value for e in events.Scalars("math/reward")] == pytest.approx(recorded)


def test_bad_stage_is_one_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["train", "--config", str(ROOT / "configs/tiny.toml"), "--stage", "poetry",
                                      "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "neither a schedule nor a stage" in str(result.exception)


@pytest.mark.parametrize("flags,words", [
    (["--resume", "--overwrite"], "pass one"),
    (["--resume"], "holds no run of these stages"),
    (["--set", "optim.lrr=1"], "--set optim.lrr: unknown key 'lrr'"),
    (["--set", "stages.mth.steps=3"], "no stage 'mth'"),
    (["--report-to", "mlflow"], "--report-to is 'mlflow'"),
])
def test_run_dir_and_override_errors_come_before_any_work(tmp_path, flags, words):
    result = CliRunner().invoke(app, ["train", "--config", str(ROOT / "configs/tiny.toml"), "--out", str(tmp_path / "r"),
                                      *flags])
    assert result.exit_code != 0 and words in str(result.exception)
    assert not (tmp_path / "r").exists()


def test_overwrite_deletes_the_old_run_first(tmp_path):
    from train.checkpoint import claim_run_dir

    (tmp_path / "math").mkdir()
    (tmp_path / "math" / "metrics.jsonl").write_text("{}\n")
    (tmp_path / "notes.txt").write_text("mine")  # not the run's: kept
    (tmp_path / "report.html").write_text("old")
    claim_run_dir(tmp_path, ["math", "code"], overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("flags,words", [
    (["--set", "model=no/such-model"], "no such directory"),
    (["--set", "stages.code.data=missing.parquet"], "stages.code.data"),  # stage 2's data, before stage 1 trains
    (["--report-to", "wandb", "--set", "model=no/such-model"], "no such directory"),
])
def test_overwrite_keeps_the_old_run_when_the_new_one_cannot_start(tmp_path, flags, words):
    """`--overwrite` replaces a run only once the new one can start: a model that does not resolve
    or a stage's missing data file fails first, and the earlier run is still there."""
    old = tmp_path / "r" / "math" / "metrics.jsonl"
    old.parent.mkdir(parents=True)
    old.write_text("{}\n")
    result = CliRunner().invoke(app, ["train", "--config", str(ROOT / "configs/tiny.toml"), "--out", str(tmp_path / "r"),
                                      "--overwrite", *flags], env={"WANDB_MODE": "offline"})  # no W&B login here
    assert result.exit_code != 0 and words in str(result.exception)
    assert old.read_text() == "{}\n"


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="a GPU is there")
def test_device_cuda_without_a_gpu_is_one_clear_error_before_any_work(tmp_path):
    result = CliRunner().invoke(app, ["train", "--config", str(ROOT / "configs/tiny.toml"), "--out", str(tmp_path / "r"),
                                      "--set", "device=cuda"])
    assert result.exit_code != 0 and "torch sees no GPU" in str(result.exception)
    assert type(result.exception).__name__ == "RingdataError"
    assert not (tmp_path / "r").exists()


def test_report_to_wandb_without_a_login_is_one_line_and_leaves_no_run_dir(tmp_path):
    import os
    import subprocess
    import sys

    pytest.importorskip("wandb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "RINGDATA_DEBUG", "NETRC"))}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT))  # no ~/.netrc, no API key
    proc = subprocess.run([sys.executable, "-m", "ringdata", "train", "-c", str(ROOT / "configs/tiny.toml"),
                           "--out", str(tmp_path / "run"), "--report-to", "wandb"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1 and proc.stderr.startswith("error: --report-to wandb: not logged in"), proc.stderr
    assert "WANDB_MODE=offline" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()
