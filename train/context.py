"""What a stage's steps share (`Context`), and the seeds everything random derives from.

Split from train/loop.py so that the collection loop (train/collect.py) and the padded batches
(train/tensors.py) read the same typed context as the optimizer step, without importing the loop.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import torch

from ringdata.core.records import Problem
from train.backends.base import RolloutBackend
from train.checkpoint import TrainState
from train.config import StageConfig, TrainConfig
from train.distributed import World
from train.policy import Scorer
from train.rewarder import Rewarder


@dataclass
class Context:
    """What a stage's steps share: the configs, the models, the engines and the `TrainState`."""

    cfg: TrainConfig
    stage: StageConfig
    policy: Scorer
    reference: Scorer
    tokenizer: object
    optimizer: object
    scheduler: object
    backend: RolloutBackend
    rewarder: Rewarder
    problems: list[Problem]
    state: TrainState = field(default_factory=TrainState)
    device: torch.device = torch.device("cpu")
    dtype: torch.dtype | None = None  # autocast dtype; None = float32
    world: World = World()
    trainer_old_logprobs: bool = False  # recompute old log-probs with the trainer (loss.old_logprobs)

    @property
    def skip_uniform(self) -> bool:
        st = self.stage
        return st.skip_uniform_groups if st.skip_uniform_groups is not None else self.cfg.loss.kind == "dapo"


def rank_parts(world: World) -> tuple[int, ...]:
    """Seed parts for this rank: none in a single process (its seeds are the pre-torchrun ones)."""
    return (world.rank,) if world.size > 1 else ()


def seed_of(*parts) -> int:
    """A 31-bit seed from any parts (stable across processes, unlike hash())."""
    return random.Random("/".join(map(str, parts))).getrandbits(31)
