"""train/advantages.py: group-relative advantages on the full group, and the all-equal groups."""

from __future__ import annotations

import statistics

import pytest

from train.advantages import group_advantages, uniform_groups


def test_advantage_is_the_reward_standardised_within_its_group():
    rewards = [1.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    groups = ["a", "a", "a", "a", "b", "b"]
    adv = group_advantages(rewards, groups)
    std = statistics.pstdev([1.0, 0.0, 0.0, 0.0])  # population std: divide by K, as the docstring says
    assert adv[:4] == pytest.approx([0.75 / std, -0.25 / std, -0.25 / std, -0.25 / std], rel=1e-5)
    assert adv[4:] == [0.0, 0.0]  # all-equal group: exactly 0, not NaN


def test_groups_are_keys_not_positions_and_each_sums_to_zero():
    """Interleaved members (rounds of rollouts) are grouped by key; a group's advantages sum to 0
    and the correct answers of a group get the positive ones."""
    rewards = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    groups = [(0, 0), (0, 1), (0, 0), (0, 1), (0, 0), (0, 1)]
    adv = group_advantages(rewards, groups)
    for key in set(groups):
        members = [a for a, g in zip(adv, groups) if g == key]
        assert sum(members) == pytest.approx(0.0, abs=1e-9)
    assert all((a > 0) == (r == 1.0) for a, r in zip(adv, rewards))


def test_the_epsilon_only_guards_the_division():
    adv = group_advantages([1.0, 0.0], ["g", "g"], eps=1e-6)
    assert adv == pytest.approx([1.0, -1.0], rel=1e-5)  # std 0.5: (1 - 0.5) / 0.5


def test_uniform_groups_are_those_with_one_distinct_reward():
    rewards = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    groups = ["a", "a", "b", "b", "c", "c"]
    assert uniform_groups(rewards, groups) == {"a", "c"}


def test_mismatched_lengths_are_a_bug_caught_early():
    with pytest.raises(AssertionError, match="3 rewards for 2 group keys"):
        group_advantages([1.0, 0.0, 1.0], ["a", "a"])
