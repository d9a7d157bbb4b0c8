"""What a grading run adds up to: the verdict rows, per-problem pass rates (the input of the
difficulty filter, `curate --pass-rates`) and pass@k by domain.

    graded = [Graded(response, problem, verdict, seconds), ...]
    rows = verdict_rows(graded)          # ringdata.core.io.runs.write_verdicts
    rates = pass_rates(graded)           # ringdata.core.io.runs.write_pass_rates
    table = accuracy_by_domain(graded, ks=default_ks(graded))
    tally = Tally(); tally.add_rows(verdict_table)   # the same, summed from written verdicts

A pass rate is the mean reward over a problem's samples (Ring-lite filters on it); pass@k is the
unbiased estimator of Chen et al. 2021 over the same samples, for problems with at least k.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from rewards.verdict import Verdict
from ringdata.core.io.runs import PassRate, Response
from ringdata.core.records import Problem

__all__ = ["DomainAccuracy", "Graded", "Tally", "accuracy_by_domain", "default_ks", "pass_at_k", "pass_rates",
           "reason_counts", "verdict_rows"]


@dataclass(frozen=True)
class Graded:
    response: Response
    problem: Problem
    verdict: Verdict
    seconds: float  # verification time


@dataclass(frozen=True)
class DomainAccuracy:
    domain: str  # a domain, or "all"
    problems: int
    responses: int
    correct: int
    pass_at: dict[int, float | None]  # k -> mean pass@k over problems with >= k samples; None if none

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.responses if self.responses else None


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of Chen et al. 2021 (HumanEval): 1 - C(n-c, k) / C(n, k), for n >= k."""
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def verdict_rows(graded: Sequence[Graded], *, detail: bool = True) -> list[dict]:
    """The rows of `ringdata.core.io.runs.VERDICT_SCHEMA`, in input order; `detail=False` leaves the
    detail column empty (for code it can hold test inputs and expected outputs)."""
    return [
        {"problem_id": g.response.problem_id, "sample": g.response.sample, "domain": g.problem.domain,
         "reward": g.verdict.reward, "correct": g.verdict.correct, "reason": g.verdict.reason.value,
         "extracted": g.verdict.extracted, "detail": g.verdict.detail if detail else None, "pass_fraction": g.verdict.pass_fraction,
         "seconds": g.seconds}
        for g in graded
    ]  # fmt: skip


@dataclass
class _Problem:
    domain: str
    n: int = 0  # samples graded
    correct: int = 0
    reward: float = 0.0  # summed


class Tally:
    """What a grading run adds up to, kept per problem (never per response), so a run over a
    file larger than memory is summed as its verdicts are written, or read back from them."""

    def __init__(self) -> None:
        self.problems: dict[str, _Problem] = {}  # in order of first appearance
        self.reasons: Counter[str] = Counter()

    @classmethod
    def of(cls, graded: Sequence[Graded]) -> "Tally":
        tally = cls()
        for g in graded:
            tally.add(g.response.problem_id, g.problem.domain, g.verdict.reward, g.verdict.correct, g.verdict.reason.value)
        return tally

    def add(self, problem_id: str, domain: str, reward: float, correct: bool, reason: str) -> None:
        p = self.problems.get(problem_id)
        if p is None:
            p = self.problems[problem_id] = _Problem(domain)
        p.n += 1
        p.correct += bool(correct)
        p.reward += reward
        self.reasons[reason] += 1

    def add_rows(self, table) -> None:
        """Verdict rows (a `pyarrow` table or record batch with `VERDICT_SCHEMA` columns)."""
        cols = [table.column(c).to_pylist() for c in ("problem_id", "domain", "reward", "correct", "reason")]
        for row in zip(*cols):
            self.add(*row)

    def pass_rates(self) -> list[PassRate]:
        return [PassRate(pid, p.reward / p.n, p.n) for pid, p in self.problems.items()]

    def default_ks(self, ks: Sequence[int] | None = None) -> list[int]:
        if ks:
            return sorted(set(ks))
        fewest = min((p.n for p in self.problems.values()), default=1)
        return sorted({1, fewest})

    def accuracy_by_domain(self, ks: Sequence[int]) -> list[DomainAccuracy]:
        rows = []
        for domain in [*sorted({p.domain for p in self.problems.values()}), "all"]:
            group = [p for p in self.problems.values() if domain in ("all", p.domain)]
            at: dict[int, float | None] = {}
            for k in ks:
                eligible = [p for p in group if p.n >= k]
                at[k] = sum(pass_at_k(p.n, p.correct, k) for p in eligible) / len(eligible) if eligible else None
            rows.append(DomainAccuracy(domain, len(group), sum(p.n for p in group), sum(p.correct for p in group), at))
        return rows


def pass_rates(graded: Sequence[Graded]) -> list[PassRate]:
    """One row per problem, in order of first appearance: mean reward and sample count."""
    return Tally.of(graded).pass_rates()


def default_ks(graded: Sequence[Graded], ks: Sequence[int] | None = None) -> list[int]:
    """The k's to report: those asked for, else 1 and the fewest samples any problem has."""
    return Tally.of(graded).default_ks(ks)


def accuracy_by_domain(graded: Sequence[Graded], ks: Sequence[int]) -> list[DomainAccuracy]:
    """Per domain (sorted), then "all": problems, responses, correct and mean pass@k."""
    return Tally.of(graded).accuracy_by_domain(ks)


def reason_counts(graded: Sequence[Graded]) -> list[tuple[str, int]]:
    """Verdicts by reason, most common first."""
    return Tally.of(graded).reasons.most_common()
