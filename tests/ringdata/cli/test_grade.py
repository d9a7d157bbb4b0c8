"""`ringdata grade` through the real entry point: outputs, pass rates, counted bad rows, one-line
errors, and the bundled demo (curate's bundled output + data/demo/responses.jsonl)."""

from __future__ import annotations

import json

import polars as pl
import pyarrow.parquet as pq
import pytest

from ringdata.core.records import Problem, problems_to_table
from tests.conftest import DATA, ROOT
from tests.conftest import run_cli

PROBLEMS = [
    Problem(id="m1", domain="math", source="t", question="What is 2+3?", answer="5"),
    Problem(id="m2", domain="math", source="t", question="Half of one?", answer="\\frac{1}{2}"),
    Problem(id="s1", domain="science", source="t", question="Pick", answer="B", choices=("x", "y", "z")),
    Problem(id="s2", domain="science", source="t", question="Speed?", answer="3.2", metadata={"unit": "m/s"}),
]
RESPONSES = [
    {"problem_id": "m1", "response": "\\boxed{5}"},
    {"problem_id": "m1", "response": "\\boxed{6}"},
    {"problem_id": "m2", "sample": 0, "response": "The final answer is $0.5$."},
    {"problem_id": "m2", "sample": 1, "response": ""},
    {"problem_id": "s1", "response": "Answer: (B)"},
    {"problem_id": "s2", "response": "\\boxed{11.52 km/h}"},
    {"problem_id": "nope", "response": "\\boxed{5}"},
]


@pytest.fixture
def inputs(tmp_path):
    problems = tmp_path / "problems.parquet"
    pq.write_table(problems_to_table(PROBLEMS), problems)
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps(r) + "\n" for r in RESPONSES) + "{broken\n")
    return problems, responses


def test_grade_writes_verdicts_pass_rates_and_rejected_rows(monkeypatch, capsys, tmp_path, inputs):
    problems, responses = inputs
    out = tmp_path / "g" / "grades.parquet"
    code, stdout, err = run_cli(monkeypatch, capsys, "grade", "--problems", problems, "--responses", responses,
                                "--out", out, "--workers", "2")
    assert code == 0, err
    grades = pl.read_parquet(out)
    assert set(grades.columns) >= {"problem_id", "sample", "reward", "correct", "reason", "extracted", "seconds", "detail", "pass_fraction"}
    got = {(r["problem_id"], r["sample"]): r["reason"] for r in grades.iter_rows(named=True)}
    assert got == {("m1", 0): "correct", ("m1", 1): "wrong_answer", ("m2", 0): "correct", ("m2", 1): "empty_response",
                   ("s1", 0): "correct", ("s2", 0): "correct"}
    rates = {r["problem_id"]: (r["pass_rate"], r["n_samples"]) for r in pl.read_parquet(tmp_path / "g" / "grades.pass_rates.parquet").iter_rows(named=True)}
    assert rates == {"m1": (0.5, 2), "m2": (0.5, 2), "s1": (1.0, 1), "s2": (1.0, 1)}
    rejected = [json.loads(l) for l in (tmp_path / "g" / "grades.rejected.jsonl").read_text().splitlines()]
    assert [r["why"] for r in rejected][0] == "unknown problem_id" and rejected[1]["why"].startswith("not JSON")
    assert "pass@1" in stdout and "unknown problem_id" in stdout and "empty_response" in stdout


def test_detail_can_be_left_out_of_the_written_verdicts(monkeypatch, capsys, tmp_path, inputs):
    problems, responses = inputs
    out = tmp_path / "grades.parquet"
    code, _, err = run_cli(monkeypatch, capsys, "grade", "--problems", problems, "--responses", responses,
                           "--out", out, "--workers", "1", "--no-detail")
    assert code == 0, err
    grades = pl.read_parquet(out)
    assert grades["detail"].null_count() == len(grades) and set(grades["reason"]) >= {"wrong_answer", "correct"}


@pytest.mark.parametrize(
    "args,message,exit_code",
    [
        (["--responses", "{tmp}/missing.jsonl"], "no such responses file", 1),
        (["--sandbox", "vm"], "--sandbox", 2),  # a usage error: click's exit code
        (["--workers", "0"], "--workers", 2),  # a range typer checks (min=1): a usage error too
        (["--k", "0"], "--k", 2),
        (["--timeout", "0"], "--timeout must be positive", 1),  # an open interval typer cannot say
        (["--resume", "--overwrite"], "pass one", 1),
    ],
)
def test_bad_options_are_one_line_errors(monkeypatch, capsys, tmp_path, inputs, args, message, exit_code):
    problems, responses = inputs
    base = {"--problems": str(problems), "--responses": str(responses), "--out": str(tmp_path / "o.parquet")}
    extra = [a.replace("{tmp}", str(tmp_path)) for a in args]
    for key in extra[::2]:
        base.pop(key, None)
    argv = [x for kv in base.items() for x in kv] + extra
    code, _, err = run_cli(monkeypatch, capsys, "grade", *argv)
    assert code == exit_code and message in err and "Traceback" not in err


def test_bundled_demo_grades_every_row(monkeypatch, capsys, tmp_path):
    """The README's demo: curate the bundled problems, grade the bundled responses."""
    curated = tmp_path / "curated"
    code, _, err = run_cli(monkeypatch, capsys, "curate", DATA / "problems", "--out", curated)
    assert code == 0, err
    responses = ROOT / "data" / "demo" / "responses.jsonl"
    out = tmp_path / "grades.parquet"
    code, stdout, err = run_cli(monkeypatch, capsys, "grade", "--problems", curated / "problems.parquet",
                                "--responses", responses, "--out", out, "--workers", "2", "--sandbox", "auto")
    assert code == 0, err
    lines = [l for l in responses.read_text().splitlines() if l.strip()]
    grades = pl.read_parquet(out)
    rejected = (tmp_path / "grades.rejected.jsonl").read_text().splitlines()
    assert grades.height + len(rejected) == len(lines), "a demo row was silently dropped"
    reasons = set(grades["reason"])
    assert {"correct", "wrong_answer", "empty_response", "no_answer"} <= reasons
    assert set(grades["domain"]) == {"math", "science", "code"}
    assert len(rejected) >= 3
    code_reasons = set(grades.filter(pl.col("domain") == "code")["reason"])
    assert {"correct", "wrong_answer"} <= code_reasons, f"code rows were not run in a sandbox: {code_reasons}"


def test_nothing_graded_is_an_error_not_an_empty_table(monkeypatch, capsys, tmp_path, inputs):
    """Responses to another problem set: exit 1 naming why, no pass-rate table for a following
    `curate --pass-rates` to keep everything with, and the rejected rows kept for a look."""
    problems, _ = inputs
    responses = tmp_path / "other.jsonl"
    responses.write_text("".join(json.dumps({"problem_id": f"x{i}", "response": "\\boxed{1}"}) + "\n" for i in range(5)))
    out = tmp_path / "g" / "grades.parquet"
    code, _, err = run_cli(monkeypatch, capsys, "grade", "--problems", problems, "--responses", responses, "--out", out)
    assert code == 1 and "Traceback" not in err
    assert "nothing to grade: none of its 5 rows could be graded (5 unknown problem_id)" in " ".join(err.split())
    assert not out.exists() and not (tmp_path / "g" / "grades.pass_rates.parquet").exists()
    assert len((tmp_path / "g" / "grades.rejected.jsonl").read_text().splitlines()) == 5


def test_mostly_rejected_rows_warn(monkeypatch, capsys, tmp_path, inputs):
    problems, _ = inputs
    responses = tmp_path / "mostly.jsonl"
    rows = [{"problem_id": "m1", "response": "\\boxed{5}"}] + [{"problem_id": f"x{i}", "response": "1"} for i in range(3)]
    responses.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, _, err = run_cli(monkeypatch, capsys, "grade", "--problems", problems, "--responses", responses,
                           "--out", tmp_path / "g.parquet", "--workers", "1")
    assert code == 0, err
    assert "warning: 3 of 4 response rows (75%) were not graded (3 unknown problem_id)" in " ".join(err.split())


def test_grade_twice_needs_overwrite_and_drops_a_stale_rejected_file(monkeypatch, capsys, tmp_path, inputs):
    problems, responses = inputs
    out = tmp_path / "grades.parquet"
    argv = ["grade", "--problems", problems, "--responses", responses, "--out", out, "--workers", "1"]
    assert run_cli(monkeypatch, capsys, *argv)[0] == 0
    code, _, err = run_cli(monkeypatch, capsys, *argv)
    assert code == 1 and "already exists; pass --overwrite" in " ".join(err.split())
    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps({"problem_id": "m1", "response": "\\boxed{5}"}) + "\n")
    code, _, err = run_cli(monkeypatch, capsys, "grade", "--problems", problems, "--responses", clean, "--out", out,
                           "--workers", "1", "--overwrite")
    assert code == 0, err
    assert not (tmp_path / "grades.rejected.jsonl").exists(), "a rejected file from the first run was left behind"
