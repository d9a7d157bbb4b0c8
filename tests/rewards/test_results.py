"""rewards/results.py: verdict rows, pass rates and pass@k by domain, from graded responses."""

from __future__ import annotations

import pytest

from rewards.results import Graded, accuracy_by_domain, default_ks, pass_at_k, pass_rates, reason_counts, verdict_rows
from rewards.verdict import Reason, Verdict
from ringdata.core.io.runs import VERDICT_SCHEMA, PassRate, Response
from ringdata.core.records import Problem

M = Problem(id="m", domain="math", source="t", question="q", answer="1")
S = Problem(id="s", domain="science", source="t", question="q", answer="B", choices=("a", "b"))


def _graded(problem: Problem, sample: int, correct: bool) -> Graded:
    verdict = Verdict.right("1") if correct else Verdict.wrong(Reason.WRONG_ANSWER, "2")
    return Graded(Response(problem.id, sample, "r"), problem, verdict, 0.1)


GRADED = [_graded(M, 0, True), _graded(M, 1, False), _graded(M, 2, False), _graded(M, 3, True),
          _graded(S, 0, True), _graded(S, 1, True)]  # fmt: skip


@pytest.mark.parametrize("n,c,k,expected", [(4, 1, 1, 0.25), (4, 1, 2, 0.5), (4, 0, 3, 0.0), (4, 4, 4, 1.0), (10, 3, 5, 1 - 21 / 252)])
def test_pass_at_k_is_the_unbiased_estimator(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_rates_are_mean_rewards_per_problem_in_first_seen_order():
    assert pass_rates(GRADED) == [PassRate("m", 0.5, 4), PassRate("s", 1.0, 2)]


def test_accuracy_by_domain_then_all():
    ks = default_ks(GRADED)
    assert ks == [1, 2]  # 1 and the fewest samples any problem has
    rows = {r.domain: r for r in accuracy_by_domain(GRADED, ks)}
    assert list(rows) == ["math", "science", "all"]
    assert (rows["math"].responses, rows["math"].correct, rows["math"].accuracy) == (4, 2, 0.5)
    assert rows["math"].pass_at[2] == pytest.approx(pass_at_k(4, 2, 2))
    assert rows["all"].problems == 2 and rows["all"].pass_at[1] == pytest.approx((0.5 + 1.0) / 2)
    only_math_has_4 = {r.domain: r.pass_at[4] for r in accuracy_by_domain(GRADED, [4])}
    assert only_math_has_4 == {"math": pytest.approx(1.0), "science": None, "all": pytest.approx(1.0)}


def test_verdict_rows_have_exactly_the_file_columns():
    rows = verdict_rows(GRADED)
    assert [set(r) for r in rows] == [set(VERDICT_SCHEMA.names)] * len(GRADED)
    assert rows[1]["reason"] == "wrong_answer" and rows[1]["sample"] == 1 and rows[1]["domain"] == "math"
    assert reason_counts(GRADED) == [("correct", 4), ("wrong_answer", 2)]
