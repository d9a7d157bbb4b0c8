"""rewards/math/ (the package): extraction, normalisation, equivalence (case tables) and gold parsing."""

from __future__ import annotations

import pytest

from rewards.math import MathConfig, check, gold_is_parsable
from rewards.math.canonical import normalize
from rewards.math.reading import extract_answer
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
    verdict = check("\\frac{", "\\boxed{1}")
    assert verdict.reason == "unparsable_gold" and "gold" in verdict.detail and verdict.reward == 0.0


def test_overlong_answer_is_wrong_not_parsed():
    verdict = check("1", "\\boxed{" + "1+" * 2000 + "1}", MathConfig(max_answer_chars=100))
    assert verdict.reason == "wrong_answer" and "longer" in verdict.detail


def test_golds_are_parsable_matches_the_one_at_a_time_check():
    from rewards.math import gold_is_parsable, golds_are_parsable

    golds = ["\\frac{1}{2}", "", "\\boxed{}", "x^2+1", "\\frac{1}{", "(1, 2]", "   ", "10080"]
    assert golds_are_parsable(golds) == [gold_is_parsable(g) for g in golds]
    assert golds_are_parsable(golds) == [True, False, False, True, False, True, False, True]


# ---- hedges (reward 0, a reason of their own) and the honest forms beside them ---------------


@pytest.mark.parametrize(
    "gold,response,reason",
    [
        # several candidates, however joined
        ("8", "either $\\boxed{9}$ or $\\boxed{8}$", "multiple_answers"),
        ("8", "The answer is $8$ or $9$.", "multiple_answers"),
        ("8", "$\\boxed{8 \\text{ or 9}}$", "multiple_answers"),
        ("8", "$\\boxed{9}, \\boxed{8}$", "multiple_answers"),
        ("8", "$\\boxed{8}$ (or possibly $9$)", "multiple_answers"),
        ("8", "<think>x</think>$\\boxed{9}$</think>$\\boxed{8}$", "multiple_answers"),
        ("8", "$\\boxed{\\begin{cases} 9 \\\\ 8 \\end{cases}}$", "multiple_answers"),
        # a range, a relation, a false equation, a question
        ("8", "$\\boxed{< 79}$", "multiple_answers"),
        ("8", "$\\boxed{\\neq 8}$", "multiple_answers"),
        ("8", "$\\boxed{9 = 8}$", "multiple_answers"),
        ("8", "$\\boxed{8?}$", "multiple_answers"),
        ("8", "$\\boxed{\\color{white}{9} 8}$", "multiple_answers"),
        # two readings, a base, a text key that glued digits
        ("8", "$\\boxed{800\\%}$", "wrong_answer"),
        ("8", "$\\boxed{8_{9}}$", "wrong_answer"),
        ("31", "$\\boxed{3 1}$", "multiple_answers"),
        ("\\frac{14}{3}", "$\\boxed{\\frac{1}{43}}$", "wrong_answer"),
        (".0000672", "$\\boxed{0.0000666}$", "wrong_answer"),
    ],
)
def test_hedges_score_zero(gold, response, reason):
    assert check(gold, response).reason == reason


@pytest.mark.parametrize(
    "gold,response",
    [
        ("8", "$\\boxed{\\text{8 dollars}}$"),
        ("8", "The answer is 8, not 9."),
        ("8", "$\\boxed{\\color{red}{8}}$"),
        ("\\frac{1}{3}", "$\\boxed{0.\\overline{3}}$"),
        ("\\frac{1}{6}", "$\\boxed{0.1\\overline{6}}$"),
        ("10455", "We had $\\boxed{255}$ first.\nFinal Answer: The final answer is $10,455$."),
        ("120", "Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct."),
        ("11111111100", "$\\boxed{11,\\! 111,\\! 111,\\! 100}$"),
        ("1, -2", "$\\boxed{-2} \\quad\\text{and}\\quad \\boxed{1}$"),
        ("(2, 2), (6, 2)", "$$\\boxed{(2, 2)} \\quad \\text{and} \\quad \\boxed{(6, 2)}$$"),
        ("p=5,q=2;p=7,q=2", "$\\boxed{(5,2),(7,2)}$"),
        ("5", "We get \\boxed{3} from the first case and \\boxed{5} in total."),
        ("8", "$\\boxed{8}$ (or equivalently $\\frac{16}{2}$)"),
    ],
)
def test_honest_forms_score_one(gold, response):
    assert check(gold, response).reason == "correct"


@pytest.mark.parametrize(
    "question,gold,answer",
    [("Simplify $\\sqrt{242}$.", "11\\sqrt2", "\\sqrt{242}"), ("Compute $\\dbinom{31}{28}$.", "4495", "\\dbinom{31}{28}"),
     ("Express $0.\\overline{3}$ as a common fraction.", "\\frac{1}{3}", "0.\\overline{3}")],
)
def test_the_questions_own_expression_is_unevaluated_and_its_value_is_correct(question, gold, answer):
    assert check(gold, f"$\\boxed{{{answer}}}$", question=question).reason == "unevaluated"
    assert check(gold, f"$\\boxed{{{gold}}}$", question=question).reason == "correct"
    assert check(gold, f"$\\boxed{{{answer}}}$").reason == "correct"  # without the question the rule cannot run


def test_a_list_gold_accepts_its_solutions_joined_by_or():
    """'x = 1 or x = 2' is how a solution set is written: no gain, the whole list must match."""
    assert check("1, 2", "$\\boxed{x = 1 \\text{ or } x = 2}$").reason == "correct"
    assert check("1, 2", "$\\boxed{x = 1 \\text{ or } x = 3}$").reason == "wrong_answer"


def test_the_grader_passes_the_question(grader):
    from ringdata.core.records import Problem

    problem = Problem(id="p", domain="math", source="t", question="Simplify $\\sqrt{242}$.", answer="11\\sqrt2")
    assert grader.grade(problem, "$\\boxed{\\sqrt{242}}$").reason.value == "unevaluated"
    assert grader.grade(problem, "$\\boxed{11\\sqrt{2}}$").reward == 1.0


def test_an_alternative_after_the_final_answer_sentence_is_a_hedge():
    """Found by playing the policy through `ringdata grade`: this scored 1 before."""
    from rewards.math import check

    assert check("5", r"Final Answer: $5$. (Alternatively $7$.)").reason == "multiple_answers"
    assert check("5", r"Final Answer: $5$.").reason == "correct"  # the honest form keeps its reward
