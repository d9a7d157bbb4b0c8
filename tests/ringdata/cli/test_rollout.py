"""`ringdata rollout` (ringdata/cli/rollout.py) on the real tiny model: rows `ringdata grade` can
read, over-long prompts skipped and named, every failure one line."""

from __future__ import annotations

import json

from ringdata.core.errors import RingdataError
from tests.conftest import assert_one_line_error, ringdata
from train.toy import math_problems


def test_cli_rollout_writes_gradeable_rows(tmp_path, tiny_dir):
    from typer.testing import CliRunner

    from ringdata.cli.main import app
    from rewards.math import check
    from train.toy import write_toy

    problems = math_problems(6, seed=3)
    write_toy(problems, tmp_path / "toy.jsonl")
    out = tmp_path / "rollouts.jsonl"
    result = CliRunner().invoke(app, [
        "rollout", "--model", str(tiny_dir), "--problems", str(tmp_path / "toy.jsonl"), "-k", "3",
        "--out", str(out), "--backend", "hf", "--max-tokens", "16", "--seed", "1",
    ])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["problem_id"], r["sample"]) for r in rows] == [(p.id, s) for p in problems for s in range(3)]
    gold = {p.id: p.answer for p in problems}
    reasons = {check(gold[r["problem_id"]], r["response"]).reason for r in rows}
    assert reasons <= {"correct", "wrong_answer", "no_answer"} and "correct" in reasons | {"wrong_answer"}


def test_cli_rollout_names_a_bad_problem_file(tmp_path, tiny_dir):
    from typer.testing import CliRunner

    from ringdata.cli.main import app

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"domain": "math"}\n')
    result = CliRunner().invoke(app, ["rollout", "--model", str(tiny_dir), "--problems", str(bad), "-k", "1",
                                      "--out", str(tmp_path / "o.jsonl"), "--backend", "hf"])
    assert result.exit_code != 0
    assert isinstance(result.exception, RingdataError) and "bad.jsonl" in str(result.exception)


def test_cli_rollout_skips_and_names_prompts_too_long_for_the_engine(tmp_path, tiny_dir):
    """Like `ringdata train`: a prompt that leaves no room for --max-tokens is skipped, counted and
    listed beside the output, never a ValueError from the backend; when none fits, one line."""
    from ringdata.core.records import Problem
    from train.toy import write_toy

    short = math_problems(2, seed=3)
    long = Problem("toy/long", "math", "toy", "What is " + "1+" * 60 + "1?", answer="61")
    write_toy([short[0], long, short[1]], tmp_path / "p.jsonl")
    out = tmp_path / "r.jsonl"
    args = ["rollout", "--model", tiny_dir, "--problems", tmp_path / "p.jsonl", "-k", "2", "--out", out,
            "--backend", "hf", "--max-tokens", "8"]
    proc = ringdata(*args, "--max-model-len", "72")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["problem_id"], r["sample"]) for r in rows] == [(p.id, s) for p in short for s in range(2)]
    skipped = [json.loads(line) for line in (tmp_path / "r.skipped.jsonl").read_text().splitlines()]
    assert [s["problem_id"] for s in skipped] == ["toy/long"] and "skipped 1 problems" in proc.stdout
    assert_one_line_error(ringdata(*args, "--max-model-len", "32", "--overwrite"), 1, "no problem's prompt fits in 24 tokens")


def test_cli_rollout_refuses_an_existing_out_before_any_work(tmp_path):
    """An existing --out is named before the model is looked at or a problem read (the model and
    problems here do not exist, so any work would fail with another message); the file is intact."""
    from typer.testing import CliRunner

    from ringdata.cli.main import app

    out = tmp_path / "rollouts.jsonl"
    out.write_text("earlier run\n")
    result = CliRunner().invoke(app, ["rollout", "--model", str(tmp_path / "no-model"), "--problems",
                                      str(tmp_path / "no-problems.jsonl"), "--out", str(out)])
    assert result.exit_code != 0 and "already exists; pass --overwrite" in str(result.exception)
    assert out.read_text() == "earlier run\n"


def test_model_path_errors_name_the_actual_problem(tmp_path, untrained_tiny_dir):
    """A path that does not exist is not a Hub id to download; a training stage directory (which
    holds the training config.json) names the model inside it, its final/."""
    import shutil

    from train.toy import write_toy

    write_toy(math_problems(2, seed=3), tmp_path / "p.jsonl")
    stage = tmp_path / "runs" / "demo" / "math"
    shutil.copytree(untrained_tiny_dir, stage / "final")
    (stage / "config.json").write_text('{"seed": 0, "stages": []}')  # what `train` writes beside final/
    common = ["--problems", tmp_path / "p.jsonl", "-k", "1", "--backend", "hf"]
    missing = ringdata("rollout", "--model", "runs/nope/final", *common, "--out", tmp_path / "a.jsonl", cwd=tmp_path)
    assert_one_line_error(missing, 1, "runs/nope/final", "no such directory", "runs holds no nope/final")
    assert "hf download" not in missing.stderr
    staged = ringdata("rollout", "--model", "runs/demo/math", *common, "--out", tmp_path / "b.jsonl", cwd=tmp_path)
    assert_one_line_error(staged, 1, "runs/demo/math", "the model in it: runs/demo/math/final")


def test_limit_counts_problems_that_fit(tmp_path, untrained_tiny_dir):
    """`--limit 2` samples 2 problems even when a too-long one comes first; the skipped one is named."""
    from ringdata.core.records import Problem
    from train.toy import write_toy

    long = Problem("toy/long", "math", "toy", "What is " + "1+" * 60 + "1?", answer="61")
    write_toy([long, *math_problems(3, seed=3)], tmp_path / "p.jsonl")
    out = tmp_path / "r.jsonl"
    proc = ringdata("rollout", "--model", untrained_tiny_dir, "--problems", tmp_path / "p.jsonl", "-k", "1",
                    "--out", out, "--backend", "hf", "--max-tokens", "8", "--max-model-len", "72", "--limit", "2")
    assert proc.returncode == 0, proc.stderr
    assert len({json.loads(line)["problem_id"] for line in out.read_text().splitlines()}) == 2
    assert "skipped 1 problems" in proc.stdout and "toy/long" in proc.stdout
