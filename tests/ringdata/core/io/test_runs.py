"""ringdata/core/io/runs.py: every file that crosses a command is written and read back by one pair."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from ringdata.core.errors import DataError
from ringdata.core.io.runs import (
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


@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 100])
def test_planned_chunks_read_back_what_the_streaming_reader_reads(tmp_path, chunk_rows):
    """`plan_response_chunks` + `read_response_chunk` (one Ray Data read task per chunk) give the
    rows, line numbers and chunk boundaries of `iter_responses`, for JSONL (blank and whitespace
    lines, CRLF, a broken line, no final newline) and Parquet (chunks across row groups)."""
    import pyarrow as pa

    from ringdata.core.io.runs import iter_responses, plan_response_chunks, read_response_chunk

    rows = [{"problem_id": f"p{i % 4}", "response": f"r{i}"} for i in range(17)]
    lines = [json.dumps(r) for r in rows]
    lines[3:3] = ["", "   ", "{broken"]
    lines[9] += "\r"  # a CRLF line
    (tmp_path / "r.jsonl").write_bytes("\n".join(lines).encode())  # no final newline
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "r.parquet", row_group_size=5)
    for name in ("r.jsonl", "r.parquet"):
        path = tmp_path / name
        chunks = plan_response_chunks(path, chunk_rows)
        streamed = list(iter_responses(path, {f"p{i}" for i in range(4)}, chunk_rows))
        assert len(chunks) == len(streamed)
        read = [read_response_chunk(path, c) for c in chunks]
        for c, got, want in zip(chunks, read, streamed):
            assert c.rows == len(got) == len(want.rows) + len(want.rejected)
            assert {r.line for r in want.rejected} == {n for n, row in got if not isinstance(row, dict)}
        text = (tmp_path / "r.jsonl").read_text()
        lines_with_rows = ([i + 1 for i, line in enumerate(text.split("\n")) if line.strip()] if name == "r.jsonl"
                           else list(range(1, len(rows) + 1)))
        assert [n for chunk in read for n, _ in chunk] == lines_with_rows
        flat = [row for chunk in read for _, row in chunk]
        assert [r["response"] for r in flat if isinstance(r, dict)] == [r["response"] for r in rows]
