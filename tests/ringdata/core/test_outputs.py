"""Outputs are never silently replaced, and a path that cannot be written fails before any work."""

import json
import time

import pytest

from ringdata.core.errors import RingdataError
from ringdata.core.outputs import check_outputs
from tests.conftest import run_cli

GOOD = {"question": "What is two plus three? Answer with a number.", "answer": "5", "domain": "math"}


def test_an_existing_file_needs_overwrite(tmp_path):
    out = tmp_path / "grades.parquet"
    check_outputs([out])  # nothing there: fine
    out.write_text("x")
    with pytest.raises(RingdataError, match="already exists; pass --overwrite"):
        check_outputs([out])
    check_outputs([out], overwrite=True)


@pytest.mark.parametrize("make,words", [
    (lambda d: (d / "out").mkdir(), "is a directory, but the output is a file"),
    (lambda d: (d / "sub").write_text("x"), "is a file, so"),
])
def test_a_path_that_cannot_be_written_is_named(tmp_path, make, words):
    make(tmp_path)
    target = tmp_path / "out" if words.startswith("is a directory") else tmp_path / "sub" / "out.parquet"
    with pytest.raises(RingdataError, match=words):
        check_outputs([target], overwrite=True)


def test_a_file_where_a_directory_goes_is_named(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(RingdataError, match="is a file, but the output must be a directory"):
        check_outputs(dirs=[tmp_path / "f"], overwrite=True)


@pytest.fixture
def problems(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({**GOOD, "question": f"{GOOD['question']} ({i})"}) + "\n" for i in range(3)))
    return path


def test_curate_twice_refuses_before_reading_then_overwrites(tmp_path, problems, monkeypatch, capsys):
    out = tmp_path / "curated"
    code, _, err = run_cli(monkeypatch, capsys, "curate", problems, "--out", out, "--no-gold-check")
    assert code == 0, err
    first = (out / "report.json").stat().st_mtime_ns
    problems.write_text("{not json\n")  # a second run that read its input would fail on this
    code, _, err = run_cli(monkeypatch, capsys, "curate", problems, "--out", out, "--no-gold-check")
    assert code == 1 and "Traceback" not in err
    assert "problems.parquet already exists; pass --overwrite" in " ".join(err.split())
    assert (out / "report.json").stat().st_mtime_ns == first
    problems.write_text(json.dumps(GOOD) + "\n")
    code, _, err = run_cli(monkeypatch, capsys, "curate", problems, "--out", out, "--no-gold-check", "--overwrite")
    assert code == 0, err
    assert json.loads((out / "report.json").read_text())["rows_in"] == 1


def test_curate_out_naming_a_file_fails_in_the_first_second(tmp_path, problems, monkeypatch, capsys):
    out = tmp_path / "taken"
    out.write_text("mine")
    started = time.perf_counter()
    code, _, err = run_cli(monkeypatch, capsys, "curate", problems, "--out", out)
    assert code == 1 and "Traceback" not in err and "FileExistsError" not in err
    assert "is a file, but the output must be a directory" in " ".join(err.split())
    assert time.perf_counter() - started < 5 and out.read_text() == "mine"
