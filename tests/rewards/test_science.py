"""rewards/science.py: option letters in every phrasing, hedging, option text, numbers with units."""

from __future__ import annotations

import pytest

from rewards.science import ScienceConfig, check, extract_letter, is_multiple_choice, parse_quantity, unit_expression
from tests.rewards.conftest import agreement, load_cases

CHOICES = ("1 m", "2 m", "3 m", "4 m")


def test_case_tables_agree_at_least_99_percent(grader):
    rows = load_cases("science")
    assert len(rows) >= 150
    score, bad = agreement(grader, rows)
    print("\n".join(["science disagreements:", *bad]))
    assert score >= 0.99, f"{len(bad)} of {len(rows)} science cases disagree:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "response,letter",
    [
        # phrasings
        ("Answer: (C)", "C"), ("\\boxed{C}", "C"), ("$\\boxed{\\text{C}}$", "C"), ("the correct option is C", "C"),
        ("The answer is choice C.", "C"), ("**C**", "C"), ("(C)", "C"), ("C.", "C"),
        # the option's text instead of its letter
        ("the answer is 3 m", "C"),
        # hedging is marked, not resolved
        ("The answer is A or C.", "A,C"), ("\\boxed{A, C}", "A,C"),
        # nothing
        ("I do not know.", None),
    ],
)
def test_extract_letter(response, letter):
    assert extract_letter(response, CHOICES)[0] == letter


@pytest.mark.parametrize(
    "answer,choices,mc",
    [("C", CHOICES, True), ("(B)", CHOICES, True), ("3.2", None, False), ("C", None, False), ("3.2", CHOICES, False)],
)
def test_is_multiple_choice(answer, choices, mc):
    assert is_multiple_choice(answer, choices) is mc


def test_gold_letter_beyond_options_is_unparsable_gold():
    assert check("F", CHOICES, None, "Answer: F")[0] == "unparsable_gold"


@pytest.mark.parametrize(
    "latex,pint_expr",
    [("\\mathrm{~J} \\mathrm{~mol}^{-1}", "J*mol**-1"), ("\\mathrm{~m} / \\mathrm{s}", "m/s"), ("\\mu \\mathrm{C}", "uC"),
     ("10^{-19} \\mathrm{~C}", "10**-19*C")],
)
def test_unit_expression(latex, pint_expr):
    assert unit_expression(latex) == pint_expr


@pytest.mark.parametrize(
    "text,value",
    [("1.5\\times10^{-3}", 1.5e-3), ("1.5e-3 m", 1.5e-3), ("1,234 J", 1234.0), ("-\\frac{1}{4}", -0.25), ("x = 2.5", 2.5), ("about", None)],
)
def test_parse_quantity_number(text, value):
    got, _ = parse_quantity(text)
    assert got == pytest.approx(value) if value is not None else got is None


def test_tolerance_is_configurable():
    assert check("100", None, None, "\\boxed{104}", ScienceConfig(rel_tol=0.05))[0] == "correct"
    assert check("100", None, None, "\\boxed{104}", ScienceConfig(rel_tol=0.01))[0] == "wrong_answer"
