"""The toy task: deterministic, distinct, and graded right by the real graders."""

import pytest

from rewards import Reason, grade
from ringdata.core.io import read_problems
from train.toy import code_problems, math_problems, reference_response, write_toy


def test_math_problems_are_seeded_distinct_and_correct():
    a, b = math_problems(50, seed=3), math_problems(50, seed=3)
    assert a == b and a != math_problems(50, seed=4)
    assert len({p.question for p in a}) == 50
    for p in a:
        x, op, y = p.metadata["a"], p.metadata["op"], p.metadata["b"]
        assert int(p.answer) == {"+": x + y, "-": x - y, "*": x * y}[op]


def test_the_whole_task_is_finite():
    assert len(math_problems(10**6)) == 236


@pytest.mark.parametrize("problem", math_problems(6, seed=1), ids=lambda p: p.question)
def test_real_math_grader_accepts_the_reference_and_rejects_a_wrong_box(problem):
    assert grade(problem, reference_response(problem)).correct
    wrong = grade(problem, f"\\boxed{{{int(problem.answer) + 1}}}")
    assert not wrong.correct and wrong.reason is Reason.WRONG_ANSWER


def test_code_reference_passes_in_the_sandbox_and_a_wrong_program_fails():
    from rewards.code import CodeGrader

    problem = code_problems(1, seed=2)[0]
    with CodeGrader("auto") as grader:
        right, wrong = grader.grade_many([(problem, reference_response(problem)),
                                          (problem, "```python\nprint(0)\n```")])
    assert right.correct and right.pass_fraction == 1.0
    assert not wrong.correct and wrong.reason is Reason.WRONG_ANSWER


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_written_toy_files_read_back_as_the_same_problems(tmp_path, suffix):
    problems = math_problems(5) + code_problems(2)
    frame = read_problems([write_toy(problems, tmp_path / f"toy{suffix}")]).frame
    assert frame["id"].to_list() == [p.id for p in problems]
    assert frame["answer"].to_list()[:5] == [p.answer for p in problems[:5]]
