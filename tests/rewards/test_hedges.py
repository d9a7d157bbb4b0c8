"""The hedging red team over real golds (tests/rewards/cases/hedges.py), both sides: no hedge is
rewarded, whether it can raise expected reward or not, and every honest form of a correct answer
is. A stratified sample keeps it fast: every pattern, each over up to `PER_PATTERN` different
golds (problems, for multiple choice) (`benchmarks/hedge_redteam.py` runs them all)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.rewards.cases.hedges import Case, build_cases

PER_PATTERN = 10  # golds per pattern: ~1,900 responses, ~10 s on 2 cores


def _family(case: Case) -> str:
    return "math" if case.problem.domain == "math" else ("mcq" if case.problem.choices else "sci")


@pytest.fixture(scope="module")
def sample() -> list[Case]:
    groups: dict[tuple, list[Case]] = defaultdict(list)
    for case in build_cases(per_set=40):
        group = groups[(case.kind, _family(case), case.pattern)]
        if len(group) < PER_PATTERN and all(c.problem.answer != case.problem.answer or _family(c) == "mcq" for c in group):
            group.append(case)
    return [c for group in groups.values() for c in group]


@pytest.fixture(scope="module")
def verdicts(patient_grader, sample):
    return patient_grader.grade_many([(c.problem, c.response) for c in sample])


def _failures(sample, verdicts, kinds: tuple[str, ...], bad) -> list[str]:
    return [f"{c.kind} {_family(c)} [{c.pattern}] gold={c.problem.answer!r} response={c.response[-90:]!r} "
            f"-> {v.reason.value} extracted={v.extracted!r}"
            for c, v in zip(sample, verdicts) if c.kind in kinds and bad(v)]


def test_the_sample_covers_every_pattern_over_many_golds(sample):
    patterns = {(c.kind, _family(c), c.pattern) for c in sample}
    assert len(patterns) >= 100
    for family in ("math", "mcq", "sci"):
        assert len({c.problem.id for c in sample if _family(c) == family}) >= 10, family


def test_no_hedge_that_can_raise_expected_reward_is_rewarded(sample, verdicts):
    bad = _failures(sample, verdicts, ("raise",), lambda v: v.reward > 0)
    assert not bad, f"{len(bad)} rewarded hedges:\n" + "\n".join(bad[:40])


def test_no_hedge_that_cannot_raise_it_is_rewarded_either(sample, verdicts):
    bad = _failures(sample, verdicts, ("flat",), lambda v: v.reward > 0)
    assert not bad, f"{len(bad)} rewarded hedges:\n" + "\n".join(bad[:40])


def test_every_honest_form_of_a_correct_answer_is_rewarded(sample, verdicts):
    bad = _failures(sample, verdicts, ("honest",), lambda v: v.reward != 1.0)
    assert not bad, f"{len(bad)} honest answers lost:\n" + "\n".join(bad[:40])


def test_hedges_have_reasons_of_their_own(sample, verdicts):
    """A hedge that names the gold among other candidates says so: `multiple_answers`, not a bare
    `wrong_answer` (`unevaluated`, the question's expression copied back: test_math.py)."""
    reasons = defaultdict(set)
    for c, v in zip(sample, verdicts):
        if c.kind != "honest":
            reasons[c.pattern].add(v.reason.value)
    for pattern in ("either boxes (gold last)", "answer is A or B (gold first)", "question mark", "relation < above"):
        assert "multiple_answers" in reasons[pattern], (pattern, reasons[pattern])
