"""One entry point for every domain: (problem, response) -> `Verdict`.

    verdict = rewards.grade(problem, response)              # one-off, a shared 1-worker pool
    with Grader(GradeConfig(workers=8)) as grader:          # many, in parallel
        verdicts = grader.grade_many([(problem, response), ...])

Math and science checks run in `VerifierPool` workers, so every verdict arrives within
`timeout_s` whatever the response holds (a timed-out worker is killed and replaced: reason
`timeout`); code goes to `rewards.code.CodeGrader` in its sandbox. Nothing here raises on model
output: an empty response is `empty_response`, a verifier crash on it is `timeout` (the worker
died) or `verifier_error` (the verifier raised, detail says so); a problem without a usable gold
answer is `unparsable_gold`.
"""

from __future__ import annotations

import contextvars
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from rewards.math import MathConfig
from rewards.science import ScienceConfig
from rewards.verdict import Reason, Verdict
from ringdata.core.records import Problem
from sandboxes.choice import SandboxChoice

__all__ = ["GradeConfig", "Grader", "grade"]


@dataclass(frozen=True)
class GradeConfig:
    timeout_s: float = 5.0  # wall-clock bound per math/science verification, seconds
    workers: int = 1  # verifier processes; the CLI uses all cores
    memory_mb: int | None = 4096  # address-space cap per verifier process, MiB
    sandbox: SandboxChoice = SandboxChoice()  # where code responses run (kind and settings), or an open
    #                                         `Sandbox` to share (rewards/serve.py's warm pool; not closed here)
    math: MathConfig = field(default_factory=MathConfig)
    science: ScienceConfig = field(default_factory=ScienceConfig)
    code: Any = None  # rewards.code.CodeConfig; None = its defaults


def check_in_worker(domain: str, answer: str | None, choices: tuple[str, ...] | None, unit: str | None,
                    response: str, math_config: MathConfig, science_config: ScienceConfig,
                    question: str | None = None) -> Verdict:
    """The worker side: the verdict on a math or science response; the question
    lets the math grader see an expression restated instead of evaluated."""
    from rewards import math as math_rewards
    from rewards import science

    if domain == "science":
        if science.is_multiple_choice(answer, choices) or science.parse_quantity(answer or "")[0] is not None:
            return science.check(answer, choices, unit, response, science_config)
    if answer is None or not answer.strip():
        return Verdict.wrong(Reason.UNPARSABLE_GOLD, None, "the problem has no gold answer")
    return math_rewards.check(answer, response, math_config, question=question)


def _unit(problem: Problem) -> str | None:
    unit = problem.metadata.get("unit") if isinstance(problem.metadata, dict) else None
    return unit if isinstance(unit, str) and unit.strip() else None


class BatchGrader(Protocol):
    """What a grader of many (problem, response) pairs offers: `Grader` on this machine,
    `rewards.ray_executor.RayGrader` on a Ray cluster. The trainer's rewarder and `grade_file`
    take either through this."""

    def grade_many(self, items: list[tuple[Problem, str]], on_done: Callable[[int], None] | None = None) -> list[Verdict]:
        """Verdicts in input order; `on_done(n)` reports progress."""
        ...

    def grade_many_timed(
        self, items: list[tuple[Problem, str]], on_done: Callable[[int], None] | None = None
    ) -> list[tuple[Verdict, float]]:
        """(verdict, seconds) in input order."""
        ...

    def close(self) -> None:
        """Stop the workers (or actors)."""
        ...


class Grader(BatchGrader):
    """Grades (problem, response) pairs of any domain; owns a verifier pool and, when code
    problems come, a `CodeGrader`. Close it (or use `with`) to stop the workers."""

    def __init__(self, config: GradeConfig | None = None) -> None:
        self.config = config or GradeConfig()
        self._pool = None
        self._code = None
        self._lock = threading.Lock()

    @property
    def pool(self):
        from rewards.pool import PoolConfig, VerifierPool

        with self._lock:
            if self._pool is None:
                self._pool = VerifierPool(
                    PoolConfig(workers=self.config.workers, timeout_s=self.config.timeout_s, memory_mb=self.config.memory_mb)
                )
            return self._pool

    def grade(self, problem: Problem, response: str) -> Verdict:
        return self.grade_many([(problem, response)])[0]

    def grade_many(self, items: list[tuple[Problem, str]], on_done: Callable[[int], None] | None = None) -> list[Verdict]:
        """Verdicts in input order; `on_done(n)` reports progress."""
        return [v for v, _ in self.grade_many_timed(items, on_done)]

    def grade_many_timed(
        self, items: list[tuple[Problem, str]], on_done: Callable[[int], None] | None = None
    ) -> list[tuple[Verdict, float]]:
        """(verdict, seconds) in input order. Math and science run in the pool (seconds: the
        verification's time in its worker); code responses are graded as one sandbox batch
        meanwhile (seconds: the batch's mean per response)."""
        results: list[tuple[Verdict, float] | None] = [None] * len(items)
        code_idx = [i for i, (p, r) in enumerate(items) if p.domain == "code" and _has_text(r)]
        code_set = set(code_idx)
        other_idx = [i for i in range(len(items)) if i not in code_set]
        done = on_done or (lambda n: None)
        code_thread = None
        if code_idx:
            # In the caller's context: a service's request scope (rewards/serve.py `Work`) follows its submissions.
            code_thread = threading.Thread(target=contextvars.copy_context().run,
                                           args=(self._grade_code, items, code_idx, results, done), daemon=True)
            code_thread.start()

        pooled = []
        for i in other_idx:
            early = self._precheck(*items[i])
            if early is not None:
                results[i] = (early, 0.0)
                done(1)
            else:
                pooled.append(i)
        if pooled:
            args = [self._args(*items[i]) for i in pooled]
            for i, outcome in zip(pooled, self.pool.map(check_in_worker, args, on_done=done)):
                results[i] = (_verdict(outcome), outcome.seconds)
        if code_thread is not None:
            code_thread.join()
        return results  # type: ignore[return-value]

    def _precheck(self, problem: Problem, response: Any) -> Verdict | None:
        """The verdict that needs no verifier: an empty response, a domain we cannot grade."""
        if not _has_text(response):
            return Verdict.wrong(Reason.EMPTY_RESPONSE, pass_fraction=0.0 if problem.domain == "code" else None)
        if problem.domain not in ("math", "science"):
            return Verdict.wrong(Reason.UNPARSABLE_GOLD, detail=f"unknown domain {problem.domain!r}")
        return None

    def _args(self, problem: Problem, response: str) -> tuple:
        return (problem.domain, problem.answer, problem.choices, _unit(problem), response,
                self.config.math, self.config.science, problem.question)

    def _grade_code(self, items, idx, results, done) -> None:
        start = time.perf_counter()
        try:
            grader = self._code_grader()
            verdicts = grader.grade_many([items[i] for i in idx], on_done=done)
        except Exception as exc:  # noqa: BLE001 - infrastructure failure, reported per row
            verdicts = [Verdict.wrong(Reason.SANDBOX_ERROR, detail=f"code grader failed: {type(exc).__name__}: {exc}"[:300],
                                      pass_fraction=0.0)] * len(idx)
            done(len(idx))
        mean = (time.perf_counter() - start) / max(1, len(idx))
        for i, verdict in zip(idx, verdicts):
            results[i] = (verdict, mean)

    def _code_grader(self):
        with self._lock:
            if self._code is None:
                from rewards.code import CodeGrader

                self._code = CodeGrader(self.config.sandbox, self.config.code)
            return self._code

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
            if self._code is not None:
                self._code.close()
                self._code = None

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _verdict(outcome) -> Verdict:
    """A pool outcome as a verdict: a timeout or a dead worker is `timeout` (the bound held, the
    answer is unknown), a verifier exception is `verifier_error` with the error in the detail
    (reward 0, like every non-correct verdict, but counted apart: it is a tool failure to look at,
    not the model's mistake)."""
    if outcome.status == "timeout":
        return Verdict.wrong(Reason.TIMEOUT, detail=outcome.value)
    if outcome.status == "died":
        return Verdict.wrong(Reason.TIMEOUT, detail=f"{outcome.value} (likely out of memory)")
    if outcome.status == "error":
        return Verdict.wrong(Reason.VERIFIER_ERROR, detail=f"verifier error: {outcome.value}"[:300])
    return outcome.value  # the worker's own frozen `Verdict`


def _has_text(response: Any) -> bool:
    return isinstance(response, str) and bool(response.strip())


def grade(problem: Problem, response: str, config: GradeConfig | None = None) -> Verdict:
    """Grade one response. Uses a process-wide `Grader` per config (started on first use, closed
    at exit); for many responses use `Grader.grade_many`, which runs them in parallel."""
    from rewards.pool import shared

    config = config or GradeConfig()
    return shared(config, lambda: Grader(config)).grade(problem, response)
