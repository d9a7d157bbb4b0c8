"""Progress where stdout is not a terminal (a batch log, `| tee`): plain lines, one bar per step."""

import io
import json
import time

from rich.console import Console
from rich.progress import Progress

from ringdata.core.progress import PlainProgress, make_progress
from tests.conftest import run_cli


def _console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=200), buf


def test_a_terminal_gets_a_live_bar_and_a_log_gets_plain_lines():
    assert isinstance(make_progress(Console(file=io.StringIO(), force_terminal=True)), Progress)
    assert isinstance(make_progress(Console(file=io.StringIO())), PlainProgress)


def test_plain_lines_are_periodic_and_close_with_a_rate():
    console, buf = _console()
    with PlainProgress(console, every_s=0.05) as progress:
        task = progress.add_task("dedup", total=1000)
        progress.advance(task, 10)  # too soon for a line
        assert buf.getvalue() == ""
        time.sleep(0.06)
        progress.advance(task, 490)
        assert buf.getvalue().startswith("dedup: 500/1,000 rows (50%)") and "s left" in buf.getvalue()
        progress.advance(task, 500)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].startswith("dedup: 1,000/1,000 rows (100%)") and "rows/s" in lines[1]


def test_every_step_is_a_line_when_asked():
    console, buf = _console()
    with PlainProgress(console, every_s=0) as progress:
        task = progress.add_task("math (c3po)", total=3, info="starting", unit="steps")
        for step in (1, 2, 3):
            progress.update(task, completed=step, info=f"reward 0.{step}")
    assert buf.getvalue().splitlines()[0].startswith("math (c3po): 1/3 steps (33%), reward 0.1")
    assert len(buf.getvalue().splitlines()) == 3


def test_curate_in_a_log_reads_many_files_under_one_line(tmp_path, monkeypatch, capsys):
    files = []
    for n in range(5):  # a sharded input: one progress line for the read, not one per shard
        path = tmp_path / f"shard-{n}.jsonl"
        path.write_text(json.dumps({"question": f"What is {n} plus three? Answer with a number.", "answer": str(n + 3),
                                    "domain": "math"}) + "\n")
        files.append(path)
    code, out, err = run_cli(monkeypatch, capsys, "curate", *files, "--out", tmp_path / "out", "--no-gold-check")
    assert code == 0, err
    read_lines = [line for line in err.splitlines() if line.startswith("read")]
    assert len(read_lines) == 1 and read_lines[0].startswith("read (5/5 files): 5/5 rows (100%)")
    assert any(line.startswith("exact_dedup: 5/5 rows") and "rows/s" in line for line in err.splitlines())


def test_a_task_that_does_not_move_still_gets_a_line(tmp_path):
    """Loading a model, starting an engine: a log is never silent for longer than the heartbeat."""
    console, buf = _console()
    with PlainProgress(console, every_s=0, heartbeat_s=0.2) as progress:
        progress.add_task("starting", total=None, unit="steps", info="loading the model")
        time.sleep(0.7)
    lines = buf.getvalue().splitlines()
    assert len(lines) >= 2 and all(line.startswith("starting: 0 steps, loading the model") for line in lines), lines


def test_the_live_training_line_keeps_counts_and_times_at_80_columns():
    import re

    from ringdata.core.progress import columns

    buf = io.StringIO()
    console = Console(file=buf, width=80, force_terminal=True, color_system=None)
    progress = Progress(*columns(info=True), console=console, auto_refresh=False, expand=True)
    task = progress.add_task("math (c3po)", total=20, unit="steps",
                             info="reward 0.213  len 12  tokens 1024  kl 0.0012  1234 tok/s  and more metrics")
    progress.update(task, completed=7)
    console.print(progress.get_renderable())
    line = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", buf.getvalue()).splitlines()[0]
    assert len(line) <= 80 and "7/20" in line and "0:00:00" in line and "reward 0.213" in line, line
    assert isinstance(make_progress(console, info=True), Progress) and make_progress(console, info=True).expand


def test_a_worker_reporting_after_an_interrupted_display_is_ignored():
    """Ctrl-C closes the display while a grading thread still reports its finished work: the
    report goes nowhere, never a traceback from that thread (seen once in a fresh-clone run)."""
    out = io.StringIO()
    progress = PlainProgress(Console(file=out, width=100), every_s=0, heartbeat_s=0)
    try:
        with progress:
            task = progress.add_task("grade", total=4)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    progress.advance(task, 2)
    progress.update(task, total=8, description="grade")
    assert "grade" not in out.getvalue()
