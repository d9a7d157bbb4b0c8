"""Exact and near dedup: drop reasons, the smallest-id survivor, the Jaccard threshold."""

from __future__ import annotations

import itertools
import json
import random

import polars as pl
import pytest

from ringdata.curate.base import run_pipeline
from ringdata.curate.dedup import EXACT, NEAR, DedupConfig, dedup_steps, lsh_params
from ringdata.curate.textnorm import match_text
from ringdata.core.io.problems import read_problems
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


# ---- problems with gold answers: real MATH test items (data/evalsets/math_test.jsonl) ----------

MATH_TEST = {r["unique_id"]: r for r in map(json.loads, (DATA / "evalsets" / "math_test.jsonl").read_text().splitlines())}


def math_frame(uids: list[str], **edits: str) -> pl.DataFrame:
    """MATH test items as problems (id = unique_id); `edits` replaces a question by id."""
    rows = [MATH_TEST[u] for u in uids]
    return pl.DataFrame({"id": uids, "domain": ["math"] * len(uids), "question": [edits.get(u, r["problem"]) for u, r in zip(uids, rows)],
                         "answer": [r["answer"] for r in rows], "choices": [None] * len(uids)},
                        schema={"id": pl.Utf8, "domain": pl.Utf8, "question": pl.Utf8, "answer": pl.Utf8, "choices": pl.List(pl.Utf8)})  # fmt: skip


def near_notes(f: pl.DataFrame, config: DedupConfig | None = None) -> tuple[set[str], dict, dict]:
    steps = dedup_steps(config or DedupConfig())
    result = run_pipeline(f, steps)
    drops = {r["id"]: (r["drop_reason"], r["drop_match"]) for r in result.dropped.iter_rows(named=True)}
    return set(result.kept["id"]), drops, steps[-1].notes


# one template, another question or other numbers, so another gold: two RL problems, not one
DIFFERENT_GOLD = [
    ("test/precalculus/1162.json", "test/geometry/178.json"),  # sin A = 2 cos A: "What is cos A?" / "tan A?"
    ("test/counting_and_probability/537.json", "test/counting_and_probability/1060.json"),  # letters of CEASE / another word
    ("test/algebra/817.json", "test/algebra/726.json"),
]


@pytest.mark.parametrize("a,b", DIFFERENT_GOLD)
def test_near_duplicates_with_different_gold_answers_are_kept_apart(a: str, b: str) -> None:
    assert MATH_TEST[a]["answer"] != MATH_TEST[b]["answer"]
    kept, drops, notes = near_notes(math_frame([a, b]))
    assert kept == {a, b} and not drops
    assert notes["pairs kept apart: different gold answers"] == 1 and notes["rows kept by them"] == 1
    # the plain rule (off switch) merges them: the test above can fail
    kept, drops, _ = near_notes(math_frame([a, b]), DedupConfig(keep_different_answers=False))
    assert len(kept) == 1 and [reason for reason, _ in drops.values()] == [NEAR]


def test_a_retyped_copy_with_the_same_gold_is_still_a_near_duplicate() -> None:
    a, other = "test/geometry/493.json", "test/prealgebra/1354.json"  # same figure, another question
    copy = MATH_TEST[a]["problem"].replace("[asy]", "[asy] size(150);") + " Show your work."
    f = math_frame([a, other]).vstack(math_frame([a]).with_columns(pl.lit("z-copy").alias("id"), pl.lit(copy).alias("question")))
    kept, drops, _ = near_notes(f)
    assert kept == {a, other} and drops == {"z-copy": (NEAR, a)}


def test_answers_in_other_notations_are_the_same_gold() -> None:
    a = "test/algebra/726.json"  # gold -\frac12
    f = math_frame([a, a]).with_columns(pl.Series("id", ["x1", "x2"]), pl.Series("answer", [r"-\frac12", "-1/2"]))
    f = f.with_columns(pl.Series("question", [f["question"][0], f["question"][0] + " Simplify."]))
    assert near_notes(f)[1] == {"x2": (NEAR, "x1")}


def test_figure_code_is_not_compared() -> None:
    # the same 30-line [asy] drawing under two different questions ("area of the shaded region?"
    # and "length of AC?"): with the drawing in the compared text they are 0.8+ similar
    a, b = "test/geometry/493.json", "test/prealgebra/1354.json"
    assert jaccard(MATH_TEST[a]["problem"], MATH_TEST[b]["problem"]) >= 0.8
    kept, drops, _ = near_notes(math_frame([a, b]), DedupConfig(keep_different_answers=False))
    assert kept == {a, b} and not drops


def test_same_words_over_different_figures_are_kept_apart() -> None:
    # "What is the value of $x$ in the diagram?" over two different drawings, both with gold \sqrt{6}
    a, b = "test/prealgebra/1870.json", "test/prealgebra/1900.json"
    assert MATH_TEST[a]["answer"] == MATH_TEST[b]["answer"]
    kept, _, notes = near_notes(math_frame([a, b]))
    assert kept == {a, b} and notes["pairs kept apart: different figures"] == 1
