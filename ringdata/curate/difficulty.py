"""Difficulty: keep problems whose measured pass rate says a policy can still learn from them.

Ring-lite (arXiv 2506.14731) filters its RL data by the pass rate of a reference model: problems
every sample solves give no gradient signal (all advantages are zero under group-relative
baselines), and problems no sample solves give none either. The table comes from
`ringdata grade` (ringdata/core/io/runs.py: `read_pass_rates`, `PASS_RATE_SCHEMA`).

Bounds are exclusive: a problem is kept when `min_pass_rate < pass_rate < max_pass_rate`, so the
defaults (0.0, 1.0) drop exactly the never-solved (`too_hard`) and the always-solved (`too_easy`).
Problems the table does not mention (and that carry no pass rate of their own) are unrated: kept
by default, or dropped as `no_pass_rate` with `drop_unrated`; either way counted in
`notes["not_in_table"]` and shown in the report and the terminal summary, so that a table from
another problem set (every problem unrated, the filter a silent no-op) is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ringdata.curate.base import DROP_MATCH, DROP_REASON, StepContext

@dataclass
class Difficulty:
    """Keep `min_pass_rate < pass_rate < max_pass_rate`; fills `pass_rate` and `n_samples`."""

    pass_rates: pl.DataFrame  # problem_id, pass_rate, n_samples (see `read_pass_rates`)
    min_pass_rate: float = 0.0  # exclusive; 0.0 drops never-solved problems
    max_pass_rate: float = 1.0  # exclusive; 1.0 drops always-solved problems
    drop_unrated: bool = False  # drop problems with no pass rate (reason no_pass_rate) instead of keeping them
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
        unrated = rate.is_null() & pl.lit(self.drop_unrated)
        out = out.with_columns(
            pl.when(unrated)
            .then(pl.lit("no_pass_rate"))
            .when(rate >= self.max_pass_rate)
            .then(pl.lit("too_easy"))
            .when(rate <= self.min_pass_rate)
            .then(pl.lit("too_hard"))
            .otherwise(None)
            .alias(DROP_REASON),
            pl.when(unrated)
            .then(pl.lit("not in the pass-rate table"))
            .when((rate >= self.max_pass_rate) | (rate <= self.min_pass_rate))
            .then(pl.format("pass rate {} over {} samples", rate.round(3), pl.col("n_samples")))
            .otherwise(None)
            .alias(DROP_MATCH),
        )
        missing = out.filter(pl.col("_rate").is_null())
        self.notes["not_in_table"] = missing.height
        self.notes["unrated"] = out.filter(pl.col("pass_rate").is_null()).height
        self.notes["unrated_were"] = "dropped (no_pass_rate)" if self.drop_unrated else "kept (--drop-unrated drops them)"
        self.notes["not_in_table_by_domain"] = dict(missing.group_by("domain").len().sort("domain").iter_rows())
        advance(frame.height)
        return out.drop("_rate", "_n")
