"""Clean: every drop reason, with the near misses that must be kept beside it."""

import polars as pl
import pyarrow as pa
import pytest

from ringdata.curate.base import StepContext, run_pipeline
from ringdata.curate.clean import (
    ChoiceQuestion,
    CleanConfig,
    MalformedTests,
    MissingAnswer,
    MissingTests,
    MultiPart,
    NeedsFigure,
    ProofOnly,
    TooShort,
    UnparsableGold,
    clean_steps,
)
from ringdata.core.records import PROBLEM_SCHEMA

STDIO = [{"input": "1\n", "output": "2\n", "assert": None}]


def frame(rows):
    full = [{"id": str(i), "source": "t", **r} for i, r in enumerate(rows)]
    return pl.from_arrow(pa.Table.from_pylist(full, schema=PROBLEM_SCHEMA))


def verdict(step, row):
    """(drop_reason, drop_match) of `step` on one row."""
    out = step(frame([row]), StepContext())
    assert out.height == 1
    return out["drop_reason"][0], out["drop_match"][0]


def math(question, answer="4"):
    return {"domain": "math", "question": question, "answer": answer}


@pytest.mark.parametrize(
    "row,reason",
    [
        (math(""), "empty_question"),
        (math("   "), "empty_question"),
        (math("2+2?"), "too_short"),
        (math("Compute $7!$."), None),
    ],
)
def test_too_short(row, reason):
    assert verdict(TooShort(min_chars=10), row)[0] == reason


@pytest.mark.parametrize(
    "question,reason,match",
    [
        # a figure referred to but not given
        ("As shown in the figure, triangle ABC is right. Find AB.", "needs_figure", "shown in the figure"),
        ("See the diagram. How many squares are there?", "needs_figure", "See the diagram"),
        ("The graph below shows y = f(x). Find f(2).", "needs_figure", "graph below"),
        ("In Fig. 21-26, particle 1 is at the origin.", "needs_figure", "Fig. 2"),
        ("Count the paths.\n\n<image>\n\nInput: n", "needs_figure", "<image>"),
        ("What is shown here? ![plot](plot.png)", "needs_figure", "![plot]("),
        # the figure is given inline: kept
        ("In the diagram, $AB=3$.\n[asy]draw((0,0)--(3,0));[/asy]\nFind the area.", None, None),
        ("The chart below gives distances.\n\\begin{tabular}{|c|c|}1&2\\end{tabular}\nFind the mean.", None, None),
        # words that are not figure references
        ("Find the area under the graph of $y=x^2$ from 0 to 1.", None, None),
        ("Show that the figure of merit is 3; compute it.", None, None),
    ],
)
def test_needs_figure(question, reason, match):
    got_reason, got_match = verdict(NeedsFigure(), math(question))
    assert got_reason == reason
    assert (got_match or "").startswith(match or "")


def test_asy_is_kept_by_default_and_dropped_on_request():
    row = math("In the diagram, $AB=3$.\n[asy]draw((0,0)--(3,0));[/asy]\nFind the area.")
    assert verdict(NeedsFigure(keep_asy=True), row)[0] is None
    assert verdict(NeedsFigure(keep_asy=False), row) == ("asy_figure", "[asy]")


@pytest.mark.parametrize(
    "question,domain,reason",
    [
        ("A car moves. (a) Find its speed. (b) Find its acceleration.", "science", "multi_part"),
        ("Let $x=2$.\n(a) Compute $x^2$.\n(b) Compute $x^3$.", "math", "multi_part"),
        ("For the data 1, 2, 9: (i) what is the mean? (ii) what is the median?", "math", "multi_part"),
        ("Moves: (a) 2 km east; (b) 2 km north; (c) 1 km west. What is the final distance?", "science", None),
        ("If $f(a) + f(b) = 3$ and $f(a) = 1$, find $f(b)$.", "math", None),  # function calls, not parts
        ("Read n. (a) print it (b) print it twice.", "code", None),  # one program does all parts
    ],
)
def test_multi_part(question, domain, reason):
    assert verdict(MultiPart(), {"domain": domain, "question": question, "answer": "1"})[0] == reason


@pytest.mark.parametrize(
    "row,reason",
    [
        (math("Prove that there are infinitely many primes.", None), "proof_without_answer"),
        (math("Show that $\\sqrt{2}$ is irrational.", ""), "proof_without_answer"),
        (math("Show that $x=2$ solves $x^2=4$ and find the other root.", "-2"), None),  # has a gold
        (math("Find the smallest prime.", None), None),  # no answer, but not a proof: MissingAnswer's job
    ],
)
def test_proof_without_answer(row, reason):
    assert verdict(ProofOnly(), row)[0] == reason


@pytest.mark.parametrize(
    "row,reason",
    [
        (math("Find the smallest prime.", None), "missing_answer"),
        (math("Find the smallest prime.", "  "), "missing_answer"),
        ({"domain": "science", "question": "What is g on Earth?"}, "missing_answer"),
        (math("Find the smallest prime.", "2"), None),
        ({"domain": "code", "question": "Print 1.", "tests": STDIO}, None),  # code needs tests, not answers
    ],
)
def test_missing_answer(row, reason):
    assert verdict(MissingAnswer(), row)[0] == reason


@pytest.mark.parametrize(
    "tests,reason",
    [(None, "missing_tests"), ([], "missing_tests"), (STDIO, None)],
)
def test_missing_tests(tests, reason):
    assert verdict(MissingTests(), {"domain": "code", "question": "Print n+1.", "tests": tests})[0] == reason


@pytest.mark.parametrize(
    "tests,match",
    [
        ([{"input": None, "output": None, "assert": None}], "test 0: no input/output and no assert"),
        (STDIO + [{"input": "1\n", "output": "  \n", "assert": None}], "test 1: empty output"),
        ([{"input": None, "output": "2\n", "assert": None}], "test 0: output without input"),
        ([{"input": "1\n", "output": None, "assert": None}], "test 0: input without output"),
        ([{"input": None, "output": None, "assert": " "}], "test 0: empty assert"),
        ([{"input": "1", "output": "2", "assert": "assert f(1) == 2"}], "test 0: both stdin/stdout and assert"),
        (STDIO, None),
        ([{"input": "", "output": "hello\n", "assert": None}], None),  # empty stdin is fine
        ([{"input": None, "output": None, "assert": "assert f(2) == 4"}], None),
    ],
)
def test_malformed_tests(tests, match):
    reason, got = verdict(MalformedTests(), {"domain": "code", "question": "Print n+1.", "tests": tests})
    assert reason == ("malformed_tests" if match else None)
    assert got == match


@pytest.mark.parametrize(
    "row,reason",
    [
        (math("Which is prime?\n$\\textbf{(A) }4\\qquad\\textbf{(B) }6\\qquad\\textbf{(C) }7$", "7"), "multiple_choice"),
        (math("Which curve?\n\n(A) Line\n(B) Circle\n\nEnter the letter.", "\\text{(B)}"), "multiple_choice"),
        (math("Pick one.\nA. 3\nB. 4", "4"), "multiple_choice"),
        (math("Is 91 prime? Answer true or false.", "False"), "true_false"),
        (math("Is 91 prime?", "\\text{No}"), "yes_no"),
        # kept: point labels inside [asy], function values, science multiple choice by default
        (math("Find $AB$.\n[asy]label(\"$A$\",(0,0));draw((A)--(B));[/asy]", "5"), None),
        (math("Let points $(A)$ be... find the number of points.", "12"), None),
        ({"domain": "science", "question": "Which is a metal?", "answer": "B", "choices": ["wood", "iron"]}, None),
    ],
)
def test_choice_question(row, reason):
    assert verdict(ChoiceQuestion(), row)[0] == reason


def test_choice_question_filter_is_configurable():
    row = math("Is 91 prime?", "no")
    assert verdict(ChoiceQuestion(domains=()), row)[0] is None
    sci = {"domain": "science", "question": "Which is a metal?", "answer": "B", "choices": ["wood", "iron"]}
    assert verdict(ChoiceQuestion(domains=("math", "science")), sci)[0] == "multiple_choice"


def test_unparsable_gold_asks_once_per_distinct_answer():
    asked = []

    def check(answers):
        asked.extend(answers)
        return [a != "\\frac{1}{" for a in answers]

    rows = [math("Compute one half.", "\\frac{1}{"), math("Compute half again.", "\\frac{1}{"), math("Two?", "2"),
            {"domain": "science", "question": "g?", "answer": "\\frac{1}{"}]  # fmt: skip
    out = UnparsableGold(check=check)(frame(rows), StepContext())
    assert out["drop_reason"].to_list() == ["unparsable_gold", "unparsable_gold", None, None]
    assert sorted(asked) == ["2", "\\frac{1}{"]


def test_unparsable_gold_with_the_real_math_verifier():
    # what rewards.math cannot read: an empty \\boxed{} and a 10,000-character "answer"
    rows = [math("Compute one half.", "\\frac{1}{2}"), math("Empty box.", "\\boxed{}"), math("Big.", "10080"),
            math("Pasted a whole solution.", "x + " * 2500)]  # fmt: skip
    out = UnparsableGold()(frame(rows), StepContext())
    assert out["drop_reason"].to_list() == [None, "unparsable_gold", None, "unparsable_gold"]


def test_every_clean_step_keeps_row_count_and_order():
    rows = [math("Prove that 2 is prime.", None), math("x?", "1"), {"domain": "code", "question": "Print it out.", "tests": []},
            math("What is two plus two, exactly?", "4")]  # fmt: skip
    result = run_pipeline(frame(rows), clean_steps(CleanConfig(check_gold=False)))
    assert result.kept["id"].to_list() == ["3"]
    assert dict(zip(result.dropped["id"], result.dropped["drop_reason"])) == {
        "0": "proof_without_answer", "1": "too_short", "2": "missing_tests"}  # fmt: skip
