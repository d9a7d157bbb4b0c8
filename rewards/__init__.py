"""Verifiers and graders: (problem, response) -> Verdict.

`grade(problem, response)` dispatches on the problem's domain (math, science, code); `Grader`
grades many in parallel. Every verdict carries its reason (see `Reason`).
"""

from rewards.grade import BatchGrader, GradeConfig, Grader, grade
from rewards.verdict import Reason, Verdict

__all__ = ["BatchGrader", "GradeConfig", "Grader", "Reason", "Verdict", "grade"]
