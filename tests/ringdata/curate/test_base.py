"""ringdata/curate/base.py: the runner, not each step, counts what went in, what came out and
why each row left (by reason and by domain); a dropped row keeps its step, reason and match; a
step that loses rows is refused; working columns (`_...`) never reach the output."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pytest

from ringdata.curate.base import DROP_MATCH, DROP_REASON, StepContext, keep_all, run_pipeline


@dataclass
class DropLong:
    """Drops questions longer than `limit`, and leaves a working column behind."""

    limit: int
    name: str = "drop_long"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        long = pl.col("question").str.len_chars() > self.limit
        return frame.with_columns(
            pl.when(long).then(pl.lit("too_long")).alias(DROP_REASON),
            pl.when(long).then(pl.col("question").str.slice(0, 4)).alias(DROP_MATCH),
            pl.lit(1).alias("_work"),
        )


@dataclass
class Upper:
    name: str = "upper"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        return keep_all(frame.with_columns(pl.col("question").str.to_uppercase()))


FRAME = pl.DataFrame({"id": ["a", "b", "c", "d"], "domain": ["math", "code", "math", "math"],
                      "question": ["short", "a long question", "another long one", "tiny"]})


def test_the_runner_counts_every_row_in_as_kept_or_dropped_by_reason_and_domain():
    result = run_pipeline(FRAME, [DropLong(8), Upper()])
    assert result.rows_in == 4 and result.kept["question"].to_list() == ["SHORT", "TINY"]
    drop, upper = result.steps
    assert (drop.rows_in, drop.rows_out, drop.dropped) == (4, 2, {"too_long": 2})
    assert drop.dropped_by_domain == {"math": {"too_long": 1}, "code": {"too_long": 1}}
    assert (upper.rows_in, upper.rows_out, upper.dropped) == (2, 2, {})
    assert result.dropped.select("id", "step", DROP_REASON, DROP_MATCH).rows() == [
        ("b", "drop_long", "too_long", "a lo"), ("c", "drop_long", "too_long", "anot")]


def test_working_columns_never_reach_the_output():
    result = run_pipeline(FRAME, [DropLong(8)])
    assert "_work" not in result.kept.columns and "_work" not in result.dropped.columns


def test_nothing_dropped_still_gives_a_dropped_table_with_its_columns():
    result = run_pipeline(FRAME, [Upper()])
    assert result.dropped.height == 0 and {"step", DROP_REASON, DROP_MATCH} <= set(result.dropped.columns)


def test_a_step_that_loses_rows_is_refused():
    @dataclass
    class Loses:
        name: str = "loses"

        def __call__(self, frame, ctx):
            return keep_all(frame.head(1))

    with pytest.raises(AssertionError, match="loses returned 1 rows for 4"):
        run_pipeline(FRAME, [Loses()])
