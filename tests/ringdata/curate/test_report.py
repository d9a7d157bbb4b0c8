"""`ringdata report`: the curation summary, the HTML page, and dispatch to training-run reports."""

import json
import sys
import types

import pytest

from ringdata.curate.pipeline import curate
from tests.conftest import DATA
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    out = tmp_path_factory.mktemp("curated")
    curate([DATA / "problems" / "math_train.jsonl", DATA / "problems" / "code_contests_rllm.jsonl"], out)
    return out


def test_report_prints_funnel_reasons_and_html_path(curated, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "report", curated)
    assert code == 0, err
    report = json.loads((curated / "report.json").read_text())
    for step in report["steps"]:
        assert step["name"] in out
    assert "needs_figure" in out and "multiple_choice" in out  # drops by reason
    assert f"{report['rows_in']:,} problems in" in out and f"{report['rows_kept']:,} kept" in out
    assert str((curated / "report.html").resolve()) in out.replace("\n", "")


def test_report_regenerates_a_missing_html_page(curated, monkeypatch, capsys):
    (curated / "report.html").unlink()
    code, _, err = run_cli(monkeypatch, capsys, "report", curated)
    assert code == 0, err
    assert "data:image/png;base64," in (curated / "report.html").read_text()


@pytest.mark.parametrize(
    "setup,words",
    [
        (lambda d: None, "neither a curate output"),
        (lambda d: (d / "report.json").write_text("{not json"), "not a readable report"),
        (lambda d: (d / "report.json").write_text('{"version": 99}'), "not a ringdata curation report"),
    ],
)
def test_report_on_wrong_directory_is_one_line(tmp_path, monkeypatch, capsys, setup, words):
    setup(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "report", tmp_path)
    assert code == 1 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0]


def test_report_on_missing_directory(tmp_path, monkeypatch, capsys):
    code, _, err = run_cli(monkeypatch, capsys, "report", tmp_path / "nope")
    assert code == 1 and "not a directory" in err


@pytest.mark.parametrize("layout", ["metrics.jsonl", "stage1/metrics.jsonl"])
def test_training_run_directory_dispatches_to_train_report(tmp_path, monkeypatch, capsys, layout):
    """Only the dispatch is tested here (the renderer has its own tests in tests/train): a stand-in
    `train.report` records the call."""
    (tmp_path / layout).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / layout).write_text('{"step": 1, "reward": 0.5}\n')
    from train.report import is_comparison_dir, is_run_dir

    calls = []
    fake = types.ModuleType("train.report")
    fake.is_run_dir = is_run_dir  # what makes a directory a run is train.report's to say
    fake.is_comparison_dir = is_comparison_dir
    fake.print_comparison = fake.render_comparison = None  # a run directory never reaches them
    fake.render_run = lambda run_dir: calls.append(run_dir) or run_dir / "report.html"
    fake.print_run_summary = lambda run_dir, console: console.print("stage summary")
    monkeypatch.setitem(sys.modules, "train.report", fake)
    code, out, err = run_cli(monkeypatch, capsys, "report", tmp_path)
    assert code == 0, err
    assert calls == [tmp_path] and "report.html" in out and "stage summary" in out


def test_the_steps_findings_are_sentences_not_counters(curated, monkeypatch, capsys):
    """curate printed "unparsable_gold from cache: 33" and "near_dedup rows kept by them: 3": the
    terminal now says what was checked, dropped and kept, and why, in words (the counters stay in
    report.json)."""
    code, out, err = run_cli(monkeypatch, capsys, "report", curated)
    assert code == 0, err
    text = " ".join(out.split())
    report = json.loads((curated / "report.json").read_text())
    gold = next(s for s in report["steps"] if s["name"] == "unparsable_gold")["notes"]["how it ran"]
    assert (f"unparsable_gold: {gold['distinct answers']:,} distinct math gold answers checked" in text
            and f"{gold['from cache']:,} known from earlier runs (the cache)" in text)
    assert "decontaminate: checked against" in text and "dropped for overlapping" in text
    assert "near_dedup: " in text and "because they ask something else" in text
    for counter in ("from cache:", "rows kept by them", "kept: template-only overlap", "dropped by evalset"):
        assert counter not in text, counter


def test_a_note_no_sentence_knows_is_still_printed():
    from ringdata.curate.report import _note_lines

    step = {"name": "new_step", "rows_in": 3, "rows_out": 3, "notes": {"kept apart": 2}}
    assert _note_lines(step) == ["[yellow]new_step[/] kept apart: 2"]


def test_figure_and_choice_drops_show_what_matched_in_its_context(curated):
    """A reader judges a heuristic by its evidence: each needs_figure and multiple_choice example
    names the text it matched and shows the question around it (an `<image>` marker sits past
    the question's first 300 characters in most code statements)."""
    import html

    report = json.loads((curated / "report.json").read_text())
    page = (curated / "report.html").read_text()
    for reason in ("needs_figure", "multiple_choice"):
        examples = report["examples"][reason]
        assert examples
        for e in examples:
            assert e["drop_match"], e
            assert e["drop_match"] in e["context"] or e["drop_match"].startswith(("choices: ", "answer: ")), e
            assert html.escape(e["drop_match"]) in page
    assert any("(A)" in e["drop_match"] for e in report["examples"]["multiple_choice"])
    assert "where it matched" in page


def test_match_context_cuts_around_the_match():
    from ringdata.curate.report import CONTEXT_CHARS, match_context

    question = "x" * 500 + " see the figure below " + "y" * 500
    got = match_context(question, "figure below")
    assert got.startswith("…") and got.endswith("…") and "figure below" in got
    assert len(got) == len("figure below") + 2 * CONTEXT_CHARS + 2
    assert match_context("short", "math_train/12") is None and match_context("short", None) is None
