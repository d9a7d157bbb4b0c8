"""Token-budget selection: exactly Phi tokens, a seeded order, carried and dropped leftovers."""

from __future__ import annotations

import random

import pytest

from train.budget import Sample, micro_batches, select_all, select_budget


def _samples(lengths, born=0):
    return [
        Sample((1, 2), tuple(range(n)), tuple([-1.0] * n), 0.5, 1.0, "math", (born, 0, i), born)
        for i, n in enumerate(lengths)
    ]


@pytest.mark.parametrize(
    "lengths,budget",
    [
        ([10, 20, 30, 40], 55),  # cut inside a response
        ([10, 20, 30, 40], 60),  # may land on a boundary, depending on order
        ([5] * 50, 7),  # budget smaller than two responses
        ([100], 30),  # one long response, cut
        ([3, 4, 1, 9, 2, 8], 27),  # exactly everything
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("order", ["response", "group"])
def test_selection_covers_exactly_phi_tokens(lengths, budget, seed, order):
    samples = _samples(lengths)
    sel = select_budget(samples, budget, random.Random(seed), order=order)
    assert sel.selected_tokens == budget
    assert sel.selected_tokens + sel.leftover_tokens == sum(lengths)  # nothing lost uncounted
    # each response appears at most once and pieces are prefixes of untrained tokens
    assert len({p.sample.group for p in sel.pieces}) == len(sel.pieces)
    assert all(p.start == 0 and 0 < p.end <= len(p.sample.response_ids) for p in sel.pieces)
    assert sum(1 for p in sel.pieces if p.end < len(p.sample.response_ids)) <= 1  # at most one cut


def test_short_step_selects_everything_and_reports_the_shortfall():
    sel = select_budget(_samples([3, 4]), 20, random.Random(0))
    assert sel.selected_tokens == 7 and sel.shortfall == 13 and not sel.leftover


def test_order_is_seeded():
    samples = _samples(list(range(1, 30)))
    a = select_budget(samples, 100, random.Random(5))
    b = select_budget(samples, 100, random.Random(5))
    c = select_budget(samples, 100, random.Random(6))
    key = lambda s: [(p.sample.group, p.end) for p in s.pieces]  # noqa: E731
    assert key(a) == key(b) and key(a) != key(c)


def test_carried_responses_go_first_and_cut_tails_carry_on():
    old = _samples([6, 6], born=0)
    new = _samples([10, 10, 10], born=1)
    sel = select_budget(new, 15, random.Random(0), carried=old)
    assert [p.sample.born for p in sel.pieces[:2]] == [0, 0]
    assert sel.selected_tokens == 15
    tail = [s for s in sel.leftover if s.start > 0]
    assert len(tail) == 1 and tail[0].start == 3 and tail[0].remaining == 7
    # the tail is trained next step from where it stopped
    nxt = select_budget([], 100, random.Random(0), carried=sel.leftover)
    assert any(p.start == 3 and p.end == 10 for p in nxt.pieces)
    assert nxt.selected_tokens == sel.leftover_tokens


def test_select_all_takes_whole_responses():
    sel = select_all(_samples([3, 4, 5]))
    assert sel.selected_tokens == 12 and sel.shortfall == 0 and not sel.leftover


def test_micro_batches_respect_the_token_cap_and_keep_every_piece():
    sel = select_all(_samples([3, 9, 4, 12, 1, 7]))
    batches = micro_batches(sel.pieces, max_tokens=30)
    assert [p for b in batches for p in b] == list(sel.pieces)
    for b in batches:
        widest = max(len(p.sample.prompt_ids) + p.end for p in b)
        assert widest * len(b) <= 30 or len(b) == 1


def test_group_order_takes_whole_groups():
    """order="group": every selected group is complete except the one the budget ends in, so
    each complete group's advantages still sum to zero."""
    samples = [
        Sample((1,), tuple(range(3 + (i + g) % 4)), (-1.0,) * (3 + (i + g) % 4), 0.0, 0.0, "math", (0, 0, g), 0)
        for g in range(10) for i in range(4)
    ]
    budget = 60
    for seed in range(5):
        sel = select_budget(samples, budget, random.Random(seed), order="group")
        assert sel.selected_tokens == budget
        taken = [p.sample.group for p in sel.pieces]
        groups = list(dict.fromkeys(taken))
        assert all(taken.count(g) == 4 for g in groups[:-1])
        assert sum(p.end < len(p.sample.response_ids) for p in sel.pieces) <= 1
        response = select_budget(samples, budget, random.Random(seed), order="response")
        assert [p.sample.group for p in response.pieces] != taken  # a different rule, not a renaming
    with pytest.raises(ValueError, match="selection order"):
        select_budget(samples, budget, random.Random(0), order="length")
