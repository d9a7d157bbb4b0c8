"""What every rollout backend speaks: `SamplingConfig` in, `Rollout`s out, behind `RolloutBackend`.

Defined here, below both backends and `train.rollout` (which builds them), so that neither backend
imports the module that imports it. What `Rollout.logprobs` means: train/rollout.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol

import torch

__all__ = ["Rollout", "RolloutBackend", "SamplingConfig"]


@dataclass(frozen=True)
class SamplingConfig:
    n: int = 16  # samples per prompt (K in the paper's group-relative advantage)
    temperature: float = 1.0  # 0 = greedy
    top_p: float = 1.0  # nucleus mass; 1.0 = no truncation
    max_tokens: int = 256  # max response tokens, EOS included
    seed: int | None = None  # per-call seed; None = the backend's running RNG state
    stop: tuple[str, ...] = ()  # stop strings; excluded from `text`, like vLLM
    min_tokens: int = 0  # EOS/stop suppressed before this many tokens (benchmarks force lengths)
    first_prompt: int = 0  # vLLM: prompt i is seeded as prompt first_prompt + i of the request, so a
    # request split across engines (train/ray_rollout.py) or into groups graded while the next is
    # sampled (train/collect.py) draws what one call draws; transformers: a stream of its own


@dataclass(frozen=True)
class Rollout:
    """One sampled response."""

    prompt_index: int  # index into the prompts list given to `generate`
    prompt_ids: tuple[int, ...]
    response_ids: tuple[int, ...]  # includes the EOS token when the model stopped by EOS
    logprobs: tuple[float, ...]  # per response token, raw log pi(token); see the module docstring
    text: str  # decoded response, special tokens and stop string removed
    finish_reason: str  # "stop" (EOS or a stop string) | "length" (hit max_tokens)


class RolloutBackend(Protocol):
    """Everything the trainer calls on a rollout engine (train/loop.py): nothing is reached for
    with `getattr`, so a new backend that lacks a part fails to type-check, not mid-run."""

    dtype: str  # the engine's weights: "float32" | "bfloat16" | "float16" (whether the trainer recomputes old log-probs)
    device: str  # "cpu" | "cuda"

    def generate(self, prompts: list[str], config: SamplingConfig) -> list[Rollout]:
        """`config.n` rollouts per prompt, grouped by prompt in prompt order."""
        ...

    def push_weights(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """Make the backend sample from these weights (transformers parameter names)."""
        ...

    def sleep(self) -> None:
        """Free what the engine holds on the accelerator while the trainer steps (a no-op where
        there is nothing to free: CPU engines, engines on other machines)."""
        ...

    def wake_up(self) -> None:
        """Undo `sleep`, before the next weight push; a no-op when awake."""
        ...

    def close(self) -> None: ...
