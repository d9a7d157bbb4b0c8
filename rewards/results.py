"""What a grading run adds up to: the verdict rows, per-problem pass rates (the input of the
difficulty filter, `curate --pass-rates`) and pass@k by domain.

    graded = [Graded(response, problem, verdict, seconds), ...]
    rows = verdict_rows(graded)          # ringdata.io.runs.write_verdicts
    rates = pass_rates(graded)           # ringdata.io.runs.write_pass_rates
    table = accuracy_by_domain(graded, ks=default_ks(graded))

A pass rate is the mean reward over a problem's samples (Ring-lite filters on it); pass@k is the
unbiased estimator of Chen et al. 2021 over the same samples, for problems with at least k.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from rewards.verdict import Verdict
from ringdata.io.runs import PassRate, Response
from ringdata.records import Problem

__all__ = ["DomainAccuracy", "Graded", "accuracy_by_domain", "default_ks", "pass_at_k", "pass_rates",
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
    """The rows of `ringdata.io.runs.VERDICT_SCHEMA`, in input order; `detail=False` leaves the
    detail column empty (for code it can hold test inputs and expected outputs)."""
    return [
        {"problem_id": g.response.problem_id, "sample": g.response.sample, "domain": g.problem.domain,
         "reward": g.verdict.reward, "correct": g.verdict.correct, "reason": g.verdict.reason.value,
         "extracted": g.verdict.extracted, "detail": g.verdict.detail if detail else None, "pass_fraction": g.verdict.pass_fraction,
         "seconds": g.seconds}
        for g in graded
    ]  # fmt: skip


def _by_problem(graded: Sequence[Graded]) -> dict[str, list[Graded]]:
    out: dict[str, list[Graded]] = {}
    for g in graded:
        out.setdefault(g.response.problem_id, []).append(g)
    return out


def pass_rates(graded: Sequence[Graded]) -> list[PassRate]:
    """One row per problem, in order of first appearance: mean reward and sample count."""
    return [PassRate(pid, sum(g.verdict.reward for g in gs) / len(gs), len(gs)) for pid, gs in _by_problem(graded).items()]


def default_ks(graded: Sequence[Graded], ks: Sequence[int] | None = None) -> list[int]:
    """The k's to report: those asked for, else 1 and the fewest samples any problem has."""
    if ks:
        return sorted(set(ks))
    fewest = min((len(gs) for gs in _by_problem(graded).values()), default=1)
    return sorted({1, fewest})


def accuracy_by_domain(graded: Sequence[Graded], ks: Sequence[int]) -> list[DomainAccuracy]:
    """Per domain (sorted), then "all": problems, responses, correct and mean pass@k."""
    groups = _by_problem(graded)
    domain_of = {pid: gs[0].problem.domain for pid, gs in groups.items()}
    rows = []
    for domain in [*sorted(set(domain_of.values())), "all"]:
        pids = [p for p, d in domain_of.items() if domain in ("all", d)]
        correct = {p: sum(g.verdict.correct for g in groups[p]) for p in pids}
        at: dict[int, float | None] = {}
        for k in ks:
            eligible = [p for p in pids if len(groups[p]) >= k]
            at[k] = sum(pass_at_k(len(groups[p]), correct[p], k) for p in eligible) / len(eligible) if eligible else None
        rows.append(DomainAccuracy(domain, len(pids), sum(len(groups[p]) for p in pids), sum(correct.values()), at))
    return rows


def reason_counts(graded: Sequence[Graded]) -> list[tuple[str, int]]:
    """Verdicts by reason, most common first."""
    return Counter(g.verdict.reason.value for g in graded).most_common()
