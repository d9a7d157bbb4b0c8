"""Fixtures for the reward tests: one verifier pool shared by the whole module (starting a worker
costs ~1 s of imports), and the labelled case tables in cases/*.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewards import GradeConfig, Grader
from ringdata.core.records import Problem

CASES = Path(__file__).parent / "cases"


def load_cases(domain: str | None = None) -> list[dict]:
    rows = []
    for path in sorted(CASES.glob("*.jsonl")):
        for n, line in enumerate(path.open(encoding="utf-8"), start=1):
            row = json.loads(line)
            row["where"] = f"{path.name}:{n}"
            if domain is None or row["domain"] == domain:
                rows.append(row)
    return rows


def problem_for(row: dict, i: int = 0) -> Problem:
    return Problem(
        id=f"case-{i}", domain=row["domain"], source="cases", question="q", answer=row["gold"],
        choices=tuple(row["choices"]) if row.get("choices") else None,
        metadata={"unit": row["unit"]} if row.get("unit") else {},
    )


@pytest.fixture(scope="module")
def grader():
    with Grader(GradeConfig(workers=2, timeout_s=5.0)) as g:
        yield g


@pytest.fixture(scope="module")
def patient_grader():
    """A longer bound than `grader`'s: for suites whose verdicts must be the grader's own, not a
    timeout of a loaded CI machine (the peer suites, the hedge red team)."""
    with Grader(GradeConfig(workers=2, timeout_s=30.0)) as g:
        yield g


def agreement(grader: Grader, rows: list[dict]) -> tuple[float, list[str]]:
    """Fraction of rows whose verdict reason equals the label, and a line per disagreement."""
    verdicts = grader.grade_many([(problem_for(r, i), r["response"]) for i, r in enumerate(rows)])
    bad = [
        f"{r['where']} [{r['note']}] gold={r['gold']!r} expected={r['expected']} got={v.reason.value} "
        f"extracted={v.extracted!r} ({v.detail})"
        for r, v in zip(rows, verdicts)
        if v.reason.value != r["expected"]
    ]
    return 1 - len(bad) / len(rows), bad


@pytest.fixture(scope="session")
def served():
    """One real `ringdata serve` on the Docker sandbox for the session (tests/rewards/test_serve.py,
    test_adapters.py); stopped with SIGTERM, which must drain."""
    from tests.rewards.serve_helpers import Server

    server = Server("--pool-size", "2")
    yield server
    assert server.stop() == -15 and server.drained()
