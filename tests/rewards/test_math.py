"""rewards/math.py: extraction, normalisation, equivalence (case tables) and gold parsing."""

from __future__ import annotations

import pytest

from rewards.math import MathConfig, check, extract_answer, gold_is_parsable, normalize
from tests.rewards.conftest import agreement, load_cases


def test_case_tables_agree_at_least_99_percent(grader):
    rows = load_cases("math")
    assert len(rows) >= 400, "the labelled math table shrank"
    score, bad = agreement(grader, rows)
    print("\n".join(["math disagreements:", *bad]))
    assert score >= 0.99, f"{len(bad)} of {len(rows)} math cases disagree:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "response,expected",
    [
        # the answer section is what follows </think>
        ("<think>\\boxed{1}</think>\\boxed{2}", "2"),
        ("<think>never closed \\boxed{1}", None),
        # anchors, in priority order
        ("x \\boxed{1} y \\boxed{2}", "2"),
        ("\\fbox{7}", "7"),
        ("\\boxed{\\frac{1}{\\sqrt{2}}}", "\\frac{1}{\\sqrt{2}}"),
        ("The final answer is $\\frac{3}{4}$. I hope it is correct.", "\\frac{3}{4}"),
        ("work\n#### 1,234", "1,234"),
        ("So the answer is 42.", "42"),
        ("Answer: 42", "42"),
        # nothing anchored: no answer, even with numbers around
        ("We get 3, then 4, then 5.", None),
        ("", None),
    ],
)
def test_extract_answer(response, expected):
    assert extract_answer(response)[0] == expected


@pytest.mark.parametrize(
    "raw,normalised",
    [
        ("1{,}000", "1000"),
        ("1\\,000", "1000"),
        ("1,000,000", "1000000"),
        ("1,2", "1,2"),  # not a grouped number: a list
        ("\\dfrac{1}{2}", "\\frac{1}{2}"),
        ("1.5e-3", "1.5\\times10^{-3}"),
        ("\\left(1, 2\\right)", "(1, 2)"),
    ],
)
def test_normalize(raw, normalised):
    assert normalize(raw) == normalised


@pytest.mark.parametrize("raw,normalised", [("12\\text{ cm}", "12"), ("\\$18", "18"), ("5 apples", "5"), ("28 percent", "28\\%")])
def test_response_side_units_are_dropped(raw, normalised):
    assert normalize(raw, response_side=True) == normalised


@pytest.mark.parametrize(
    "gold,parsable",
    [("\\frac{1}{2}", True), ("\\left( 3, \\frac{\\pi}{2} \\right)", True), ("\\text{(C)}", True), ("42", True),
     ("", False), ("   ", False), ("x" * 5000, False), ("\\frac{", False)],
)
def test_gold_is_parsable(gold, parsable):
    assert gold_is_parsable(gold) is parsable


def test_unparsable_gold_is_the_datas_fault():
    reason, _, detail = check("\\frac{", "\\boxed{1}")
    assert reason == "unparsable_gold" and "gold" in detail


def test_overlong_answer_is_wrong_not_parsed():
    reason, _, detail = check("1", "\\boxed{" + "1+" * 2000 + "1}", MathConfig(max_answer_chars=100))
    assert reason == "wrong_answer" and "longer" in detail


def test_golds_are_parsable_matches_the_one_at_a_time_check():
    from rewards.math import gold_is_parsable, golds_are_parsable

    golds = ["\\frac{1}{2}", "", "\\boxed{}", "x^2+1", "\\frac{1}{", "(1, 2]", "   ", "10080"]
    assert golds_are_parsable(golds) == [gold_is_parsable(g) for g in golds]
    assert golds_are_parsable(golds) == [True, False, False, True, False, True, False, True]
