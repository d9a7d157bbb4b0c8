"""Code rewards: run the response's program on the problem's tests in a sandbox.

    with CodeGrader(SandboxChoice("docker")) as grader:
        verdicts = grader.grade_many([(problem, response), ...])

The program is the last fenced code block of the response (after any `</think>`) in a language the
sandbox runs: ```python (py, python3), ```cpp (c++, cc, cxx), ```java; an untagged block is C++ when
it includes a header or has `int main(`, Java when a class has `static void main`, else Python.
Without a fence, the whole answer when it compiles as Python (or looks like C++ or Java). A problem
with a `language` takes only blocks in that language: code in another one is `wrong_language`, code
only in languages the sandbox does not run (```rust) is `unsupported_language`. A problem with
function-call tests is a Python problem (they call into the program's interpreter); stdin/stdout
problems without a language accept any of the three. C++ and Java are compiled in the sandbox once
per submission (sandboxes/languages.py: flags, the Java class convention, per-language limits).
Stdin/stdout tests are compared token-wise (sandboxes/runner.py
`compare_outputs`): an expected integer needs that exact integer, an expected float any number
within `Limits.float_tol`. Function-call tests (`TestCase.assert_`, HumanEval/MBPP style) are
executed by the sandbox's runner, outside the program, on the plain data the program's functions
return (sandboxes/runner.py lists the supported shapes). The reward is 1 only when every test passes, as in Ring-lite; the
fraction passed is reported beside it (with `stop_on_first_failure`, the default, it counts the
tests passed before the first failure: set it to False for the exact fraction at the cost of
running every test of every wrong program).

Reasons: empty_response, no_code, wrong_language, unsupported_language, syntax_error (Python,
checked on the host, no sandbox needed), compile_error (C++/Java, the compiler's first lines),
unparsable_gold (the problem has no tests, a test without an expected output, or a test the
sandbox cannot run outside the program, such as one passing a lambda: the data's fault), then the first failing test's
time_limit / memory_limit / runtime_error / output_limit / wrong_answer, sandbox_error (the
sandbox broke: infrastructure, grade again), correct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from rewards.verdict import Reason, Verdict
from ringdata.core.records import LANGUAGES, Problem, TestCase
from sandboxes import CaseStatus, ExecResult, Limits, Sandbox, SandboxChoice, SandboxLease, Submission
from sandboxes.languages import compile_python, guess_language, language_of_fence

__all__ = ["CodeConfig", "CodeGrader", "extract_program", "required_language"]


@dataclass(frozen=True)
class CodeConfig:
    limits: Limits = field(default_factory=Limits)  # per test case: CPU s, memory, output, tolerance
    stop_on_first_failure: bool = True  # stop a program at its first failing test (reward is 0 anyway)
    max_tests: int | None = None  # grade on the first N tests only; None = all


_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+#.-]*)[^\n]*\n(.*?)```", re.S)
# Fence tags of blocks that are not a program (examples, shell commands): never "unsupported".
_NOT_CODE = {"text", "txt", "plaintext", "plain", "output", "input", "console", "shell", "bash", "sh", "markdown",
             "md", "json", "yaml", "csv", "example", "sample", "none", "math", "latex", "tex"}  # fmt: skip
_STATUS_REASON = {
    CaseStatus.WRONG_ANSWER: Reason.WRONG_ANSWER,
    CaseStatus.TIME_LIMIT: Reason.TIME_LIMIT,
    CaseStatus.MEMORY_LIMIT: Reason.MEMORY_LIMIT,
    CaseStatus.RUNTIME_ERROR: Reason.RUNTIME_ERROR,
    CaseStatus.OUTPUT_LIMIT: Reason.OUTPUT_LIMIT,
    CaseStatus.SANDBOX_ERROR: Reason.SANDBOX_ERROR,
    CaseStatus.UNSUPPORTED_TEST: Reason.UNPARSABLE_GOLD,
    CaseStatus.COMPILE_ERROR: Reason.COMPILE_ERROR,
}


def extract_program(response: str, language: str | None = None) -> tuple[str | None, str, str | None]:
    """(program, why not, its language) from a model response, by the rules in the module
    docstring; `language` is the one the problem asks for (None: any). Without a program, the
    language is that of the code found (another one than asked for, or one the sandbox does not
    run), or None when there was no code at all."""
    answer = response.rsplit("</think>", 1)[-1]
    blocks = _FENCE.findall(answer)
    code = [(language_of_fence(tag) if tag else guess_language(body), body) for tag, body in blocks]
    ours = [(lang, body) for lang, body in code if lang and (language is None or lang == language)]
    if ours:
        return ours[-1][1].strip("\n"), "", ours[-1][0]
    others = sorted({lang for lang, _ in code if lang})
    if others:
        return None, f"the problem asks for {language}; the response's code is {', '.join(others)}", others[-1]
    foreign = sorted({tag.lower() for tag, _ in blocks if tag and tag.lower() not in _NOT_CODE})
    if foreign:
        return None, f"code in {', '.join(foreign)}; the sandbox runs {', '.join(LANGUAGES)}", foreign[-1]
    if blocks:
        return None, f"no code block (found {', '.join(sorted({t or 'untagged' for t, _ in blocks}))})", None
    text = answer.strip()
    if not text:
        return None, "no code after the reasoning", None
    guessed = guess_language(text)
    if guessed == "python":
        try:
            compile_python(text)
        except Exception:  # noqa: BLE001 - prose, not a program
            return None, "no fenced code block, and the text is not a program", None
    if language is not None and guessed != language:
        return None, f"the problem asks for {language}; the response's code is {guessed}", guessed
    return text, "", guessed


def required_language(problem: Problem) -> str | None:
    """The language an answer must be in: function-call tests need Python, else the problem's
    `language` (None: any the sandbox runs)."""
    if any(t.assert_ is not None for t in problem.tests or ()):
        return "python"
    return problem.language


def _syntax_error(program: str) -> str | None:
    try:
        compile_python(program)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except Exception as exc:  # noqa: BLE001 - e.g. too deeply nested for the compiler
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


def _with_entry_point(program: str, problem: Problem) -> str:
    """Completion-style answers (the function body only) get the problem's stub prepended, as
    HumanEval's harness does, when the question is the stub and the program lacks the function."""
    entry = problem.entry_point
    if not entry or re.search(rf"^\s*(def|class)\s+{re.escape(entry)}\b|^\s*{re.escape(entry)}\s*=", program, re.M):
        return program
    if re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", problem.question, re.M):
        candidate = problem.question.rstrip() + "\n" + program
        if _syntax_error(candidate) is None:
            return candidate
    return program


def _tests(problem: Problem, cfg: CodeConfig) -> tuple[TestCase, ...]:
    tests = tuple(problem.tests or ())
    if cfg.max_tests is not None:
        tests = tests[: cfg.max_tests]
    entry = problem.entry_point
    if entry:  # a HumanEval `check(candidate)` block that nobody calls would pass vacuously
        tests = tuple(
            TestCase(assert_=f"{t.assert_}\n\ncheck({entry})\n")
            if t.assert_ is not None and re.search(r"^def check\(", t.assert_, re.M)
            and not re.search(r"^check\(", t.assert_, re.M)
            else t
            for t in tests
        )
    return tests


class CodeGrader:
    """Grades code responses in a sandbox. `sandbox` is a `SandboxChoice` or a kind ("auto",
    "docker", "local"; opened on first use, closed by `close()`) or an open `Sandbox` (shared: not
    closed here)."""

    def __init__(self, sandbox: SandboxChoice | str | Sandbox = SandboxChoice(), config: CodeConfig | None = None) -> None:
        self.config = config or CodeConfig()
        self._lease = SandboxLease(sandbox)

    @property
    def sandbox(self) -> Sandbox:
        return self._lease.sandbox

    def grade(self, problem: Problem, response: str) -> Verdict:
        return self.grade_many([(problem, response)])[0]

    def grade_many(
        self, items: list[tuple[Problem, str]], on_done: Callable[[int], None] | None = None
    ) -> list[Verdict]:
        """Grade (problem, response) pairs in parallel across the sandbox pool, results in order.
        `on_done(n)` is called as verdicts become ready (for a progress bar)."""
        verdicts: list[Verdict | None] = [None] * len(items)
        todo: list[tuple[int, Submission, str]] = []
        for i, (problem, response) in enumerate(items):
            early, program, language = self._precheck(problem, response)
            if early is not None:
                verdicts[i] = early
            else:
                sub = Submission(
                    program, _tests(problem, self.config), self.config.limits, self.config.stop_on_first_failure,
                    language,
                )
                todo.append((i, sub, program))
        if on_done and len(todo) < len(items):
            on_done(len(items) - len(todo))
        if todo:
            results = self.sandbox.run_many([sub for _, sub, _ in todo], on_done=on_done)
            for (i, _, program), result in zip(todo, results):
                verdicts[i] = verdict_from(result, program)
        return verdicts  # type: ignore[return-value]

    def _precheck(self, problem: Problem, response: str) -> tuple[Verdict | None, str, str]:
        """A verdict that needs no sandbox (empty, no code, another language, a Python syntax
        error, no tests), else (None, the program, its language)."""
        if not response or not response.strip():
            return Verdict.wrong(Reason.EMPTY_RESPONSE, pass_fraction=0.0), "", ""
        program, why, language = extract_program(response, required_language(problem))
        if program is None:
            reason = Reason.NO_CODE if language is None else (
                Reason.WRONG_LANGUAGE if language in LANGUAGES else Reason.UNSUPPORTED_LANGUAGE)
            return Verdict.wrong(reason, detail=why, pass_fraction=0.0), "", ""
        if language == "python":
            program = _with_entry_point(program, problem)
            error = _syntax_error(program)
            if error:
                return Verdict.wrong(Reason.SYNTAX_ERROR, program, error, pass_fraction=0.0), "", ""
        if not problem.tests:
            return Verdict.wrong(Reason.UNPARSABLE_GOLD, program, f"problem {problem.id} has no tests"), "", ""
        empty = next((i for i, t in enumerate(problem.tests) if t.assert_ is None and t.output is None), None)
        if empty is not None:  # an empty program would match an absent output: never compared
            why = f"problem {problem.id}: test {empty} has no expected output"
            return Verdict.wrong(Reason.UNPARSABLE_GOLD, program, why), "", ""
        return None, program, language

    def close(self) -> None:
        self._lease.close()

    def __enter__(self) -> "CodeGrader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def verdict_from(result: ExecResult, program: str) -> Verdict:
    """The verdict for a sandbox result: correct only when every test passed."""
    fraction = result.n_passed / result.n_tests if result.n_tests else 0.0
    if result.error:
        return Verdict.wrong(Reason.SANDBOX_ERROR, program, result.error[:300], pass_fraction=fraction)
    if result.passed:
        return Verdict.right(program, f"{result.n_tests}/{result.n_tests} tests passed", pass_fraction=1.0)
    failure = result.first_failure
    if failure is None:  # fewer reports than tests without a failing one: the runner stopped early
        return Verdict.wrong(Reason.SANDBOX_ERROR, program, "the runner reported too few tests", pass_fraction=fraction)
    index, case = failure
    detail = f"test {index + 1}/{result.n_tests}: {case.detail}" if case.detail else f"test {index + 1}/{result.n_tests}"
    return Verdict.wrong(_STATUS_REASON[case.status], program, detail[:300], pass_fraction=fraction)
