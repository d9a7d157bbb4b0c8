"""Progress for long work: live bars in a terminal, plain periodic lines anywhere else.

A batch scheduler's log or `| tee` is not a terminal: a rich live display there prints nothing
until the end (or a pile of redrawn bars). `make_progress` gives the same small API either way
(`add_task`, `advance`, `update`, `remove_task`, a context manager), so library code that reports
progress does not care where it goes:

- terminal: a rich `Progress` with the bar, done/total, rows/s, elapsed and remaining time;
- otherwise: `PlainProgress`, one line per task every `every_s` seconds and one when it is
  removed (or the display closes), e.g. `read: 12,000/42,311 rows (28%), 9,410 rows/s, 1.3 s elapsed, ~3.2 s left`.
  A task that does not move (loading a model, starting an engine, one slow step) still gets a
  line every `PLAIN_EVERY_S` seconds from a heartbeat thread, so a log never falls silent for
  longer: a silent log cannot be told from a hung job.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text

PLAIN_EVERY_S = 10.0  # seconds between plain progress lines of one task: a log stays readable


class RateColumn(ProgressColumn):
    """Items per second, e.g. `9,410 rows/s` (the task's `unit` field, default "rows")."""

    def render(self, task) -> Text:
        unit = task.fields.get("unit", "rows")
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} {unit}/s" if speed else f"- {unit}/s", style="progress.data.speed")


def columns(*, info: bool = False) -> tuple[ProgressColumn, ...]:
    """The bar's columns; `info` adds the task's free-text `info` field (training: reward, ...).

    With `info`, the counts and times come before the free text, which takes what width is left
    and is cut with "..." (at 80 columns a long metrics line used to push out the bar, n/N,
    elapsed and ETA: what a person watching a run looks for)."""
    if info:
        return (TextColumn("{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis", max_width=22)),
                BarColumn(bar_width=12), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                TextColumn("{task.fields[info]}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")))
    return (TextColumn("{task.description:<22}"), BarColumn(bar_width=24), MofNCompleteColumn(), RateColumn(),
            TimeElapsedColumn(), TimeRemainingColumn())


@dataclass
class _Task:
    description: str
    total: float | None
    fields: dict[str, Any]
    completed: float = 0.0
    started: float = field(default_factory=time.perf_counter)
    last_line: float = field(default_factory=time.perf_counter)
    reported: float = -1.0  # `completed` when the last line was printed


class PlainProgress:
    """`rich.progress.Progress`'s API as plain lines: every `every_s` seconds per task, and when a
    task is removed. With `every_s=0` every `update` that moves the task or brings new `info` prints
    a line (training: one line per step)."""

    def __init__(self, console: Console, every_s: float = PLAIN_EVERY_S, heartbeat_s: float = PLAIN_EVERY_S) -> None:
        self.console, self.every_s, self.heartbeat_s = console, every_s, heartbeat_s
        self.tasks: dict[int, _Task] = {}
        self._added = 0
        self._lock = threading.RLock()  # the heartbeat thread prints beside the caller's updates
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> "PlainProgress":
        if self.heartbeat_s:
            self._beat = threading.Thread(target=self._heartbeat, name="ringdata-progress", daemon=True)
            self._beat.start()
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
        with self._lock:
            if exc_type is not None:  # the error is the line that matters: no closing lines
                self.tasks.clear()
            for task_id in list(self.tasks):
                self.remove_task(task_id)

    def _heartbeat(self) -> None:
        """A line for every unfinished task that has been quiet for `heartbeat_s` (checked each second)."""
        while not self._stop.wait(min(1.0, self.heartbeat_s)):
            now = time.perf_counter()
            with self._lock:
                for task in list(self.tasks.values()):
                    finished = task.total is not None and task.completed >= task.total
                    if not finished and now - task.last_line >= self.heartbeat_s:
                        self._line(task, now)

    def add_task(self, description: str, total: float | None = None, **fields: Any) -> int:
        with self._lock:
            task_id, self._added = self._added, self._added + 1
            self.tasks[task_id] = _Task(description, total, fields)
        return task_id

    def advance(self, task_id: int, advance: float = 1) -> None:
        self.update(task_id, advance=advance)

    def update(self, task_id: int, *, completed: float | None = None, advance: float | None = None,
               total: float | None = None, description: str | None = None, **fields: Any) -> None:
        with self._lock:
            task = self.tasks.get(task_id)
            if task is not None:  # gone: the display closed (Ctrl-C) while a worker thread still reports
                self._update(task, completed, advance, total, description, fields)

    def _update(self, task: _Task, completed, advance, total, description, fields: dict[str, Any]) -> None:
        if total is not None:
            task.total = total
        if description is not None:
            task.description = description
        if completed is not None:
            task.completed = completed
        if advance:
            task.completed += advance
        changed = ("info" in fields and fields["info"] != task.fields.get("info")) or task.completed != task.reported
        task.fields.update({k: v for k, v in fields.items() if k != "visible"})
        now = time.perf_counter()
        if (self.every_s == 0 and changed) or (self.every_s and now - task.last_line >= self.every_s):
            self._line(task, now)

    def remove_task(self, task_id: int) -> None:
        """The task's closing line (unless its last line already said the same), then forget it."""
        with self._lock:
            task = self.tasks.pop(task_id, None)
            if task is not None and task.completed and task.completed != task.reported:
                self._line(task, time.perf_counter())

    def _line(self, task: _Task, now: float) -> None:
        task.last_line, task.reported = now, task.completed
        elapsed = now - task.started
        unit = task.fields.get("unit", "rows")
        done = f"{task.completed:,.0f}"
        if task.total:
            done += f"/{task.total:,.0f} {unit} ({100 * task.completed / task.total:.0f}%)"
        else:
            done += f" {unit}"
        parts = [f"{task.description.strip()}: {done}"]
        if task.fields.get("info"):
            parts.append(str(task.fields["info"]))
        elif elapsed > 0 and task.completed:
            rate = task.completed / elapsed
            parts.append(f"{rate:,.0f} {unit}/s" if rate >= 100 else f"{rate:.3g} {unit}/s")
        parts.append(f"{elapsed:.1f} s elapsed")
        if task.total and 0 < task.completed < task.total:
            parts.append(f"~{elapsed * (task.total - task.completed) / task.completed:.0f} s left")
        self.console.print(", ".join(parts), highlight=False, markup=False, soft_wrap=True)


def make_progress(console: Console, *, info: bool = False, transient: bool = True,
                  every_s: float = PLAIN_EVERY_S) -> Progress | PlainProgress:
    """A live rich display when `console` is a terminal, else plain lines (see the module doc)."""
    if console.is_terminal:
        # expand: the info column (ratio 1) takes the width left, instead of pushing the others out
        return Progress(*columns(info=info), console=console, transient=transient, expand=info)
    return PlainProgress(console, every_s=every_s)
