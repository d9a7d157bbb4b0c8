"""ringdata/core/io/problems.py: `read_problems` (what `ringdata curate` reads with), `--field`,
stable ids, `write_problems` (exactly PROBLEM_SCHEMA) and `read_curated` (a curated file or
folder, by domain), on real files written to a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ringdata.core.errors import DataError, RingdataError
from ringdata.core.io.problems import ReadConfig, parse_field_map, read_curated, read_problems, write_problems
from ringdata.core.records import PROBLEM_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_field_map_parses_and_names_the_fix():
    assert parse_field_map("question=problem, answer=solution") == (("question", "problem"), ("answer", "solution"))
    assert parse_field_map(None) == ()
    with pytest.raises(RingdataError, match="is not FIELD=COLUMN"):
        parse_field_map("question")


def test_renamed_columns_are_read_and_ids_are_stable(tmp_path):
    rows = [{"problem": "What is 1+1?", "solution": "2"}, {"problem": "What is 2+2?", "solution": "4"}]
    path = jsonl(tmp_path / "mine.jsonl", rows)
    config = ReadConfig(fields=parse_field_map("question=problem,answer=solution"), domain="math")
    first, again = read_problems([path], config), read_problems([path], config)
    frame = first.frame
    assert frame["question"].to_list() == [r["problem"] for r in rows] and frame["answer"].to_list() == ["2", "4"]
    assert frame["id"].to_list() == again.frame["id"].to_list() and frame["id"].n_unique() == 2
    assert set(frame["domain"]) == {"math"} and [s.rows for s in first.inputs] == [2]


def test_a_repeated_native_id_gets_a_suffix_in_input_order(tmp_path):
    """SciBench reuses a few ids: the later rows become `#2`, `#3`, none is lost."""
    rows = [{"id": "p1", "question": f"What is {n}+{n}?", "answer": str(2 * n)} for n in (1, 2, 3)]
    ids = read_problems([jsonl(tmp_path / "set.jsonl", rows)], ReadConfig(domain="math")).frame["id"].to_list()
    assert len(set(ids)) == 3 and ids[1] == f"{ids[0]}#2" and ids[2] == f"{ids[0]}#3"


def test_written_problems_have_exactly_the_schema_and_read_back_by_domain(tmp_path):
    frame = read_problems([FIXTURES / "humaneval_two.jsonl"]).frame
    out = write_problems(frame, tmp_path / "problems.parquet")
    assert pq.read_schema(out).names == PROBLEM_SCHEMA.names
    assert [p.id for p in read_curated(tmp_path)] == frame["id"].to_list()  # the folder: its problems.parquet
    with pytest.raises(DataError, match="no math problems"):
        read_curated(out, ("math",))


def test_a_curated_folder_without_problems_names_the_command(tmp_path):
    with pytest.raises(DataError, match="ringdata curate --out DIR"):
        read_curated(tmp_path)
    with pytest.raises(DataError, match="not found"):
        read_curated(tmp_path / "missing.parquet")
