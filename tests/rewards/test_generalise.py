"""The generalisation test (issue 19) on the held-out half only: spellings drawn from real
vocabularies (tests/rewards/cases/generalise.py) that the rules were never tuned on. A lean sample
(one gold per spelling); `benchmarks/generalise.py` runs both halves in full."""

from __future__ import annotations

import pytest

from ringdata.core.records import Problem
from tests.rewards.cases.generalise import build, split, vocabularies

MAX_SPELLINGS = 30  # per vocabulary: ~450 responses, ~30 s on 2 loaded cores (the benchmark takes them all)
MAX_RATE = 0.02  # issue 19: at most 2% of other hedges rewarded, at most 2% of honest forms lost


def _problem(case, gold: str) -> Problem:
    if case.choices:
        return Problem(id="g", domain="science", source="generalise", question=case.question, answer=gold, choices=case.choices)
    return Problem(id="g", domain="math", source="generalise", question=case.question, answer=gold)


@pytest.fixture(scope="module")
def graded(patient_grader):
    cases = build("heldout", per_set=20, per_spelling=1, max_spellings=MAX_SPELLINGS)
    first = patient_grader.grade_many([(_problem(c, c.gold), c.response) for c in cases])
    decoys = iter(patient_grader.grade_many([(_problem(c, c.decoy), c.response) for c in cases if c.decoy]))
    return [(c, v, next(decoys) if c.decoy else None) for c, v in zip(cases, first)]


def _lines(rows) -> str:
    return "\n".join(f"[{c.vocab} {c.spelling!r}] gold={c.gold!r} {c.response[-80:]!r} -> {v.reason.value}" for c, v, _ in rows[:30])


def test_the_halves_are_disjoint_and_cover_every_vocabulary():
    for name, vocab in vocabularies().items():
        tuning, heldout = set(split(vocab, "tuning")), set(split(vocab, "heldout"))
        assert tuning and heldout and not tuning & heldout and tuning | heldout == set(vocab), name


def test_no_two_candidate_hedge_pays_under_both_candidates(graded):
    bad = [(c, v, d) for c, v, d in graded if c.kind == "pays" and v.correct and d.correct]
    assert not bad, _lines(bad)


def test_a_restated_question_in_any_wrapper_earns_nothing(graded):
    bad = [(c, v, d) for c, v, d in graded if c.kind == "restated" and v.correct]
    assert not bad, _lines(bad)


def test_at_most_two_percent_of_other_hedges_are_rewarded(graded):
    hedges = [(c, v, d) for c, v, d in graded if c.kind in ("pays", "hedge")]
    bad = [(c, v, d) for c, v, d in hedges if v.correct]
    assert len(bad) <= MAX_RATE * len(hedges), f"{len(bad)}/{len(hedges)}\n" + _lines(bad)


def test_at_most_two_percent_of_honest_forms_score_zero(graded):
    honest = [(c, v, d) for c, v, d in graded if c.kind == "honest"]
    bad = [(c, v, d) for c, v, d in honest if not v.correct]
    assert len(bad) <= MAX_RATE * len(honest), f"{len(bad)}/{len(honest)}\n" + _lines(bad)
