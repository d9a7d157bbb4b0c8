"""rewards/grade.py: dispatch by domain, bounded time, threads, verifier and sandbox failures."""

from __future__ import annotations

import threading
import time

import pytest

from rewards import GradeConfig, Grader, Reason, grade
from ringdata.core.records import Problem, TestCase

MATH = Problem(id="m", domain="math", source="t", question="q", answer="5")


def test_grading_from_a_non_main_thread_works(grader):
    out: list = []
    thread = threading.Thread(target=lambda: out.append(grader.grade(MATH, "\\boxed{5}")))
    thread.start()
    thread.join(30)
    assert out and out[0].correct


@pytest.mark.parametrize(
    "response",
    [
        "\\boxed{2^{2^{2^{100}}}}",
        "\\boxed{10^{10^{10^{10}}}!}",
        "x" * 1_000_000 + " \\boxed{4}",
        "\\boxed{" + "{" * 8_000 + "1" + "}" * 8_000 + "}",
        "\\boxed{" + "(" * 5_000 + "1" + ")" * 5_000 + "}",
        "\\boxed{\\frac{1}{0}}",
        "\\boxed{" + "\\frac{1}{" * 300 + "2" + "}" * 300 + "}",
    ],
    ids=["power-tower", "factorial-tower", "1MB", "nested-braces", "nested-parens", "div-by-zero", "nested-fracs"],
)
def test_pathological_responses_finish_within_the_bound(response):
    timeout = 3.0
    with Grader(GradeConfig(workers=1, timeout_s=timeout)) as g:
        g.grade(MATH, "\\boxed{5}")  # worker started outside the measured call
        start = time.monotonic()
        verdict = g.grade(MATH, response)
        elapsed = time.monotonic() - start
        assert verdict.reason in (Reason.TIMEOUT, Reason.WRONG_ANSWER), verdict
        assert elapsed < timeout + 2.0, f"took {elapsed:.1f} s"
        assert g.grade(MATH, "\\boxed{5}").correct  # the grader still works afterwards


@pytest.mark.parametrize(
    "problem,response,reason",
    [
        (MATH, "", Reason.EMPTY_RESPONSE),
        (MATH, None, Reason.EMPTY_RESPONSE),
        (MATH, "   \n", Reason.EMPTY_RESPONSE),
        (Problem(id="x", domain="math", source="t", question="q", answer=None), "\\boxed{1}", Reason.UNPARSABLE_GOLD),
        (Problem(id="s", domain="science", source="t", question="q", answer="B", choices=("x", "y")), "Answer: B", Reason.CORRECT),
        (Problem(id="n", domain="science", source="t", question="q", answer="3.2", metadata={"unit": "m/s"}), "\\boxed{11.52 km/h}", Reason.CORRECT),
        (Problem(id="e", domain="science", source="t", question="q", answer="\\frac{1}{2}"), "\\boxed{0.5}", Reason.CORRECT),
    ],
)
def test_dispatch_by_domain(grader, problem, response, reason):
    assert grader.grade(problem, response).reason is reason


@pytest.mark.parametrize(
    "status,reason",
    [("error", Reason.VERIFIER_ERROR), ("timeout", Reason.TIMEOUT), ("died", Reason.TIMEOUT)],
)
def test_a_verifier_failure_is_never_called_a_wrong_answer(status, reason):
    """A verifier that raised, hung or died says nothing about the answer: its own reason, reward 0."""
    from rewards.grade import _verdict
    from rewards.pool import Outcome

    verdict = _verdict(Outcome(status, "ZeroDivisionError: boom", 0.1))
    assert verdict.reason is reason and verdict.reward == 0.0 and not verdict.correct
    assert "boom" in verdict.detail


def test_module_level_grade_returns_a_verdict():
    verdict = grade(MATH, "The final answer is $5$.")
    assert verdict.correct and verdict.reward == 1.0 and verdict.extracted == "5"


def test_a_sandbox_that_cannot_open_gives_sandbox_error_not_a_crash():
    """The code problem has tests and the response compiles, so grading must open the sandbox; the
    chosen one cannot start (its interpreter is outside /usr): sandbox_error, reward 0, the cause
    in the detail."""
    from sandboxes import SandboxChoice
    from sandboxes.local import LocalConfig

    code = Problem(id="c", domain="code", source="t", question="q", tests=(TestCase(input="", output="1\n"),))
    broken = SandboxChoice("local", local=LocalConfig(python="/opt/no-such/python3"))
    with Grader(GradeConfig(sandbox=broken)) as g:
        verdict = g.grade(code, "```python\nprint(1)\n```")
    assert verdict.reason is Reason.SANDBOX_ERROR and verdict.reward == 0.0
    assert "/opt/no-such/python3" in verdict.detail


def test_an_unknown_sandbox_kind_is_refused_where_it_is_chosen():
    from ringdata.core.errors import RingdataError
    from sandboxes import SandboxChoice

    with pytest.raises(RingdataError, match="unknown sandbox 'no-such-sandbox'; choose auto, docker, local"):
        SandboxChoice("no-such-sandbox")
