"""Decontamination: re-typed benchmark items are caught and named, clean problems are not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from ringdata.curate.base import run_pipeline
from ringdata.curate.decontam import CONTAMINATED, DEFAULT_EVALSETS, DecontamConfig, decontam_steps, read_evalset
from ringdata.core.errors import DataError
from tests.conftest import DATA

EVAL = DATA / "evalsets"


def item(file: str, key: str, value) -> dict:
    for line in (EVAL / file).read_text().splitlines():
        row = json.loads(line)
        if row[key] == value:
            return row
    raise KeyError(value)


AIME = item("aime2024.jsonl", "id", 60)["problem"]  # "Every morning Aya goes for a $9$-kilometer-long walk ..."
MATH500 = item("math500.jsonl", "unique_id", "test/precalculus/807.json")["problem"]
HUMANEVAL = item("humaneval.jsonl", "task_id", "HumanEval/0")["prompt"]
MBPP_SHORT = item("mbpp_test.jsonl", "id", "17")["question"]  # "Write a function to find the perimeter of a square."

# How people re-type a benchmark item they paste into a training set.
VARIATIONS = {
    "verbatim": lambda t: t,
    "dollars_to_parens": lambda t: re.sub(r"\$([^$]+)\$", r"\\(\1\\)", t),
    "dollars_dropped": lambda t: t.replace("$", ""),
    "braced_scripts": lambda t: re.sub(r"([\^_])(\w)", r"\1{\2}", t),
    "upper_case": lambda t: t.upper(),
    "lower_case": lambda t: t.lower(),
    "no_punctuation": lambda t: re.sub(r"[.,;:?!](?=\s|$)", "", t),  # sentence punctuation, not "(0,3)"
    "respaced": lambda t: re.sub(r"\s+", "  ", t).replace("=", " = "),
    "prompt_wrapped": lambda t: f"Solve the following problem. Show your work.\n\n{t}\n\nPut your final answer in \\boxed{{}}.",
}


def decontaminate(questions: list[str], config: DecontamConfig = DecontamConfig()) -> list[tuple[str | None, str | None]]:
    frame = pl.DataFrame({"id": [f"t{i}" for i in range(len(questions))], "domain": ["math"] * len(questions), "question": questions})
    result = run_pipeline(frame, decontam_steps(config))
    drops = {r["id"]: (r["drop_reason"], r["drop_match"]) for r in result.dropped.iter_rows(named=True)}
    return [drops.get(f"t{i}", (None, None)) for i in range(len(questions))]


LATEX_ONLY = {"dollars_to_parens", "dollars_dropped", "braced_scripts"}  # no LaTeX in a code prompt
CASES = [
    pytest.param(text, label, v, id=f"{label}-{v}")
    for text, label, code in [
        (AIME, "aime2024:60", False),
        (MATH500, "math500:test/precalculus/807.json", False),  # also in MATH test: the first set listed wins
        (HUMANEVAL, "humaneval:HumanEval/0", True),
    ]
    for v in VARIATIONS
    if not (code and v in LATEX_ONLY)
]


@pytest.mark.parametrize("text,label,variation", CASES)
def test_retyped_benchmark_item_is_caught(text: str, label: str, variation: str) -> None:
    assert decontaminate([VARIATIONS[variation](text)]) == [(CONTAMINATED, label)]


def test_clean_real_problems_are_kept() -> None:
    # MATH train problems (bundled) that share no text with any evaluation item
    rows = [json.loads(line) for line in (DATA / "problems" / "math_train.jsonl").read_text().splitlines()[:6]]
    assert decontaminate([r["problem"] for r in rows]) == [(None, None)] * 6


@pytest.mark.parametrize("variation", ["verbatim", "upper_case", "prompt_wrapped", "no_punctuation"])
def test_short_item_is_caught_when_wholly_contained(variation: str) -> None:
    assert len(MBPP_SHORT.split()) < DecontamConfig().ngram
    assert decontaminate([VARIATIONS[variation](MBPP_SHORT)]) == [(CONTAMINATED, "mbpp:17")]


def test_part_of_a_short_item_is_not_enough() -> None:
    assert decontaminate(["Write a function to find the perimeter of a rectangle with sides a and b."]) == [(None, None)]


def test_one_shared_ngram_of_a_long_item_is_not_enough_by_default() -> None:
    words = AIME.split()
    snippet = "Consider this: " + " ".join(words[:14]) + " ... and then something else entirely happens to Bob."
    assert decontaminate([snippet]) == [(None, None)]
    assert decontaminate([snippet], DecontamConfig(min_coverage=0.0)) == [(CONTAMINATED, "aime2024:60")]


def test_extra_evalset_in_a_problem_format(tmp_path: Path) -> None:
    extra = tmp_path / "olympiad.jsonl"
    extra.write_text(json.dumps({"id": "q7", "problem": "Let $p$ be the least prime for which there exists a positive integer $n$ such that $n^4+1$ is divisible by $p^2$ exactly.", "answer": "110"}) + "\n")
    config = DecontamConfig(evalsets=(*DEFAULT_EVALSETS, extra))
    question = r"Let \(p\) be the least prime for which there exists a positive integer \(n\) such that \(n^{4}+1\) is divisible by \(p^{2}\) exactly."
    assert decontaminate([question], config) == [(CONTAMINATED, "olympiad:q7")]
    assert decontaminate([question]) == [(None, None)]  # not in the bundled sets


def test_extra_evalset_with_only_a_text_column(tmp_path: Path) -> None:
    extra = tmp_path / "private.jsonl"
    extra.write_text(json.dumps({"prompt": "Count the lattice points strictly inside the triangle with vertices (0,0), (17,0) and (0,29) today."}) + "\n")
    config = DecontamConfig(evalsets=(extra,))
    got = decontaminate(["Please help: count the lattice points strictly inside the triangle with vertices (0, 0), (17, 0) and (0, 29) today"], config)
    assert got == [(CONTAMINATED, "private:0")]


def test_unreadable_evalset_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"foo": 1}) + "\n")
    with pytest.raises(DataError, match="bad.jsonl"):
        decontaminate(["anything"], DecontamConfig(evalsets=(bad,)))


def test_bundled_evalsets() -> None:
    sizes = {p.stem: read_evalset(p).height for p in DEFAULT_EVALSETS}
    assert sizes == {"aime2024": 30, "aime2025": 30, "amc2023": 40, "math500": 500, "math_test": 5000,
                     "gsm8k_test": 1319, "humaneval": 164, "mbpp_test": 500}  # fmt: skip
    mbpp = read_evalset(EVAL / "mbpp_test.jsonl")["label"].to_list()
    assert mbpp[0] == "mbpp:11" and mbpp[-1] == "mbpp:510"
    for path in DEFAULT_EVALSETS:
        labels = read_evalset(path)["label"]
        assert labels.n_unique() == labels.len(), path


def test_ngram_shared_by_two_eval_items_is_boilerplate(tmp_path: Path) -> None:
    stem = "Enter your answer as an ordered pair of integers separated by a comma and nothing else"
    extra = tmp_path / "pairs.jsonl"
    extra.write_text(
        json.dumps({"question": f"Solve x + y = 3 and x - y = 1. {stem}"}) + "\n"
        + json.dumps({"question": f"Solve 2x + y = 7 and x - 3y = 0. {stem}"}) + "\n"
    )
    config = DecontamConfig(evalsets=(extra,), min_coverage=0.0)
    assert decontaminate([f"Solve x + 5y = 11 and 4x - y = 2. {stem}"], config) == [(None, None)]
    assert decontaminate([f"Solve 2x + y = 7 and x - 3y = 0. {stem}"], config) == [(CONTAMINATED, "pairs:1")]


def test_asymptote_code_is_not_matched(tmp_path: Path) -> None:
    asy = "[asy] import olympiad; size(150); defaultpen(linewidth(0.8)); draw((0,0)--(4,0)--(4,3)--cycle); label(\"$A$\",(0,0),SW); [/asy]"
    extra = tmp_path / "fig.jsonl"
    extra.write_text(json.dumps({"question": f"In the right triangle shown, find the hypotenuse. {asy}"}) + "\n")
    config = DecontamConfig(evalsets=(extra,), min_coverage=0.0)
    assert decontaminate([f"A different question about the area of the triangle below. {asy}"], config) == [(None, None)]


# ---- notation: a fraction, a degree, a percent is the same whatever its spelling ---------------

_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")


def _slash(m: re.Match) -> str:
    """`\\frac{a}{b}` as people type it in plain text: `a/b`, composite parts in parentheses."""
    a, b = (t.strip() if re.fullmatch(r"-?\w+", t.strip()) else f"({t.strip()})" for t in m.groups())
    return f"{a}/{b}"


FRACTION_NOTATIONS = {
    "slash": lambda t: _FRAC.sub(_slash, t),
    "dfrac": lambda t: t.replace(r"\frac", r"\dfrac"),
    "tfrac": lambda t: t.replace(r"\frac", r"\tfrac"),
    "over": lambda t: _FRAC.sub(r"{\1 \\over \2}", t),
    "digits": lambda t: re.sub(r"\\frac\{(\d)\}\{(\d)\}", r"\\frac\1\2", t),
}
# MATH-500 items with fractions: before fractions were folded, 36 of the first 50 such items
# re-typed with a/b went unnoticed (the first three here among them)
FRACTION_ITEMS = ["test/intermediate_algebra/1994.json", "test/precalculus/989.json", "test/intermediate_algebra/662.json",
                  "test/algebra/2584.json"]  # fmt: skip


@pytest.mark.parametrize("uid", FRACTION_ITEMS)
@pytest.mark.parametrize("notation", FRACTION_NOTATIONS)
def test_fraction_in_any_notation_is_caught(uid: str, notation: str) -> None:
    text = item("math500.jsonl", "unique_id", uid)["problem"]
    retyped = FRACTION_NOTATIONS[notation](text)
    assert retyped != text or notation == "digits"
    assert decontaminate([retyped]) == [(CONTAMINATED, f"math500:{uid}")]


@pytest.mark.parametrize(
    "uid,retype",
    [
        ("test/precalculus/779.json", lambda t: t.replace("$90^\\circ$", "90°")),
        ("test/precalculus/779.json", lambda t: t.replace("$90^\\circ$", "90 degrees")),
        ("test/prealgebra/1233.json", lambda t: t.replace("\\%", "%")),
        ("test/prealgebra/1233.json", lambda t: t.replace("\\%", " percent")),
        ("test/prealgebra/1297.json", lambda t: t.replace("\\cdot", "\\times").replace("$5!", "$5! ")),
        ("test/prealgebra/1297.json", lambda t: t.replace("\\cdot", "*")),
    ],
)
def test_other_retypings_are_caught(uid: str, retype) -> None:
    text = item("math500.jsonl", "unique_id", uid)["problem"]
    assert retype(text) != text
    assert decontaminate([retype(text)], DecontamConfig(evalsets=(EVAL / "math500.jsonl",))) == [(CONTAMINATED, f"math500:{uid}")]


# ---- template text is not contamination --------------------------------------------------------

MATH_TEST = [json.loads(line) for line in (EVAL / "math_test.jsonl").read_text().splitlines()]
REMINDER = "(Reminder: The number $n!$ is the product of the integers from 1 to $n$."


def run_decontam(questions: list[str], config: DecontamConfig):
    frame = pl.DataFrame({"id": [f"t{i}" for i in range(len(questions))], "domain": ["math"] * len(questions), "question": questions})
    steps = decontam_steps(config)
    result = run_pipeline(frame, steps)
    drops = {r["id"]: r["drop_match"] for r in result.dropped.iter_rows(named=True)}
    return [drops.get(f"t{i}") for i in range(len(questions))], steps[0].notes


def test_template_shared_with_many_training_problems_is_not_contamination() -> None:
    # MATH test problems that share only MATH-500's factorial reminder (a third of the item's
    # words) with test/prealgebra/1297.json ("How many zeroes are at the end of $42!$?")
    others = [r["problem"] for r in MATH_TEST if REMINDER in r["problem"] and r["unique_id"] != "test/prealgebra/1297.json"]
    assert len(others) == 3
    copy = item("math500.jsonl", "unique_id", "test/prealgebra/1297.json")["problem"]
    config = DecontamConfig(evalsets=(EVAL / "math500.jsonl",))
    got, notes = run_decontam([*others, copy], config)
    assert got == [None, None, None, "math500:test/prealgebra/1297.json"]  # the copy is still caught
    assert notes["kept: template-only overlap"] == 3 and notes["dropped by evalset"] == {"math500": 1}
    # the same rows without the template rule: all four flagged (so the test above can fail)
    got, _ = run_decontam([*others, copy], DecontamConfig(evalsets=config.evalsets, template_rows=0))
    assert all(got)


def test_one_problem_pasted_many_times_is_no_template() -> None:
    # six copies of one item, wrapped or re-typed: each of its n-grams is in several training rows
    # (as a template's are), yet every copy is caught
    text = item("math500.jsonl", "unique_id", "test/intermediate_algebra/662.json")["problem"]
    wrapped = [VARIATIONS["prompt_wrapped"](text), text.upper(), f"Question 7: {text}", text.replace("$", ""),
               FRACTION_NOTATIONS["slash"](text), FRACTION_NOTATIONS["over"](text)]  # fmt: skip
    got, notes = run_decontam(wrapped, DecontamConfig(evalsets=(EVAL / "math500.jsonl",)))
    assert got == ["math500:test/intermediate_algebra/662.json"] * len(wrapped)
    assert notes["dropped by evalset"] == {"math500": len(wrapped)}


def test_drops_are_counted_per_evaluation_set() -> None:
    questions = [AIME, MATH500, HUMANEVAL, "What is the sum of the first ten positive odd integers, written in base seven?"]
    got, notes = run_decontam(questions, DecontamConfig())
    assert got == ["aime2024:60", "math500:test/precalculus/807.json", "humaneval:HumanEval/0", None]
    assert notes["dropped by evalset"] == {"aime2024": 1, "aime2025": 0, "amc2023": 0, "math500": 1, "math_test": 0,
                                          "gsm8k_test": 0, "humaneval": 1, "mbpp_test": 0}  # fmt: skip
