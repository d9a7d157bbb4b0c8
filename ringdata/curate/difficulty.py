"""Difficulty: keep problems whose measured pass rate says a policy can still learn from them.

Ring-lite (arXiv 2506.14731) filters its RL data by the pass rate of a reference model: problems
every sample solves give no gradient signal (all advantages are zero under group-relative
baselines), and problems no sample solves give none either. The table comes from
`ringdata grade` (columns problem_id, pass_rate, n_samples).

Bounds are exclusive: a problem is kept when `min_pass_rate < pass_rate < max_pass_rate`, so the
defaults (0.0, 1.0) drop exactly the never-solved (`too_hard`) and the always-solved (`too_easy`).
Problems the table does not mention are kept, counted in `notes["not_in_table"]`, and shown in
the report so that a stale table is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ringdata.curate.base import DROP_MATCH, DROP_REASON, StepContext
from ringdata.errors import DataError

PASS_RATE_COLUMNS = {"problem_id": pl.Utf8, "pass_rate": pl.Float64, "n_samples": pl.Int64}


def read_pass_rates(path: Path) -> pl.DataFrame:
    """The pass-rate table (Parquet, CSV or JSONL) with checked columns, one row per problem."""
    name = str(path)
    if not path.is_file():
        raise DataError("no such file", file=name, hint="pass the table `ringdata grade` wrote")
    try:
        if path.suffix == ".parquet":
            table = pl.read_parquet(path)
        elif path.suffix == ".csv":
            table = pl.read_csv(path, infer_schema_length=None)
        elif path.suffix in (".jsonl", ".ndjson"):
            table = pl.read_ndjson(path)
        else:
            raise DataError(f"cannot read *{path.suffix} pass-rate tables", file=name, hint="use .parquet, .csv or .jsonl")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"not a readable pass-rate table ({first})", file=name) from None
    for column, dtype in PASS_RATE_COLUMNS.items():
        if column not in table.columns:
            raise DataError(
                f"missing column; the table has {', '.join(table.columns) or 'no columns'}",
                file=name,
                field=column,
                hint="expected problem_id, pass_rate, n_samples as written by `ringdata grade`",
            )
        try:
            table = table.with_columns(pl.col(column).cast(dtype, strict=True))
        except pl.exceptions.PolarsError:
            raise DataError(f"values are not {dtype}", file=name, field=column) from None
    table = table.select(list(PASS_RATE_COLUMNS)).with_row_index("_row")
    bad = table.filter(
        pl.col("problem_id").is_null() | pl.col("pass_rate").is_null() | ~pl.col("pass_rate").is_between(0.0, 1.0)
    )
    if bad.height:
        row = bad.row(0, named=True)
        what = "problem_id" if row["problem_id"] is None else "pass_rate"
        raise DataError(
            f"is {row[what]!r}; pass rates are fractions in [0, 1]" if what == "pass_rate" else "is missing",
            file=name,
            row=row["_row"],
            field=what,
        )
    dup = table.filter(~pl.col("problem_id").is_first_distinct())  # the first repeat
    if dup.height:
        row = dup.row(0, named=True)
        raise DataError(
            f"problem {row['problem_id']!r} appears more than once",
            file=name,
            row=row["_row"],
            field="problem_id",
            hint="merge the grading runs into one row per problem",
        )
    return table.drop("_row")


@dataclass
class Difficulty:
    """Keep `min_pass_rate < pass_rate < max_pass_rate`; fills `pass_rate` and `n_samples`."""

    pass_rates: pl.DataFrame  # problem_id, pass_rate, n_samples (see `read_pass_rates`)
    min_pass_rate: float = 0.0  # exclusive; 0.0 drops never-solved problems
    max_pass_rate: float = 1.0  # exclusive; 1.0 drops always-solved problems
    name: str = "difficulty"
    notes: dict[str, object] = field(default_factory=dict)

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        advance = ctx.task(self.name, frame.height)
        rates = self.pass_rates.select(
            pl.col("problem_id").alias("id"),
            pl.col("pass_rate").alias("_rate"),
            pl.col("n_samples").alias("_n"),
        )
        out = frame.join(rates, on="id", how="left", maintain_order="left")
        found = pl.col("_rate").is_not_null()
        out = out.with_columns(
            pl.when(found).then(pl.col("_rate")).otherwise(pl.col("pass_rate")).alias("pass_rate"),
            pl.when(found).then(pl.col("_n")).otherwise(pl.col("n_samples")).alias("n_samples"),
        )
        rate = pl.col("pass_rate")
        out = out.with_columns(
            pl.when(rate >= self.max_pass_rate)
            .then(pl.lit("too_easy"))
            .when(rate <= self.min_pass_rate)
            .then(pl.lit("too_hard"))
            .otherwise(None)
            .alias(DROP_REASON),
            pl.when((rate >= self.max_pass_rate) | (rate <= self.min_pass_rate))
            .then(pl.format("pass rate {} over {} samples", rate.round(3), pl.col("n_samples")))
            .otherwise(None)
            .alias(DROP_MATCH),
        )
        missing = out.filter(pl.col("_rate").is_null())
        self.notes["not_in_table"] = missing.height
        self.notes["not_in_table_by_domain"] = dict(missing.group_by("domain").len().sort("domain").iter_rows())
        advance(frame.height)
        return out.drop("_rate", "_n")
