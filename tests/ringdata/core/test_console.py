"""Messages are the lines they are when the output is not a terminal, whatever `COLUMNS` says
(ringdata/core/console.py), and no module makes a rich Console any other way."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ringdata.core.console import make_console
from ringdata.core.records import Problem, problems_to_table
from tests.conftest import ROOT, run_cli

WIDTHS = [None, "80", "200"]  # unset (rich's 80 off a terminal), a narrow and a wide terminal's


@pytest.fixture(params=WIDTHS, ids=lambda w: f"COLUMNS={w}")
def columns(request, monkeypatch):
    if request.param is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", request.param)
    monkeypatch.delenv("LINES", raising=False)
    return request.param


def _long_dir(tmp_path: Path) -> Path:
    deep = tmp_path / ("a-directory-name-long-enough-to-cross-any-terminal-width-" * 3) / "and-deeper"
    deep.mkdir(parents=True)
    return deep


def test_a_long_line_is_one_line_off_a_terminal(columns, capsys):
    text = "word " * 100
    make_console().print(text.strip())
    make_console(stderr=True).print(text.strip())
    out, err = capsys.readouterr()
    assert out == err == text.strip() + "\n"


def test_cli_notices_and_errors_are_one_line(columns, monkeypatch, capsys, tmp_path):
    deep = _long_dir(tmp_path)
    pq.write_table(problems_to_table([Problem(id="m1", domain="math", source="t", question="What is 0+1?",
                                              answer="1")]), deep / "problems.parquet")
    (deep / "r.jsonl").write_text(json.dumps({"problem_id": "m1", "response": "\\boxed{1}"}) + "\n")
    code, out, err = run_cli(monkeypatch, capsys, "grade", "--problems", deep / "problems.parquet", "--responses",
                             deep / "r.jsonl", "--out", deep / "g.parquet", "--workers", "1", "--resume")
    assert code == 0, err
    notice = [line for line in err.splitlines() if "nothing to resume in" in line]
    assert len(notice) == 1 and "grading every row" in notice[0] and str(deep) in notice[0], err
    wrote = [line for line in out.splitlines() if line.startswith("wrote ")]
    assert len(wrote) == 1 and str(deep / "g.parquet") in wrote[0], out

    code, out, err = run_cli(monkeypatch, capsys, "grade", "--problems", deep / "missing.parquet", "--responses",
                             deep / "r.jsonl", "--out", deep / "g2.parquet")
    assert code != 0 and err.count("\n") == 1 and str(deep / "missing.parquet") in err, err


def test_no_module_makes_its_own_console():
    """A `Console(...)` made elsewhere would wrap a piped message again: make_console is the way."""
    offenders = []
    for package in ("ringdata", "rewards", "sandboxes", "train"):
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "ringdata" / "core" / "console.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Console":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"use ringdata.core.console.make_console: {offenders}"
