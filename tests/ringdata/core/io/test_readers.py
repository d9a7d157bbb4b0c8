"""Readers: every supported container, and every kind of broken input gives one DataError that
names the file (and the row where there is one)."""

import gzip
import json

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringdata.core.errors import DataError
from ringdata.core.io.problems import read_problems, to_table
from ringdata.core.io.readers import expand_inputs, read_raw
from ringdata.core.records import COLUMNS, PROBLEM_SCHEMA

ROWS = [
    {"question": "What is 2 + 3? Give the number.", "answer": "5", "domain": "math", "pass_rate": 0.5, "n_samples": 8},
    {"question": "Write a program that prints hello.", "domain": "code", "tests": [{"input": "", "output": "hello\n"}]},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ---- containers --------------------------------------------------------------------------------


def test_jsonl_json_parquet_csv_and_gzip_read_the_same_rows(tmp_path):
    jsonl = write_jsonl(tmp_path / "a.jsonl", ROWS)
    (tmp_path / "b.json").write_text(json.dumps(ROWS))
    pq.write_table(pa.Table.from_pylist([{**r, "tests": json.dumps(r.get("tests"))} for r in ROWS]), tmp_path / "c.parquet")
    pl.DataFrame([{**r, "tests": json.dumps(r.get("tests"))} for r in ROWS]).write_csv(tmp_path / "d.csv")
    (tmp_path / "e.jsonl.gz").write_bytes(gzip.compress(jsonl.read_bytes()))
    for name in ("a.jsonl", "b.json", "c.parquet", "d.csv", "e.jsonl.gz"):
        frame = read_problems([tmp_path / name]).frame
        assert tuple(frame.columns) == COLUMNS, name
        assert to_table(frame, file=name).schema.equals(PROBLEM_SCHEMA), name
        assert frame["question"].to_list() == [r["question"] for r in ROWS], name
        assert frame["tests"].to_list()[1] == [{"input": "", "output": "hello\n", "assert": None}], name
        assert frame["answer"].to_list() == ["5", None], name
        assert frame["pass_rate"].to_list() == [0.5, None] and frame["n_samples"].to_list() == [8, None], name


def test_datasets_save_to_disk_folder_is_read(tmp_path):
    import datasets

    datasets.Dataset.from_list([{"problem": "Compute $1+1$.", "solution": "It is $\\boxed{2}$."}]).save_to_disk(
        str(tmp_path / "ds")
    )
    frame = read_problems([tmp_path / "ds"]).frame
    assert frame["answer"].to_list() == ["2"] and frame["domain"].to_list() == ["math"]


def test_datasets_folders_are_read_in_order_across_shards_without_importing_datasets(tmp_path):
    """The reader uses pyarrow on the shard files; a selected, shuffled, sharded dataset reads back
    exactly as `datasets` would give it, and a broken folder is one DataError."""
    import datasets

    rows = [{"question": f"q{i}", "domain": "math", "answer": str(i)} for i in range(10)]
    ds = datasets.Dataset.from_list(rows).shuffle(seed=1).select(range(7))
    ds.save_to_disk(str(tmp_path / "ds"), num_shards=3)
    assert read_raw(tmp_path / "ds").rows == ds.to_list()
    (tmp_path / "ds" / "state.json").write_text("{}")
    with pytest.raises(DataError, match="not a readable datasets folder"):
        read_raw(tmp_path / "ds")


def test_datasets_dict_folder_asks_for_one_split(tmp_path):
    import datasets

    one = datasets.Dataset.from_list([{"question": "q", "domain": "math"}])
    datasets.DatasetDict({"train": one, "test": one}).save_to_disk(str(tmp_path / "dd"))
    with pytest.raises(DataError, match="several splits") as err:
        read_raw(tmp_path / "dd")
    assert "dd/train" in str(err.value) or "dd/test" in str(err.value)


def test_directory_means_every_data_file_inside_once(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", ROWS[:1])
    (tmp_path / "sub").mkdir()
    write_jsonl(tmp_path / "sub" / "b.jsonl", ROWS[1:])
    (tmp_path / "README.md").write_text("not data")
    found = expand_inputs([tmp_path, tmp_path / "a.jsonl"])
    assert [p.name for p in found] == ["a.jsonl", "b.jsonl"]
    result = read_problems([tmp_path])
    assert result.frame.height == 2 and [i.rows for i in result.inputs] == [1, 1]


# ---- broken inputs: one DataError each, naming file, row and what to do -------------------------


def _bad_json_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps(ROWS[0]) + "\n" + '{"question": "x", "domain": \n')
    return p, 1, "not valid JSON"


def _not_utf8(tmp_path):
    p = tmp_path / "latin1.jsonl"
    p.write_bytes(json.dumps(ROWS[0]).encode() + b"\n" + '{"question": "caf\xe9 au lait?", "domain": "math"}\n'.encode("latin-1"))
    return p, 1, "not UTF-8"


def _empty(tmp_path):
    p = tmp_path / "empty.jsonl"
    p.write_text("\n\n")
    return p, None, "empty"


def _unknown_suffix(tmp_path):
    p = tmp_path / "problems.xlsx"
    p.write_bytes(b"PK\x03\x04")
    return p, None, "cannot read files named"


def _missing(tmp_path):
    return tmp_path / "nope.jsonl", None, "no such file"


def _not_an_object(tmp_path):
    p = tmp_path / "list.jsonl"
    p.write_text(json.dumps(ROWS[0]) + "\n[1, 2]\n")
    return p, 1, "expected an object"


def _broken_parquet(tmp_path):
    p = tmp_path / "broken.parquet"
    p.write_bytes(b"PAR1 this is not parquet")
    return p, None, "not a readable Parquet file"


def _empty_dir(tmp_path):
    (tmp_path / "nothing").mkdir()
    (tmp_path / "nothing" / "notes.txt").write_text("x")
    return tmp_path / "nothing", None, "no data files"


@pytest.mark.parametrize(
    "make",
    [_bad_json_line, _not_utf8, _empty, _unknown_suffix, _missing, _not_an_object, _broken_parquet, _empty_dir],
)
def test_broken_input_is_one_data_error(tmp_path, make):
    path, row, words = make(tmp_path)
    with pytest.raises(DataError) as err:
        read_problems([path])
    assert words in str(err.value)
    assert err.value.file == str(path) and str(path) in str(err.value)
    assert err.value.row == row
    assert "\n" not in str(err.value)
