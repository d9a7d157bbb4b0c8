"""rewards/code.py on the real Docker sandbox: extraction, reasons, stdio comparison, and real
HumanEval problems graded with their canonical solutions (and mutated ones)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from rewards.code import CodeConfig, CodeGrader, extract_program
from rewards.verdict import Reason
from ringdata.core.records import Problem, TestCase
from sandboxes import Limits
from tests.sandboxes.conftest import docker_pool  # noqa: F401 - the session pool fixture

HUMANEVAL = Path(__file__).resolve().parents[1] / "sandboxes" / "data" / "humaneval.jsonl"
FAST = CodeConfig(limits=Limits(time_s=1.0, wall_factor=2.0))


def stdio(*pairs: tuple[str, str], pid: str = "t/1") -> Problem:
    return Problem(pid, "code", "t", "read n, print 2n", tests=tuple(TestCase(input=i, output=o) for i, o in pairs))


DOUBLE = stdio(("1\n", "2\n"), ("5\n", "10\n"), ("21\n", "42\n"), ("0\n", "0\n"))
MEAN = stdio(("3\n1 2 2\n", "1.6666666667\n"), ("2\n1 2\n", "1.5\n"))


def fenced(code: str, tag: str = "python") -> str:
    return f"Here is my solution.\n\n```{tag}\n{code}\n```\n"


@pytest.fixture(scope="module")
def grader(docker_pool):  # noqa: F811
    with CodeGrader(docker_pool, FAST) as g:
        yield g


@pytest.mark.parametrize(
    "response,reason,fraction",
    [
        # right, in every way a model writes it
        (fenced("print(int(input()) * 2)"), Reason.CORRECT, 1.0),
        (fenced("print(int(input()) * 2)", tag="py"), Reason.CORRECT, 1.0),
        ("print(int(input()) * 2)", Reason.CORRECT, 1.0),  # plain text that is a program
        ("<think>```python\nprint(0)\n```</think>" + fenced("print(int(input())*2)"), Reason.CORRECT, 1.0),
        (fenced("print(0)") + "Better:\n" + fenced("print(int(input()) * 2)"), Reason.CORRECT, 1.0),  # last block
        (fenced("\ufeffprint(int(input()) * 2)"), Reason.CORRECT, 1.0),  # a byte-order mark, as python3 reads a file
        # wrong: the first test fails, nothing after it is run
        (fenced("print(int(input()) * 3)"), Reason.WRONG_ANSWER, 0.0),
        # wrong on test 3 of 4: the fraction says how far it got
        (fenced("n = int(input())\nprint(2 * n if n < 10 else n)"), Reason.WRONG_ANSWER, 0.5),
        (fenced("print(int(input()) // 0)"), Reason.RUNTIME_ERROR, 0.0),
        (fenced("while True:\n    pass"), Reason.TIME_LIMIT, 0.0),
        (fenced("x = bytearray(8 * 2**30)"), Reason.MEMORY_LIMIT, 0.0),
        (fenced("while True:\n    print('spam' * 1000)"), Reason.OUTPUT_LIMIT, 0.0),
        # no sandbox needed
        (fenced("print(int(input()) * 2"), Reason.SYNTAX_ERROR, 0.0),
        (fenced("int main() { return 0; }", tag="cpp"), Reason.WRONG_ANSWER, 0.0),  # C++ that prints nothing
        (fenced("fn main() {}", tag="rust"), Reason.UNSUPPORTED_LANGUAGE, 0.0),
        ("I think the answer is to double the number.", Reason.NO_CODE, 0.0),
        ("   \n", Reason.EMPTY_RESPONSE, 0.0),
    ],
)
def test_reasons(grader, response, reason, fraction):
    verdict = grader.grade(DOUBLE, response)
    assert verdict.reason is reason, verdict
    assert verdict.correct is (reason is Reason.CORRECT)
    assert verdict.reward == (1.0 if reason is Reason.CORRECT else 0.0)
    assert verdict.pass_fraction == pytest.approx(fraction)


def test_wrong_answer_detail_names_the_test_and_token(grader):
    verdict = grader.grade(DOUBLE, fenced("print(int(input()) * 3)"))
    assert verdict.detail.startswith("test 1/4") and "expected '2', got '3'" in verdict.detail


@pytest.mark.parametrize(
    "program,reason",
    [
        ("n = int(input()); xs = list(map(int, input().split())); print(sum(xs) / n)", Reason.CORRECT),
        ("n = int(input()); xs = list(map(int, input().split())); print(f'{sum(xs) / n:.7f}')", Reason.CORRECT),
        ("n = int(input()); xs = list(map(int, input().split())); print(f'{sum(xs) / n:.3f}')", Reason.WRONG_ANSWER),
        ("n = int(input()); xs = list(map(int, input().split())); print(sum(xs) / n, '   ')", Reason.CORRECT),
    ],
)
def test_stdio_compares_tokens_with_float_tolerance(grader, program, reason):
    assert grader.grade(MEAN, fenced(program)).reason is reason


def test_exact_pass_fraction_when_running_every_test(docker_pool):  # noqa: F811
    config = CodeConfig(limits=FAST.limits, stop_on_first_failure=False)
    with CodeGrader(docker_pool, config) as g:
        verdict = g.grade(DOUBLE, fenced("n = int(input())\nprint(2 * n if n != 5 else 0)"))
    assert verdict.reason is Reason.WRONG_ANSWER and verdict.pass_fraction == pytest.approx(0.75)


def test_a_problem_without_tests_is_the_datas_fault(grader):
    verdict = grader.grade(stdio(), fenced("print(1)"))
    assert verdict.reason is Reason.UNPARSABLE_GOLD


def test_a_stdin_test_without_an_expected_output_is_never_compared(grader):
    """An absent output compared as "" would pass an empty program: the data's fault instead."""
    problem = Problem("t/2", "code", "t", "q", tests=(TestCase(input="1\n", output="2\n"), TestCase(input="3\n")))
    for program in ("pass", "print(2 * int(input()))"):
        assert grader.grade(problem, fenced(program)).reason is Reason.UNPARSABLE_GOLD


def humaneval() -> list[dict]:
    if not HUMANEVAL.exists():
        pytest.skip(f"{HUMANEVAL} is not here")
    return [json.loads(line) for line in HUMANEVAL.read_text().splitlines()]


def he_problem(row: dict) -> Problem:
    """As helper A1's adapter stores it: the prompt, and one test that calls check(entry_point)."""
    return Problem(
        row["task_id"], "code", "humaneval", row["prompt"], entry_point=row["entry_point"],
        tests=(TestCase(assert_=f"{row['test']}\n\ncheck({row['entry_point']})\n"),),
    )


@pytest.mark.parametrize("task", ["HumanEval/0", "HumanEval/2", "HumanEval/53", "HumanEval/162"])
def test_humaneval_canonical_solution_passes_and_a_mutant_fails(grader, task):
    row = next(r for r in humaneval() if r["task_id"] == task)
    problem = he_problem(row)
    right = grader.grade(problem, fenced(row["prompt"] + row["canonical_solution"]))
    assert right.reason is Reason.CORRECT, right
    mutant = row["canonical_solution"].replace("return ", "return not ", 1) if task != "HumanEval/162" else (
        row["canonical_solution"].replace("md5", "sha1")
    )
    assert mutant != row["canonical_solution"]
    wrong = grader.grade(problem, fenced(row["prompt"] + mutant))
    assert wrong.reason in (Reason.WRONG_ANSWER, Reason.RUNTIME_ERROR), wrong
    assert wrong.reward == 0.0


def test_humaneval_completion_style_answer_gets_the_stub(grader):
    row = next(r for r in humaneval() if r["task_id"] == "HumanEval/0")
    assert grader.grade(he_problem(row), fenced(row["canonical_solution"])).reason is Reason.CORRECT


def test_a_check_function_nobody_calls_is_called(grader):
    """Without the call, `def check(...)` alone would pass any program."""
    problem = Problem(
        "t/2", "code", "t", "add", entry_point="add",
        tests=(TestCase(assert_="def check(candidate):\n    assert candidate(1, 2) == 3\n"),),
    )
    assert grader.grade(problem, fenced("def add(a, b):\n    return a - b")).reason is Reason.WRONG_ANSWER
    assert grader.grade(problem, fenced("def add(a, b):\n    return a + b")).reason is Reason.CORRECT


def test_grade_many_grades_all_humaneval_canonical_solutions(grader):
    rows = humaneval()
    items = [(he_problem(r), fenced(r["prompt"] + r["canonical_solution"])) for r in rows]
    items += [(he_problem(rows[0]), "no code here"), (he_problem(rows[1]), fenced("def broken(:"))]
    done = []
    verdicts = grader.grade_many(items, on_done=done.append)
    assert [v.reason for v in verdicts[:-2]] == [Reason.CORRECT] * len(rows)
    assert [v.reason for v in verdicts[-2:]] == [Reason.NO_CODE, Reason.SYNTAX_ERROR]
    assert sum(done) == len(items)


@pytest.mark.parametrize(
    "response,program",
    [
        ("```python\nx = 1\n```", "x = 1"),
        ("text\n```\nx = 2\n```\nmore", "x = 2"),
        ("```python3\nx = 3\n```\n```js\nlet y;\n```", "x = 3"),
        ("<think>```python\nx = 0\n```</think>\n\nx = 4", "x = 4"),
        ("```rust\nfn main() {}\n```", None),
        ("```cpp\nint main() {}\n```", "int main() {}"),
        ("```python\nx = 1\n```\n```c++\nint main() {}\n```", "int main() {}"),  # the last block, any language
        ("Just prose, no program.", None),
    ],
)
def test_extract_program(response, program):
    assert extract_program(response)[0] == program


# --------------------------------------------------------------------------- C++ and Java

CPP_DOUBLE = "#include <iostream>\nint main() { long long n; std::cin >> n; std::cout << 2 * n << std::endl; }"
JAVA_DOUBLE = ("import java.util.*;\npublic class Doubler {\n    public static void main(String[] a) {\n"
               "        System.out.println(2 * new Scanner(System.in).nextLong());\n    }\n}")  # fmt: skip


@pytest.mark.parametrize(
    "response,language,program_language,reason_if_none",
    [
        # the fence names the language; an untagged block is guessed
        (fenced(CPP_DOUBLE, "cpp"), None, "cpp", None),
        (fenced(CPP_DOUBLE, "C++"), None, "cpp", None),
        (fenced(CPP_DOUBLE, ""), None, "cpp", None),
        (fenced(JAVA_DOUBLE, "java"), None, "java", None),
        (fenced(JAVA_DOUBLE, ""), None, "java", None),
        (fenced("print(1)", ""), None, "python", None),
        (fenced("# include the last element\nprint(1)", ""), "python", "python", None),  # Python that reads like C++
        (CPP_DOUBLE, None, "cpp", None),  # no fence at all
        # the problem asks for one language: the last block in it, whatever comes after
        (fenced(CPP_DOUBLE, "cpp") + fenced("print(1)"), "cpp", "cpp", None),
        (fenced(JAVA_DOUBLE, "java"), "cpp", None, "java"),  # wrong language
        (fenced("print(1)"), "java", None, "python"),
        (fenced("fn main() {}", "rust"), None, None, "rust"),  # a language the sandbox does not run
        (fenced("3 4", "text"), None, None, None),  # no code at all
    ],
)
def test_extract_program_picks_the_language(response, language, program_language, reason_if_none):
    program, why, found = extract_program(response, language)
    if program_language:
        assert program is not None and found == program_language, why
    else:
        assert program is None and found == reason_if_none, why


@pytest.mark.parametrize(
    "response,language,reason",
    [
        (fenced(CPP_DOUBLE, "cpp"), None, Reason.CORRECT),
        (fenced(JAVA_DOUBLE, "java"), None, Reason.CORRECT),
        (fenced(JAVA_DOUBLE, "java"), "java", Reason.CORRECT),
        (fenced(CPP_DOUBLE.replace("2 * n", "3 * n"), "cpp"), None, Reason.WRONG_ANSWER),
        (fenced("int main() { return undeclared; }", "cpp"), None, Reason.COMPILE_ERROR),
        (fenced("public class Main { void broken( }", "java"), None, Reason.COMPILE_ERROR),
        (fenced(CPP_DOUBLE, "cpp"), "java", Reason.WRONG_LANGUAGE),
        (fenced("print(int(input()) * 2)"), "cpp", Reason.WRONG_LANGUAGE),
        (fenced("package main\nfunc main() {}", "go"), None, Reason.UNSUPPORTED_LANGUAGE),
    ],
)
def test_cpp_and_java_responses(grader, response, language, reason):
    verdict = grader.grade(replace(DOUBLE, language=language), response)
    assert verdict.reason is reason, verdict
    if reason is Reason.COMPILE_ERROR:
        assert "error" in verdict.detail


def test_function_call_tests_are_python_only(grader):
    problem = Problem("t/2", "code", "t", "write add", tests=(TestCase(assert_="assert add(1, 2) == 3"),))
    verdict = grader.grade(problem, fenced("int add(int a, int b) { return a + b; }", "cpp"))
    assert verdict.reason is Reason.WRONG_LANGUAGE and "python" in verdict.detail


def test_bundled_solutions_in_every_language_pass_and_wrong_ones_fail(grader):
    """data/code_multilang: 23 Codeforces problems, accepted Python, C++ and Java solutions
    (written here) and a known-wrong one each, graded as responses."""
    from ringdata.core.io.problems import read_problems

    frame = read_problems([Path(__file__).resolve().parents[2] / "data" / "code_multilang" / "problems.jsonl"]).frame
    problems = [Problem.from_row(r) for r in frame.to_dicts()]
    items = [(p, s) for p in problems for s in p.solutions]
    wrong = [(p, s) for p in problems for s in p.metadata["wrong_solutions"]]
    verdicts = grader.grade_many(items + wrong)
    right = {s.split("\n")[0][3:]: 0 for _, s in items}
    for (p, s), v in zip(items, verdicts):
        assert v.correct, (p.id, s.split("\n")[0], v.reason, v.detail)
        right[s.split("\n")[0][3:]] += 1
    assert right == {"python": 23, "cpp": 23, "java": 23}
    for (p, s), v in zip(wrong, verdicts[len(items):]):
        assert not v.correct, (p.id, p.metadata["wrong_bug"])
