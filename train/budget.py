"""The fixed token budget of C3PO: every optimizer step trains on exactly Phi response tokens.

Selection (Ring-lite, arXiv 2506.14731 sec. 3): the step's graded responses are put in a seeded
random order (responses carried over from the previous step first, oldest first, so nothing waits
long; `selection_order = "group"` shuffles whole prompt groups instead of responses) and taken greedily until their response tokens reach Phi; the last one taken is cut so that
exactly Phi tokens enter the loss (its first tokens: causal attention makes a prefix's log-probs
independent of what follows). What is not selected:

- dropped (the paper's choice, `carry_over = False`): counted in the step's `dropped_tokens`;
- carried (`carry_over = True`): kept for the next step, including the untrained tail of the cut
  response, and trained there against their original rollout log-probs (the clipped importance
  ratio corrects for the one step of staleness; older than `max_carry_age` steps they are dropped).

When a step's responses hold fewer than Phi tokens the trainer samples more prompts (another round
of L x K rollouts, up to `max_refill_rounds`) before selecting, so the budget is met; if it is still
short, the loss keeps its 1/Phi normaliser over the tokens there are and the shortfall is logged.
dapo and grpo select everything (`select_all`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Sequence


@dataclass(frozen=True)
class Sample:
    """One graded response, ready for the loss. Token offsets index `response_ids`."""

    prompt_ids: tuple[int, ...]
    response_ids: tuple[int, ...]
    old_logprobs: tuple[float, ...]  # log pi_old of each response token (the engine's, or the trainer's recomputed)
    advantage: float
    reward: float
    domain: str
    group: tuple[int, int, int]  # (step, refill round, prompt index): the advantage's group
    born: int  # the step whose rollout produced it
    start: int = 0  # tokens before `start` were trained already (the tail of a cut response)
    sampler_logprobs: tuple[float, ...] | None = None  # the engine's, when `old_logprobs` are the trainer's

    @property
    def remaining(self) -> int:
        return len(self.response_ids) - self.start


@dataclass(frozen=True)
class Piece:
    """Response tokens [start, end) of `sample` enter this step's loss."""

    sample: Sample
    start: int
    end: int

    @property
    def tokens(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Selection:
    pieces: tuple[Piece, ...]
    leftover: tuple[Sample, ...]  # not trained this step (carried or dropped by the caller)
    budget: int | None  # Phi, or None for select_all

    @property
    def selected_tokens(self) -> int:
        return sum(p.tokens for p in self.pieces)

    @property
    def leftover_tokens(self) -> int:
        return sum(s.remaining for s in self.leftover)

    @property
    def shortfall(self) -> int:
        return 0 if self.budget is None else self.budget - self.selected_tokens


def select_budget(
    samples: Sequence[Sample], budget: int, rng: random.Random, carried: Sequence[Sample] = (), order: str = "response"
) -> Selection:
    """Exactly `budget` tokens (fewer only if all samples together hold fewer): `carried` first in
    the given order, then `samples` in a seeded random order, the last one cut to fit.

    `order="response"` shuffles responses; `order="group"` shuffles the groups and takes each
    group's responses together, so every selected group but the last keeps its advantages summing
    to zero (its mean reward is the baseline): a random subset of responses keeps a rare success
    without the failures of its group, which makes the gradient noisier (bench_train.py measures it)."""
    order = list(carried) + _ordered(samples, rng, order)
    pieces: list[Piece] = []
    leftover: list[Sample] = []
    used = 0
    for s in order:
        if s.remaining <= 0:
            continue
        room = budget - used
        if room <= 0:
            leftover.append(s)
            continue
        take = min(room, s.remaining)
        pieces.append(Piece(s, s.start, s.start + take))
        used += take
        if take < s.remaining:
            leftover.append(replace(s, start=s.start + take))
    return Selection(tuple(pieces), tuple(leftover), budget)


ORDERS = ("response", "group")


def _ordered(samples: Sequence[Sample], rng: random.Random, order: str) -> list[Sample]:
    if order == "response":
        return rng.sample(list(samples), len(samples))
    if order != "group":
        raise ValueError(f"selection order must be one of {ORDERS}, got {order!r}")
    groups: dict[tuple[int, int, int], list[Sample]] = {}
    for s in samples:
        groups.setdefault(s.group, []).append(s)
    keys = rng.sample(sorted(groups), len(groups))
    return [s for k in keys for s in groups[k]]


def select_all(samples: Sequence[Sample]) -> Selection:
    """Every response, whole (dapo and grpo: the step's size follows its responses' lengths)."""
    return Selection(tuple(Piece(s, s.start, len(s.response_ids)) for s in samples if s.remaining > 0), (), None)


def available_tokens(samples: Sequence[Sample]) -> int:
    return sum(s.remaining for s in samples)


def micro_batches(pieces: Sequence[Piece], max_tokens: int) -> list[list[Piece]]:
    """Consecutive groups of pieces whose padded forward size (rows x longest row, prompt included)
    stays within `max_tokens`; a piece longer than that gets a micro-batch of its own."""
    batches: list[list[Piece]] = []
    current: list[Piece] = []
    longest = 0
    for p in pieces:
        row = len(p.sample.prompt_ids) + p.end
        if current and max(longest, row) * (len(current) + 1) > max_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(p)
        longest = max(longest, row)
    if current:
        batches.append(current)
    return batches
