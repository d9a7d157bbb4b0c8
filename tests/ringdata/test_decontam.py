"""Decontamination: re-typed benchmark items are caught and named, clean problems are not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from ringdata.curate.base import run_pipeline
from ringdata.curate.decontam import CONTAMINATED, DEFAULT_EVALSETS, DecontamConfig, decontam_steps, read_evalset
from ringdata.errors import DataError
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
