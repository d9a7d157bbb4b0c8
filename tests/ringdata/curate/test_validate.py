"""ringdata/curate/validate.py: static test checks, and reference solutions run in the real
Docker sandbox (bundled MBPP and HumanEval problems through the io adapters, plus a case table)."""

from __future__ import annotations

import polars as pl
import pytest

from ringdata.curate.base import DROP_MATCH, DROP_REASON, StepContext
from ringdata.curate.validate import FAILS_REFERENCE, MALFORMED, TRUNCATED, VALIDATED, ValidateTests, static_problem
from ringdata.core.records import Problem, TestCase, problems_to_table
from tests.conftest import DATA, ROOT
from tests.sandboxes.conftest import docker_pool  # noqa: F401 - the session pool fixture


def code(pid: str, tests, solutions=None, entry_point=None) -> Problem:
    return Problem(pid, "code", "t", f"problem {pid}", tests=tests, solutions=solutions, entry_point=entry_point)


ADD = (TestCase(assert_="assert add(1, 2) == 3"), TestCase(assert_="assert add(-1, 1) == 0"))
DOUBLE = (TestCase(input="2\n", output="4\n"), TestCase(input="5\n", output="10\n"))


@pytest.mark.parametrize(
    "tests,reason",
    [
        (None, MALFORMED),
        ([], MALFORMED),
        ([{"input": None, "output": None, "assert": None}], MALFORMED),
        ([{"input": "1\n", "output": None, "assert": None}], MALFORMED),
        ([{"input": None, "output": None, "assert": "assert add(1, 2) =="}], MALFORMED),  # cut off
        ([{"input": "1", "output": "2", "assert": "assert True"}], MALFORMED),
        ([{"input": "1 2 3 4 ...", "output": "10", "assert": None}], TRUNCATED),
        ([{"input": "1\n", "output": "2 4 8 16…\n", "assert": None}], TRUNCATED),
        ([{"input": "3 3\n.#.\n###\n..#\n1 8\n#.#.#...\n", "output": "2 2\n", "assert": None}], TRUNCATED),  # cut
        # a grid whose last row ends in dots is a whole test (data/code_multilang's Manhattan circle)
        ([{"input": "2\n3 3\n.#.\n###\n.#.\n2 4\n#...\n....\n", "output": "2 2\n1 1\n", "assert": None}], None),
        ([{"input": "1\n", "output": "2\n", "assert": None}], None),
        ([{"input": None, "output": "hello\n", "assert": None}], None),  # no stdin is fine
        ([{"input": None, "output": None, "assert": "assert add(1, 2) == 3"}], None),
    ],
)
def test_static_checks(tests, reason):
    got = static_problem(tests)
    assert (got[0] if got else None) == reason


def run_step(step: ValidateTests, problems: list[Problem]) -> pl.DataFrame:
    frame = pl.from_arrow(problems_to_table(problems))
    out = step(frame, StepContext())
    assert out.height == frame.height and out["id"].to_list() == frame["id"].to_list()
    return out


def test_reference_solutions_decide_what_is_kept(docker_pool):  # noqa: F811
    problems = [
        code("right", ADD, ("def add(a, b):\n    return a + b",)),
        code("wrong_test", (TestCase(assert_="assert add(1, 2) == 4"),), ("def add(a, b):\n    return a + b",)),
        code("second_solution", DOUBLE, ("print(int(input()) * 3)", "print(int(input()) * 2)")),
        code("bad_output", (TestCase(input="2\n", output="5\n"),), ("print(int(input()) * 2)",)),
        code("python2_only", DOUBLE, ("print int(raw_input()) * 2",)),
        code("no_solutions", DOUBLE),
        code("no_tests", None, ("print(1)",)),
        Problem("math1", "math", "t", "1+1?", answer="2"),
    ]
    step = ValidateTests(docker_pool, time_s=2.0)
    out = run_step(step, problems)
    got = dict(zip(out["id"], out[DROP_REASON]))
    assert got == {
        "right": None,
        "wrong_test": FAILS_REFERENCE,
        "second_solution": None,
        "bad_output": FAILS_REFERENCE,
        "python2_only": None,
        "no_solutions": None,
        "no_tests": MALFORMED,
        "math1": None,
    }
    validated = dict(zip(out["id"], out[VALIDATED]))
    assert validated["right"] is True and validated["second_solution"] is True
    assert validated["python2_only"] is False and validated["no_solutions"] is False
    assert validated["math1"] is None
    match = dict(zip(out["id"], out[DROP_MATCH]))
    assert "wrong_answer" in match["bad_output"] and "expected '5', got '4'" in match["bad_output"]
    assert step.notes["unvalidated"] == 2 and step.notes["validated"] == 2
    assert step.notes["unvalidated_by_domain"] == {"code": 2}
    assert step.notes["solutions_run"] == 5  # right, wrong_test, bad_output, and both of second_solution
    assert step.notes["sandbox_errors"] == 0


def test_bundled_mbpp_and_humaneval_references_pass(docker_pool):  # noqa: F811
    """Real problems through the io adapters: their reference solutions pass their own tests."""
    from ringdata.core.io.problems import read_problems

    humaneval = ROOT / "tests" / "sandboxes" / "data" / "humaneval.jsonl"  # with canonical solutions
    frame = read_problems([DATA / "problems" / "mbpp_train.jsonl", humaneval]).frame
    frame = pl.concat([frame.filter(pl.col("source") == s).head(25) for s in frame["source"].unique().sort()])
    step = ValidateTests(docker_pool)
    out = step(frame, StepContext())
    failed = out.filter(pl.col(DROP_REASON).is_not_null())
    assert failed.height == 0, failed.select("id", DROP_REASON, DROP_MATCH).to_dicts()
    assert step.notes["validated"] == frame.height == 50
    # ... and a broken reference (its function redefined to return None) is caught.
    broken = frame.head(3).with_columns(
        pl.concat_list(
            pl.col("solutions").list.first() + "\n\ndef " + pl.col("entry_point") + "(*args, **kwargs):\n    return None\n"
        ).alias("solutions")
    )
    assert broken["entry_point"].null_count() == 0
    out = ValidateTests(docker_pool)(broken, StepContext())
    assert out[DROP_REASON].to_list() == [FAILS_REFERENCE] * 3


def test_bundled_cpp_and_java_references_validate_and_wrong_ones_are_caught(docker_pool):  # noqa: F811
    """data/code_multilang (solutions written here): the C++ alone, or the Java alone, validates
    each problem; the known-wrong solutions (one in each language among these four) are caught."""
    from dataclasses import replace

    from ringdata.core.io.problems import read_problems

    frame = read_problems([DATA / "code_multilang" / "problems.jsonl"]).frame.head(4)
    problems = [Problem.from_row(r) for r in frame.to_dicts()]
    for lang in ("cpp", "java"):
        only = [replace(p, solutions=tuple(s for s in p.solutions if s.startswith(f"```{lang}\n"))) for p in problems]
        step = ValidateTests(docker_pool, time_s=2.0)
        out = run_step(step, only)
        assert out[DROP_REASON].to_list() == [None] * 4, out[DROP_MATCH].to_list()
        assert step.notes["solutions_passed_by_language"] == {lang: 4}
    wrong = [replace(p, solutions=tuple(p.metadata["wrong_solutions"])) for p in problems]
    assert {s.split("\n")[0] for p in wrong for s in p.solutions} == {"```python", "```cpp", "```java"}
    out = run_step(ValidateTests(docker_pool, time_s=2.0), wrong)
    assert out[DROP_REASON].to_list() == [FAILS_REFERENCE] * 4, out[DROP_MATCH].to_list()
