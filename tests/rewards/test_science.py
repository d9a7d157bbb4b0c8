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
    assert check("F", CHOICES, None, "Answer: F").reason == "unparsable_gold"


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
    assert check("100", None, None, "\\boxed{104}", ScienceConfig(rel_tol=0.05)).reason == "correct"
    assert check("100", None, None, "\\boxed{104}", ScienceConfig(rel_tol=0.01)).reason == "wrong_answer"


@pytest.mark.parametrize(
    "response,reason",
    [
        ("The answer is (B) (C).", "multiple_answers"), ("Answer: B (or A)", "multiple_answers"),
        ("$\\boxed{B+C}$", "multiple_answers"), ("Answer: BC", "multiple_answers"), ("Answer: (C)?", "multiple_answers"),
        ("<think>x</think>Answer: A</think>Answer: C", "multiple_answers"),
        # honest
        ("The answer is (C). This choice is a direct consequence.", "correct"), ("Answer: ( C )", "correct"),
        ("Answer: Ｃ", "correct"), ("The answer is (C). Option A would need the opposite sign.", "correct"),
    ],
)
def test_letters_hedged_and_honest(response, reason):
    assert check("C", CHOICES, None, response).reason == reason


@pytest.mark.parametrize(
    "gold,unit,response,reason",
    [
        ("50.7", "atm", "$\\boxed{11, 50.7}$", "multiple_answers"),
        ("50.7", "atm", "$\\boxed{50.7 \\text{ or } 53.2}$", "multiple_answers"),
        ("50.7", "atm", "$\\boxed{50.7-53.2}$", "multiple_answers"),
        ("50.7", "atm", "$\\boxed{< 100}$", "multiple_answers"),
        ("50.7", "atm", "$\\boxed{50.7 \\text{ bananas}}$", "wrong_answer"),
        ("1.4", "\\mathrm{ft-lb}", "$\\boxed{1.4 \\mathrm{J}}$", "wrong_answer"),
        # the gold's precision: a correct rounding, not a band
        ("50.7", "atm", "$\\boxed{50.73}$", "correct"), ("50.7", "atm", "$\\boxed{50.75}$", "wrong_answer"),
        ("50.7", "atm", "$\\boxed{51}$", "wrong_answer"), ("50.7", "atm", "$\\boxed{51.16}$", "wrong_answer"),
        ("8.3147", None, "$\\boxed{8.32}$", "wrong_answer"), ("5654.86677646", None, "$\\boxed{5654.87}$", "correct"),
        # units
        ("1.4", "\\mathrm{ft-lb}", "$\\boxed{1.9 \\mathrm{J}}$", "correct"), ("273", "K", "$\\boxed{0 ^\\circ C}$", "correct"),
        ("2.7", "10^6 \\mathrm{m}", "$\\boxed{2.7 \\times 10^{6} \\mathrm{m}}$", "correct"),
        ("2.7", "10^6 \\mathrm{m}", "$\\boxed{2.7}$", "correct"),
    ],
)
def test_numbers_hedged_and_honest(gold, unit, response, reason):
    assert check(gold, None, unit, response).reason == reason
