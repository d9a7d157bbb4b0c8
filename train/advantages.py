"""Group-relative advantages (GRPO, kept by C3PO): each response's reward against its group's.

    A_i = (R_i - mean(R_group)) / (std(R_group) + eps)

The group is the K responses to one prompt, and the statistics use the FULL group, before the token
budget selects anything: selection must not change what a response's reward means. std is the
population std (divide by K), so a group of all-equal rewards gets A = 0 exactly.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Hashable, Sequence


def group_advantages(rewards: Sequence[float], groups: Sequence[Hashable], eps: float = 1e-6) -> list[float]:
    """Advantages for rewards tagged with their group key (any hashable, e.g. (round, prompt))."""
    assert len(rewards) == len(groups), f"{len(rewards)} rewards for {len(groups)} group keys"
    members: dict[Hashable, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    out = [0.0] * len(rewards)
    for idx in members.values():
        vals = [rewards[i] for i in idx]
        mean = sum(vals) / len(vals)
        std = (sum((v - mean) ** 2 for v in vals) / len(vals)) ** 0.5
        for i in idx:
            out[i] = (rewards[i] - mean) / (std + eps)
    return out


def uniform_groups(rewards: Sequence[float], groups: Sequence[Hashable]) -> set[Hashable]:
    """Groups whose rewards are all equal: no learning signal beyond the KL and entropy terms."""
    seen: dict[Hashable, set[float]] = defaultdict(set)
    for r, g in zip(rewards, groups):
        seen[g].add(r)
    return {g for g, vals in seen.items() if len(vals) == 1}
