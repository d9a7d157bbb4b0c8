"""ringdata/io/runs.py: every file that crosses a command is written and read back by one pair."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from ringdata.errors import DataError
from ringdata.io.runs import (
    PASS_RATE_SCHEMA, RESPONSE_SCHEMA, VERDICT_SCHEMA, GradeOutputs, PassRate, Rejected, Response, read_pass_rates,
    read_responses, read_verdicts, skipped_path, write_pass_rates, write_rejected, write_responses, write_verdicts,
)  # fmt: skip

RESPONSES = [Response("a", 0, "x", "stop", 3), Response("a", 1, "y", "length", 8), Response("b", 0, "", None, None)]


@pytest.mark.parametrize("name", ["r.jsonl", "r.parquet"])
def test_responses_round_trip(tmp_path, name):
    path = write_responses(tmp_path / name, RESPONSES)
    if name.endswith(".parquet"):
        assert pq.read_schema(path).remove_metadata() == RESPONSE_SCHEMA
    got = read_responses(path, {"a", "b"})
    assert got.rows == RESPONSES and got.rejected == []


def test_read_responses_counts_every_bad_row(tmp_path):
    path = tmp_path / "r.jsonl"
    lines = [
        json.dumps({"problem_id": "a", "response": "x"}),
        json.dumps({"problem_id": "a", "response": "y"}),  # sample 1 assigned
        json.dumps({"problem_id": "a", "sample": 1, "response": "z"}),  # repeated sample
        json.dumps({"problem_id": "zzz", "response": "x"}),  # unknown id
        "{not json",
        json.dumps({"response": "x"}),  # no problem_id
        json.dumps({"problem_id": "a", "response": 3}),  # not a string
        json.dumps({"problem_id": "a", "sample": -1, "response": "x"}),
        json.dumps({"problem_id": "a", "response": None}),  # graded as an empty response
    ]
    path.write_text("\n".join(lines) + "\n")
    got = read_responses(path, {"a"})
    assert [(r.problem_id, r.sample) for r in got.rows] == [("a", 0), ("a", 1), ("a", 2)]
    assert [r.line for r in got.rejected] == [3, 4, 5, 6, 7, 8]
    assert len(got.rows) + len(got.rejected) == len(lines)
    out = write_rejected(tmp_path / "rejected.jsonl", got.rejected)
    assert [Rejected(**json.loads(line)) for line in out.read_text().splitlines()] == got.rejected


def test_pass_rates_round_trip_through_the_reader_curate_uses(tmp_path):
    path = write_pass_rates(tmp_path / "g.pass_rates.parquet", [PassRate("a", 0.25, 4), PassRate("b", 1.0, 2)])
    assert pq.read_schema(path).remove_metadata() == PASS_RATE_SCHEMA
    table = read_pass_rates(path)
    assert table.rows() == [("a", 0.25, 4), ("b", 1.0, 2)]


def test_verdicts_round_trip_and_a_foreign_table_is_named(tmp_path):
    row = {"problem_id": "a", "sample": 0, "domain": "math", "reward": 1.0, "correct": True, "reason": "correct",
           "extracted": "1", "detail": "", "pass_fraction": None, "seconds": 0.1}
    path = write_verdicts(tmp_path / "g.parquet", [row])
    assert read_verdicts(path).to_pylist() == [row]
    write_pass_rates(tmp_path / "p.parquet", [PassRate("a", 0.5, 2)])
    with pytest.raises(DataError, match="p.parquet, field 'sample': missing column"):
        read_verdicts(tmp_path / "p.parquet")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        read_verdicts(tmp_path / "bad.parquet")
    assert set(VERDICT_SCHEMA.names) >= {"reward", "reason", "extracted"}


def test_the_files_beside_an_output_are_named_once(tmp_path):
    paths = GradeOutputs.beside(tmp_path / "grades.parquet")
    assert (paths.pass_rates.name, paths.rejected.name) == ("grades.pass_rates.parquet", "grades.rejected.jsonl")
    assert skipped_path(tmp_path / "r.jsonl").name == "r.skipped.jsonl"
