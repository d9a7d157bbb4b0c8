"""Normalise: question text and canonical answers, as case tables."""

import polars as pl
import pyarrow as pa
import pytest

from ringdata.curate.base import StepContext
from ringdata.curate.normalise import Normalise
from ringdata.core.records import PROBLEM_SCHEMA


def frame(rows):
    full = [{"id": str(i), "source": "t", **r} for i, r in enumerate(rows)]
    return pl.from_arrow(pa.Table.from_pylist(full, schema=PROBLEM_SCHEMA))


def normalise(rows):
    out = Normalise()(frame(rows), StepContext())
    assert out["drop_reason"].null_count() == out.height  # normalising never drops
    return out


@pytest.mark.parametrize(
    "question,expected",
    [
        # boilerplate prefixes
        ("Problem: Find $x$.", "Find $x$."),
        ("Question 3. What is 2+2?", "What is 2+2?"),
        ("Q: How many?", "How many?"),
        ("Problem 12: Compute it.", "Compute it."),
        ("Problems of this kind are hard. Solve one.", "Problems of this kind are hard. Solve one."),
        # whitespace
        ("  What  is\t 2+2?\r\n\r\n\r\n\r\nExplain.  ", "What is 2+2?\n\nExplain."),
        # Unicode: NFKC, but superscript digits keep their meaning
        ("Ｆｉｎｄ x² + y₁ when x = ½", "Find x^2 + y_1 when x = 1⁄2"),
        ("Find\u00a0the\u2003root.", "Find the root."),
    ],
)
def test_question(question, expected):
    assert normalise([{"domain": "math", "question": question}])["question"][0] == expected


def test_code_question_keeps_inner_spacing():
    q = "Print the grid.\n\nExample\n\n1  2\n3  4"
    assert normalise([{"domain": "code", "question": q}])["question"][0] == q


@pytest.mark.parametrize(
    "answer,expected",
    [
        # wrappers
        ("$5$", "5"),
        ("$$5$$", "5"),
        ("\\(x+1\\)", "x+1"),
        ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        ("$\\boxed{7}$", "7"),
        ("\\boxed{a}+\\boxed{b}", "\\boxed{a}+\\boxed{b}"),  # two boxes: not one wrapper
        # trailing period, sign, currency
        ("3.", "3"),
        ("0.5", "0.5"),
        ("x = 3...", "x = 3..."),
        ("+65.49", "65.49"),
        ("\\$18.90", "18.90"),
        # thousands separators only when the whole answer is one number
        ("1,000", "1000"),
        ("1,234,567.5", "1234567.5"),
        ("10,\\!080", "10080"),
        ("1{,}000", "1000"),
        ("1, 2", "1, 2"),
        ("12,34", "12,34"),
        ("(1,000)", "(1,000)"),
        # Unicode
        ("x²", "x^2"),
        (" 42 ", "42"),
    ],
)
def test_math_answer(answer, expected):
    assert normalise([{"domain": "math", "question": "q", "answer": answer}])["answer"][0] == expected


@pytest.mark.parametrize("answer,expected", [("(b)", "B"), (" C. ", "C"), ("a", "A")])
def test_choice_answer_is_one_capital_letter(answer, expected):
    out = normalise([{"domain": "science", "question": "q", "answer": answer, "choices": [" x ", "y", "z"]}])
    assert out["answer"][0] == expected
    assert out["choices"][0].to_list() == ["x", "y", "z"]


def test_null_answer_and_code_tests_untouched():
    tests = [{"input": "  1  2\r\n", "output": "3 \n", "assert": None}]
    out = normalise([{"domain": "code", "question": "Add.", "tests": tests}, {"domain": "math", "question": "q"}])
    assert out["tests"][0].to_list() == tests
    assert out["answer"].to_list() == [None, None]
