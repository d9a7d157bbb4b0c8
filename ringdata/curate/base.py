"""Pipeline steps and the runner that applies them.

A step is one small object with one method, `__call__(frame, ctx) -> frame`: it gets the working
frame (a polars DataFrame holding the `Problem` columns plus any working columns that earlier
steps added) and returns a frame of the same height, in the same order, with two more columns:

- `drop_reason` (Utf8): null to keep the row, else a short snake_case reason (`too_short`, ...);
- `drop_match` (Utf8): what the drop matched, or null (a survivor id, `aime2024/12`, ...).

A step may also rewrite columns (normalisation) or add working columns whose names start with `_`
(later steps may read them; the runner strips them from the outputs).

The runner, not the steps, splits kept from dropped, counts what went in and out of every step by
reason and domain, times each step and keeps the dropped rows with the step name. A pipeline is a
plain list of steps (after huggingface/datatrove's `pipeline/base.py`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence

import polars as pl
from rich.progress import Progress

if TYPE_CHECKING:
    from ringdata.core.io.problems import InputStats

DROP_REASON = "drop_reason"
DROP_MATCH = "drop_match"
WORK_NOTES = "how it ran"  # a step's note about its own work (cache hits, parser calls), not the data:
# kept in report.json and report.html, left off the terminal summary


@dataclass
class StepContext:
    """What a step may use besides its frame: the progress display."""

    progress: Progress | None = None
    open_tasks: list[int] = field(default_factory=list)

    def task(self, description: str, total: int | None, unit: str = "rows") -> Callable[[int], None]:
        """Start a progress bar; returns `advance(n)`. A no-op without a display. The runner
        removes a step's bars when the step ends: one bar on screen per running step."""
        if self.progress is None:
            return lambda n=1: None
        task_id = self.progress.add_task(description, total=total, unit=unit)
        self.open_tasks.append(task_id)
        return lambda n=1: self.progress.advance(task_id, n)

    def close_tasks(self) -> None:
        for task_id in self.open_tasks:
            self.progress.remove_task(task_id)
        self.open_tasks.clear()


class Step(Protocol):
    name: str

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame: ...


def keep_all(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with null drop columns: what a step that only transforms returns."""
    return frame.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias(DROP_REASON), pl.lit(None, dtype=pl.Utf8).alias(DROP_MATCH)
    )


@dataclass
class StepStats:
    name: str
    rows_in: int
    rows_out: int
    seconds: float
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count
    dropped_by_domain: dict[str, dict[str, int]] = field(default_factory=dict)  # domain -> reason -> n


@dataclass
class PipelineResult:
    kept: pl.DataFrame
    dropped: pl.DataFrame  # input columns + step, drop_reason, drop_match
    steps: list[StepStats]
    rows_in: int


def run_pipeline(
    frame: pl.DataFrame, steps: Sequence[Step], progress: Progress | None = None
) -> PipelineResult:
    """Apply `steps` in order; every row that enters leaves as kept or as dropped with a reason."""
    ctx = StepContext(progress)
    rows_in = frame.height
    dropped_parts: list[pl.DataFrame] = []
    stats: list[StepStats] = []
    overall = ctx.task("curate", total=len(steps), unit="steps")
    ctx.open_tasks.clear()  # the overall bar stays to the end
    for step in steps:
        started = time.perf_counter()
        out = step(frame, ctx)
        ctx.close_tasks()
        assert out.height == frame.height, f"{step.name} returned {out.height} rows for {frame.height}"
        drop = out.filter(pl.col(DROP_REASON).is_not_null())
        frame = out.filter(pl.col(DROP_REASON).is_null()).drop(DROP_REASON, DROP_MATCH)
        seconds = time.perf_counter() - started
        st = StepStats(step.name, out.height, frame.height, seconds)
        if drop.height:
            st.dropped = dict(drop.group_by(DROP_REASON).len().sort(DROP_REASON).iter_rows())
            for (domain, reason, n) in drop.group_by("domain", DROP_REASON).len().iter_rows():
                st.dropped_by_domain.setdefault(domain, {})[reason] = n
            dropped_parts.append(drop.with_columns(pl.lit(step.name).alias("step")))
        stats.append(st)
        overall(1)
    public = [c for c in frame.columns if not c.startswith("_")]
    dropped = (
        pl.concat([d.select([c for c in d.columns if not c.startswith("_")]) for d in dropped_parts], how="diagonal_relaxed")
        if dropped_parts
        else frame.select(public).clear().with_columns(
            pl.lit(None, dtype=pl.Utf8).alias(DROP_REASON),
            pl.lit(None, dtype=pl.Utf8).alias(DROP_MATCH),
            pl.lit(None, dtype=pl.Utf8).alias("step"),
        )
    )
    result = PipelineResult(frame.select(public), dropped, stats, rows_in)
    assert result.kept.height + result.dropped.height == rows_in, "rows lost in the pipeline"
    return result


@dataclass
class CurateRun:
    """What `ringdata.curate.pipeline.curate` ran: the result, the inputs, counts and timings; the
    report (ringdata/curate/report.py) is built from it."""

    result: PipelineResult
    inputs: list[InputStats]
    domains_in: dict[str, int]
    timings: dict[str, float]
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> notes
    report: dict[str, Any] = field(default_factory=dict)
