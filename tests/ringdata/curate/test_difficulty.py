"""Difficulty: pass-rate bounds, problems missing from the table, and bad tables."""

import json

import polars as pl
import pyarrow as pa
import pytest

from ringdata.curate.base import StepContext
from ringdata.curate.difficulty import Difficulty
from ringdata.core.io.runs import read_pass_rates
from ringdata.core.errors import DataError
from ringdata.core.records import PROBLEM_SCHEMA

RATES = pl.DataFrame(
    {"problem_id": ["easy", "hard", "mid", "edge"], "pass_rate": [1.0, 0.0, 0.5, 0.25], "n_samples": [8, 8, 8, 8]}
)


def frame(ids):
    rows = [{"id": i, "source": "t", "domain": "math", "question": f"q {i}", "answer": "1"} for i in ids]
    return pl.from_arrow(pa.Table.from_pylist(rows, schema=PROBLEM_SCHEMA))


def test_default_bounds_drop_always_and_never_solved_and_fill_columns():
    step = Difficulty(RATES)
    out = step(frame(["easy", "hard", "mid", "edge", "unknown"]), StepContext())
    assert out["drop_reason"].to_list() == ["too_easy", "too_hard", None, None, None]
    assert out["pass_rate"].to_list() == [1.0, 0.0, 0.5, 0.25, None]
    assert out["n_samples"].to_list() == [8, 8, 8, 8, None]
    assert out["drop_match"][0] == "pass rate 1.0 over 8 samples"
    assert step.notes["not_in_table"] == 1 and step.notes["not_in_table_by_domain"] == {"math": 1}


@pytest.mark.parametrize(
    "lo,hi,dropped",
    [
        (0.0, 1.0, {"easy", "hard"}),
        (0.25, 1.0, {"easy", "hard", "edge"}),  # bounds are exclusive
        (0.0, 0.5, {"easy", "hard", "mid"}),
    ],
)
def test_bounds(lo, hi, dropped):
    out = Difficulty(RATES, lo, hi)(frame(["easy", "hard", "mid", "edge"]), StepContext())
    assert set(out.filter(pl.col("drop_reason").is_not_null())["id"]) == dropped


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_table_formats(tmp_path, suffix):
    path = tmp_path / f"rates{suffix}"
    {".parquet": RATES.write_parquet, ".csv": RATES.write_csv, ".jsonl": RATES.write_ndjson}[suffix](path)
    assert read_pass_rates(path).equals(RATES)


@pytest.mark.parametrize(
    "content,row,field,words",
    [
        ([{"problem_id": "a", "pass_rate": 0.5}], None, "n_samples", "missing column"),
        ([{"problem_id": "a", "pass_rate": 1.5, "n_samples": 4}], 0, "pass_rate", "[0, 1]"),
        ([{"problem_id": "a", "pass_rate": 0.5, "n_samples": 4}, {"problem_id": "a", "pass_rate": 0.2, "n_samples": 4}],
         1, "problem_id", "more than once"),
        ([{"problem_id": "a", "pass_rate": "high", "n_samples": 4}], None, "pass_rate", "not"),
    ],
)
def test_bad_table_is_one_data_error(tmp_path, content, row, field, words):
    path = tmp_path / "rates.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in content))
    with pytest.raises(DataError) as err:
        read_pass_rates(path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), row, field)
    assert words in str(err.value)


def test_missing_table_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_pass_rates(tmp_path / "nope.parquet")


def test_unrated_problems_are_kept_and_counted_or_dropped_when_asked():
    kept = Difficulty(RATES)
    out = kept(frame(["mid", "unknown", "other"]), StepContext())
    assert out["drop_reason"].to_list() == [None, None, None]
    assert kept.notes["unrated"] == 2 and kept.notes["unrated_were"].startswith("kept")
    dropping = Difficulty(RATES, drop_unrated=True)
    out = dropping(frame(["mid", "unknown", "other"]), StepContext())
    assert out["drop_reason"].to_list() == [None, "no_pass_rate", "no_pass_rate"]
    assert out["drop_match"][1] == "not in the pass-rate table"


def test_curate_says_how_many_problems_had_no_pass_rate(tmp_path, monkeypatch, capsys):
    """A table from another problem set rates nothing: the summary says so, and --drop-unrated
    drops them (the issue's 98%-unrated table that silently kept everything)."""
    from tests.conftest import run_cli

    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps({"id": f"p{i}", "question": f"What is {i} plus three? Give a number.",
                                       "answer": str(i + 3), "domain": "math"}) + "\n" for i in range(4)))
    table = tmp_path / "rates.jsonl"
    table.write_text(json.dumps({"problem_id": "elsewhere", "pass_rate": 0.5, "n_samples": 4}) + "\n")
    code, out, err = run_cli(monkeypatch, capsys, "curate", src, "--out", tmp_path / "a", "--pass-rates", table,
                             "--no-gold-check", "--no-decontam")
    assert code == 0, err
    assert "difficulty: 4 of 4 problems (100%) had no pass rate; kept (--drop-unrated drops them)" in " ".join(out.split())
    code, out, err = run_cli(monkeypatch, capsys, "curate", src, "--out", tmp_path / "b", "--pass-rates", table,
                             "--no-gold-check", "--no-decontam", "--drop-unrated")
    assert code == 0, err
    assert "dropped (no_pass_rate)" in " ".join(out.split()) and "0 kept" in out
