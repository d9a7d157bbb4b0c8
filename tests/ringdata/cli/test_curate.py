"""`ringdata curate` through the real entry point: every bad input is exit code 1 and one line on
stderr, never a traceback; a good run writes its outputs and prints the funnel."""

import json
import subprocess
import sys

import polars as pl
import pytest

from tests.conftest import DATA
from tests.conftest import run_cli

GOOD = {"question": "What is two plus three? Answer with a number.", "answer": "5", "domain": "math"}


def jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _missing(tmp):
    return [tmp / "nope.jsonl"], "no such file"


def _bad_json(tmp):
    p = tmp / "bad.jsonl"
    p.write_text(json.dumps(GOOD) + "\n{oops\n")
    return [p], "row 2"  # the second line: rows count from 1, as lines do


def _latin1(tmp):
    p = tmp / "latin1.jsonl"
    p.write_bytes('{"question": "caf\xe9?", "domain": "math"}\n'.encode("latin-1"))
    return [p], "not UTF-8"


def _empty(tmp):
    p = tmp / "empty.jsonl"
    p.write_text("")
    return [p], "empty"


def _wrong_type(tmp):
    return [jsonl(tmp / "t.jsonl", [GOOD, {**GOOD, "question": ["a list"]}])], "field 'question'"


def _missing_field(tmp):
    return [jsonl(tmp / "m.jsonl", [{"problem": "p", "solution": "\\boxed{1}"}, {"solution": "x", "problem": None}])], "field 'problem'"


def _unknown_format(tmp):
    return [jsonl(tmp / "a.jsonl", [GOOD]), "--format", "nosuch"], "unknown --format"


def _undetectable(tmp):
    return [jsonl(tmp / "a.jsonl", [{"body": "text", "gold": "1"}])], "--format"


def _ambiguous(tmp):
    row = {"problem": "Add.", "solution": "\\boxed{3}", "tests": [{"input": "1 2", "output": "3"}]}
    return [jsonl(tmp / "a.jsonl", [row])], "fit several formats"


def _bad_field_map(tmp):
    return [jsonl(tmp / "a.jsonl", [GOOD]), "--field", "question"], "FIELD=COLUMN"


def _bad_bounds(tmp):
    return [jsonl(tmp / "a.jsonl", [GOOD]), "--min-pass-rate", "0.9", "--max-pass-rate", "0.1"], "min < max"


def _bad_pass_rates(tmp):
    rates = tmp / "rates.csv"
    rates.write_text("problem_id,pass_rate\na,0.5\n")
    return [jsonl(tmp / "a.jsonl", [GOOD]), "--pass-rates", rates], "n_samples"


@pytest.mark.parametrize(
    "make",
    [_missing, _bad_json, _latin1, _empty, _wrong_type, _missing_field, _unknown_format, _undetectable, _ambiguous,
     _bad_field_map, _bad_bounds, _bad_pass_rates],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys, make):
    args, words = make(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "curate", *args, "--out", tmp_path / "out")
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error:") and words in lines[0]
    assert "Traceback" not in err + out
    assert not (tmp_path / "out" / "problems.parquet").exists()


def test_good_run_writes_outputs_and_prints_funnel(tmp_path, monkeypatch, capsys):
    src = jsonl(tmp_path / "mine.jsonl", [GOOD, {**GOOD, "question": "Prove that 7 is prime."} | {"answer": None}])
    code, out, err = run_cli(monkeypatch, capsys, "curate", src, "--out", tmp_path / "out", "--no-decontam")
    assert code == 0, err
    assert "proof_without_answer" in out and "2 problems in" in out
    assert pl.read_parquet(tmp_path / "out" / "problems.parquet").height == 1
    assert pl.read_parquet(tmp_path / "out" / "dropped.parquet")["drop_reason"].to_list() == ["proof_without_answer"]


def test_options_reach_the_library(tmp_path, monkeypatch, capsys):
    rows = [{"body": "Is 91 prime or not, exactly?", "gold": "No"}, {"body": "Short", "gold": "1"}]
    src = jsonl(tmp_path / "odd.jsonl", rows)
    args = ["curate", src, "--out", tmp_path / "out", "--field", "question=body,answer=gold", "--domain", "math",
            "--source", "mine", "--min-chars", "3", "--keep-choice-questions", "--no-decontam", "--no-gold-check"]  # fmt: skip
    code, out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    kept = pl.read_parquet(tmp_path / "out" / "problems.parquet")
    assert sorted(kept["question"].to_list()) == ["Is 91 prime or not, exactly?", "Short"]
    assert set(kept["source"]) == {"mine"}
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["config"]["clean"]["choice_domains"] == [] and report["config"]["clean"]["min_chars"] == 3


def test_console_script_end_to_end(tmp_path):
    """The installed command, as a user runs it, on a bundled file and on a missing one."""
    out = tmp_path / "out"
    ok = subprocess.run(
        [sys.executable, "-m", "ringdata.cli.main", "curate", str(DATA / "problems" / "scibench.jsonl"), "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert (out / "problems.parquet").exists() and (out / "report.html").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "ringdata.cli.main", "curate", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "out2")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert [line for line in bad.stderr.splitlines() if line.strip()] == [f"error: {tmp_path / 'missing.jsonl'}: no such file or directory (check the path)"]


def test_evalset_and_ngram_options_decontaminate(tmp_path, monkeypatch, capsys):
    leaked = "A train leaves the station at noon travelling at sixty miles per hour towards a city two hundred miles away."
    rows = [{**GOOD, "question": leaked + " When does it arrive?"}, GOOD]
    src = jsonl(tmp_path / "train.jsonl", rows)
    evalset = jsonl(tmp_path / "eval.jsonl", [{"id": "e1", "question": leaked + " At what time will it arrive?", "domain": "math"}])
    args = ["curate", src, "--out", tmp_path / "out", "--evalset", evalset, "--ngram", "8", "--no-gold-check"]
    code, out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    dropped = pl.read_parquet(tmp_path / "out" / "dropped.parquet")
    assert dropped["drop_reason"].to_list() == ["contaminated"]
    assert dropped["question"][0].startswith("A train leaves")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    from ringdata.curate.decontam import BUNDLED_EVALSETS

    assert report["config"]["ngram"] == 8 and report["config"]["evalsets"] == [*BUNDLED_EVALSETS, str(evalset)]


def test_evalsets_option_chooses_the_sets_and_the_report_counts_drops_per_set(tmp_path, monkeypatch, capsys):
    # a real AIME 2024 problem and a real MATH-500 one pasted into a training file
    aime = json.loads((DATA / "evalsets" / "aime2024.jsonl").read_text().splitlines()[0])["problem"]
    m500 = json.loads((DATA / "evalsets" / "math500.jsonl").read_text().splitlines()[0])["problem"]
    src = jsonl(tmp_path / "train.jsonl", [{**GOOD, "question": aime}, {**GOOD, "question": m500}, GOOD])
    own = jsonl(tmp_path / "private.jsonl", [{"question": GOOD["question"]}])

    def run(*options):
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        code, _, err = run_cli(monkeypatch, capsys, "curate", src, "--out", out, "--no-gold-check", "--no-dedup", *options)
        if code:
            return code, err
        steps = {s["name"]: s for s in json.loads((out / "report.json").read_text())["steps"]}
        return steps.get("decontaminate", {}).get("notes", {}).get("dropped by evalset")

    every = run()
    assert every["aime2024"] == 1 and every["math500"] == 1 and every["gsm8k_test"] == 0 and len(every) == 8
    assert run("--evalsets", "aime2024") == {"aime2024": 1}
    assert run("--evalsets", f"math500,{own}") == {"math500": 1, "private": 1}
    assert run("--evalsets", "none") is None  # no decontamination step at all
    code, err = run("--evalsets", "aime2042")
    assert code == 1 and err.strip().splitlines() == [(
        "error: evaluation set 'aime2042' is neither a bundled set (aime2024, aime2025, amc2023, math500, math_test, "
        "gsm8k_test, humaneval, mbpp_test, or 'bundled' for all, 'none' for none) nor a file")]  # fmt: skip
