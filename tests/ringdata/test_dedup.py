"""Exact and near dedup: drop reasons, the smallest-id survivor, the Jaccard threshold."""

from __future__ import annotations

import itertools
import random

import polars as pl
import pytest

from ringdata.curate.base import run_pipeline
from ringdata.curate.dedup import EXACT, NEAR, DedupConfig, dedup_steps, lsh_params
from ringdata.curate.textnorm import match_text
from ringdata.io.problems import read_problems
from tests.conftest import DATA

WORDS = [f"w{i}" for i in range(400)]


def frame(questions: list[str], ids: list[str] | None = None, choices=None) -> pl.DataFrame:
    ids = ids or [f"p{i:03d}" for i in range(len(questions))]
    return pl.DataFrame(
        {"id": ids, "domain": ["math"] * len(ids), "question": questions, "choices": choices or [None] * len(ids)},
        schema={"id": pl.Utf8, "domain": pl.Utf8, "question": pl.Utf8, "choices": pl.List(pl.Utf8)},
    )


def run(f: pl.DataFrame, config: DedupConfig = DedupConfig()):
    result = run_pipeline(f, dedup_steps(config))
    drops = {r["id"]: (r["drop_reason"], r["drop_match"]) for r in result.dropped.iter_rows(named=True)}
    return set(result.kept["id"]), drops


def jaccard(a: str, b: str, k: int = 5) -> float:
    ta, tb = (t.split() for t in match_text([a, b]))
    sa = {tuple(ta[i : i + k]) for i in range(len(ta) - k + 1)}
    sb = {tuple(tb[i : i + k]) for i in range(len(tb) - k + 1)}
    return len(sa & sb) / len(sa | sb)


def text(seed: int, n: int = 60) -> str:
    return " ".join(random.Random(seed).sample(WORDS, n))


def edit(base: str, positions: list[int]) -> str:
    words = base.split()
    for p in positions:
        words[p] = "changed"
    return " ".join(words)


def test_exact_duplicates_keep_the_smallest_id() -> None:
    q = "Find $x^2$ if $x = 3$. Then add the number of sides of a hexagon to it."
    retyped = r"find \(x^{2}\) if x=3, then add the number of sides of a hexagon to it"
    kept, drops = run(frame([q, text(1), retyped, q], ids=["b", "z", "a", "c"]))
    assert kept == {"a", "z"}
    assert drops == {"b": (EXACT, "a"), "c": (EXACT, "a")}


def test_same_stem_different_choices_is_not_a_duplicate() -> None:
    q = "Which of the following statements is true?"
    kept, drops = run(frame([q, q], choices=[["2 is odd", "3 is odd"], ["a square has 5 sides", "a cube has 6 faces"]]))
    assert len(kept) == 2 and not drops


def test_operators_keep_problems_apart() -> None:
    kept, _ = run(frame(["Compute $12+35$ and then double it.", "Compute $12-35$ and then double it."]))
    assert len(kept) == 2


@pytest.mark.parametrize(
    "positions,expect_dropped",
    [
        ([59], True),  # J ~ 0.92: one word changed at the end
        ([30], True),  # J ~ 0.85: one word in the middle
        ([10, 30, 50], False),  # J ~ 0.61
        ([6, 18, 30, 42, 54], False),  # J ~ 0.3
    ],
)
def test_threshold(positions: list[int], expect_dropped: bool) -> None:
    base = text(7)
    other = edit(base, positions)
    j = jaccard(base, other)
    assert (j >= 0.8) == expect_dropped, j
    kept, drops = run(frame([base, other, text(8)]))
    assert (drops.get("p001") == (NEAR, "p000")) == expect_dropped
    assert "p000" in kept and "p002" in kept


def test_threshold_is_configurable() -> None:
    base = text(9)
    other = edit(base, [10, 30, 50])  # J ~ 0.6
    assert 0.55 < jaccard(base, other) < 0.7
    assert run(frame([base, other]), DedupConfig(threshold=0.55))[1] == {"p001": (NEAR, "p000")}
    assert run(frame([base, other]), DedupConfig(threshold=0.8))[1] == {}


def test_clusters_are_transitive_and_name_one_survivor() -> None:
    a = text(11)
    b = edit(a, [59])
    c = edit(b, [0])
    kept, drops = run(frame([c, a, b], ids=["n3", "n1", "n2"]))
    assert kept == {"n1"}
    assert drops == {"n2": (NEAR, "n1"), "n3": (NEAR, "n1")}


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_survivors_do_not_depend_on_input_order(order: tuple[int, ...]) -> None:
    a = text(21)
    rows = [("k2", a), ("k9", edit(a, [40])), ("k1", edit(a, [59])), ("k5", text(22))]
    rows = [rows[i] for i in order]
    kept, drops = run(frame([q for _, q in rows], ids=[i for i, _ in rows]))
    assert kept == {"k1", "k5"}
    assert drops == {"k2": (NEAR, "k1"), "k9": (NEAR, "k1")}


def test_default_lsh_curve_sits_at_the_threshold() -> None:
    bands, rows = DedupConfig().band_rows
    assert (bands, rows) == lsh_params(0.8, 64, 0.95) == (10, 6)
    p = lambda j: 1 - (1 - j**rows) ** bands  # noqa: E731
    assert p(0.8) > 0.95 and p(0.85) > 0.99 and p(0.3) < 0.01


def test_bundled_problems_every_drop_names_a_kept_survivor() -> None:
    problems = read_problems([DATA / "problems"]).frame
    result = run_pipeline(problems, dedup_steps())
    kept = set(result.kept["id"])
    assert result.kept.height + result.dropped.height == problems.height
    assert set(result.dropped["drop_match"]) <= kept
    assert set(result.dropped["drop_reason"]) <= {EXACT, NEAR}


def test_repeated_ids_still_leave_one_survivor() -> None:
    kept, drops = run(frame(["Compute 17 * 23 + 4.", "compute 17*23+4"], ids=["same", "same"]))
    assert kept == {"same"} and list(drops.values()) == [(EXACT, "same")]


def test_empty_frame() -> None:
    kept, drops = run(frame([], ids=[]))
    assert kept == set() and drops == {}


def test_rows_removed_between_near_dedup_passes_are_skipped() -> None:
    """A step placed between LSHBuckets and NearDupClusters may drop rows; their pairs go."""
    from ringdata.curate.base import StepContext
    from ringdata.curate.dedup import LSHBuckets, MinHashSignatures, NearDupClusters

    a = text(31)
    f = frame([a, edit(a, [59]), edit(a, [58]), text(32)])
    ctx, config = StepContext(), DedupConfig()
    f = MinHashSignatures(config)(f, ctx).drop("drop_reason", "drop_match")
    f = LSHBuckets(config)(f, ctx).drop("drop_reason", "drop_match")
    f = f.filter(pl.col("id") != "p000")  # the would-be survivor leaves early
    out = NearDupClusters(config)(f, ctx)
    assert dict(zip(out["id"], out["drop_match"])) == {"p001": None, "p002": "p001", "p003": None}
