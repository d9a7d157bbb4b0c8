"""Test validation: drop code problems whose tests cannot be trusted to grade a policy.

A wrong test is worse than no test: it gives a correct program reward 0, forever. So, for code
problems (after the reference-solution check of CodeContests' own curation and of the open-r1 /
rllm pipelines):

1. Static checks, every code problem (no sandbox):
   - `malformed_tests`: no tests, a test with neither stdin/stdout nor an assert, a stdio test
     without an expected output, or an assert block that does not compile (a cut-off test).
   - `truncated_tests`: a stdio input or output that ends in "..." or "…", the mark scrapers
     leave when they shorten a long test; not a grid row of '.' cells (Codeforces' "..#..."),
     which is as wide as the row above it.
2. Reference solutions (the `solutions` column: MBPP's `code`, HumanEval's prompt plus
   `canonical_solution`, CodeContests' Python, C++ and Java solutions) run in the sandbox on all
   tests, one solution at a time until one passes (at most `max_solutions` per problem). A
   solution is read as a response is (rewards/code.py `extract_program`: a fence names its
   language, a bare one is guessed), in the language the problem asks for, if any; Python
   solutions that are not Python 3 (they do not compile) are skipped. A problem none of whose solutions passes is
   dropped as `tests_fail_reference`, and `drop_match` says how the last one failed.
3. Problems without a usable reference solution are kept as *unvalidated*: the working column
   `_tests_validated` is true (a reference passed), false (nothing to run) or null (not code),
   and the step's `notes` count them (`unvalidated`, `unvalidated_by_domain`) for the report.
   A sandbox failure (infrastructure, not the data) also keeps the problem unvalidated and is
   counted in `notes["sandbox_errors"]`.

A sandbox is opened only when a problem needs it (`sandboxes.SandboxLease`: one given open is
borrowed, a `SandboxChoice` is opened and closed here); the CLI wires this step with
`--validate-tests --sandbox`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ringdata.curate.base import DROP_MATCH, DROP_REASON, StepContext
from ringdata.core.records import TestCase
from sandboxes import Limits, Sandbox, SandboxChoice, SandboxLease, Submission
from sandboxes.languages import compile_python

MALFORMED = "malformed_tests"
TRUNCATED = "truncated_tests"
FAILS_REFERENCE = "tests_fail_reference"
VALIDATED = "_tests_validated"
_ELLIPSES = ("...", "…")


def static_problem(tests: list[dict[str, Any]] | None) -> tuple[str, str] | None:
    """(reason, what) when a code problem's tests are malformed or truncated, else None."""
    if not tests:
        return MALFORMED, "no tests"
    for i, t in enumerate(tests, 1):
        case = TestCase.from_dict(t)
        if case.assert_ is not None:
            if case.input is not None or case.output is not None:
                return MALFORMED, f"test {i} has both an assert and stdin/stdout"
            if not case.assert_.strip():
                return MALFORMED, f"test {i} has an empty assert"
            try:
                compile(case.assert_, f"test {i}", "exec")
            except SyntaxError as exc:
                return MALFORMED, f"test {i} does not compile (line {exc.lineno}: {exc.msg})"
            except Exception as exc:  # noqa: BLE001 - e.g. nested too deeply for the compiler
                return MALFORMED, f"test {i} does not compile ({type(exc).__name__})"
        elif case.output is None:
            return MALFORMED, f"test {i} has no expected output" if case.input is not None else f"test {i} is empty"
        else:
            for name, text in (("input", case.input or ""), ("output", case.output)):
                if _truncated(text):
                    return TRUNCATED, f"test {i} {name} ends in '...'"
    return None


def _truncated(text: str) -> bool:
    """Ends in an ellipsis, unless the last line is a grid row ('.' cells, no spaces) as wide as
    the one above: a scraper cuts a test at any length, a grid's rows all have its width."""
    lines = text.rstrip().splitlines()
    if not lines or not lines[-1].endswith(_ELLIPSES):
        return False
    grid_row = len(lines) > 1 and " " not in lines[-1] and lines[-1].endswith("...") and len(lines[-1]) == len(lines[-2])
    return not grid_row


def usable_solutions(solutions: list[str] | None, tests: list[dict], language: str | None) -> list[tuple[str, str]]:
    """(program, language) of every reference solution the sandbox can run for this problem."""
    from rewards.code import extract_program

    required = "python" if any(t.get("assert") is not None for t in tests) else language
    found = []
    for solution in solutions or []:
        program, _, lang = extract_program(solution, required) if solution else (None, "", None)
        if program is None:
            continue
        if lang == "python":
            try:
                compile_python(program)
            except Exception:  # noqa: BLE001 - Python 2
                continue
        found.append((program, lang))
    return found


@dataclass
class ValidateTests:
    """Drop code problems with malformed or truncated tests, or tests no reference solution passes."""

    sandbox: SandboxChoice | Sandbox = SandboxChoice()  # where references run; an open Sandbox is borrowed, not closed
    time_s: float = 5.0  # CPU seconds per test: references are often slower than needed, be generous
    memory_mb: int = 1024  # address space per test program, MiB
    max_solutions: int = 3  # reference solutions tried per problem before its tests are blamed
    name: str = "validate_tests"
    notes: dict[str, object] = field(default_factory=dict)

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        is_code = (frame["domain"] == "code").to_list()
        tests = frame["tests"].to_list()
        solutions = frame["solutions"].to_list()
        languages = frame["language"].to_list() if "language" in frame.columns else [None] * frame.height
        reasons: list[str | None] = [None] * frame.height
        matches: list[str | None] = [None] * frame.height
        validated: list[bool | None] = [None if not c else False for c in is_code]
        pending: dict[int, list[str]] = {}
        for i in range(frame.height):
            if not is_code[i]:
                continue
            bad = static_problem(tests[i])
            if bad:
                reasons[i], matches[i] = bad
                validated[i] = None
                continue
            usable = usable_solutions(solutions[i], tests[i], languages[i])[: self.max_solutions]
            if usable:
                pending[i] = usable
        self.notes.update(solutions_run=0, solutions_passed_by_language={}, sandbox_errors=0, sandbox=None)
        if pending:
            self._run_references(pending, tests, reasons, matches, validated, ctx)
        kept_unvalidated = [
            i for i in range(frame.height) if is_code[i] and reasons[i] is None and validated[i] is False
        ]
        domains = frame["domain"].to_list()
        by_domain: dict[str, int] = {}
        for i in kept_unvalidated:
            by_domain[domains[i]] = by_domain.get(domains[i], 0) + 1
        self.notes["validated"] = sum(1 for v in validated if v)
        self.notes["unvalidated"] = len(kept_unvalidated)
        self.notes["unvalidated_by_domain"] = by_domain
        return frame.with_columns(
            pl.Series(DROP_REASON, reasons, dtype=pl.Utf8),
            pl.Series(DROP_MATCH, matches, dtype=pl.Utf8),
            pl.Series(VALIDATED, validated, dtype=pl.Boolean),
        )

    def _run_references(self, pending, tests, reasons, matches, validated, ctx: StepContext) -> None:
        """Round k runs the k-th usable solution of every problem not yet validated."""
        limits = Limits(time_s=self.time_s, memory_mb=self.memory_mb)
        lease = SandboxLease(self.sandbox)
        sandbox = lease.sandbox
        self.notes["sandbox"] = sandbox.name
        advance = ctx.task(f"{self.name} ({sandbox.name} sandbox)", sum(len(s) for s in pending.values()))
        last_failure: dict[int, str] = {}
        errored: set[int] = set()  # a problem the sandbox failed on is never blamed: kept unvalidated
        try:
            for round_ in range(self.max_solutions):
                todo = [i for i, sols in pending.items() if len(sols) > round_ and not validated[i]]
                if not todo:
                    break
                subs = [
                    Submission(pending[i][round_][0], tuple(TestCase.from_dict(t) for t in tests[i]), limits,
                               language=pending[i][round_][1])
                    for i in todo
                ]  # fmt: skip
                results = sandbox.run_many(subs, on_done=advance)
                self.notes["solutions_run"] = int(self.notes["solutions_run"]) + len(subs)
                passed = self.notes["solutions_passed_by_language"]
                for i, sub, result in zip(todo, subs, results):
                    if result.passed:
                        validated[i] = True
                        passed[sub.language] = passed.get(sub.language, 0) + 1
                        advance(len(pending[i]) - round_ - 1)  # its other solutions are not needed
                    elif result.error:
                        self.notes["sandbox_errors"] = int(self.notes["sandbox_errors"]) + 1
                        errored.add(i)
                    else:
                        index, case = result.first_failure
                        last_failure[i] = (
                            f"solution {round_ + 1}: test {index + 1}/{result.n_tests} "
                            f"{case.status.value}{': ' + case.detail if case.detail else ''}"
                        )[:200]
        finally:
            lease.close()
        for i, why in last_failure.items():
            if not validated[i] and i not in errored:
                reasons[i], matches[i] = FAILS_REFERENCE, why

