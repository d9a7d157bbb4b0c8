"""Rollout: sample K responses per prompt from the current policy, with per-token logprobs.

Two backends behind one protocol (`RolloutBackend`):
- `HFBackend` (train/backends/hf.py): transformers `generate`, in this process, batched with left
  padding. Always available; faster than vLLM below ~10M parameters on CPU.
- `VLLMBackend` (train/backends/vllm.py): `vllm.LLM` in this process (V1 engine with
  multiprocessing off). Faster from ~25M parameters; weights are pushed in place
  (`reload_weights`) so the engine is built once per run.

What `Rollout.logprobs` means, in both backends: log pi(token | prefix) of each sampled token
under the model's *raw* next-token distribution, i.e. log_softmax of the logits at temperature
1.0 with no top-p truncation. This is vLLM's default `logprobs_mode="raw_logprobs"` and what a
transformers forward pass of the same weights gives, so the trainer can compare them directly
(importance ratios, staleness checks). It equals the log-probability of the distribution the
token was actually *sampled* from only when `temperature == 1.0` and `top_p == 1.0`; with other
settings the sampling distribution is the tempered/truncated one and these logprobs are not its
logprobs (they are still the policy's).

Prompts are plain strings (see train/prompting.py: `format_prompt`); both backends tokenize them
with the model directory's tokenizer, with no special tokens added beyond what the string holds,
so `prompt_ids` are identical across backends.
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol

import torch

__all__ = [
    "Rollout",
    "RolloutBackend",
    "SamplingConfig",
    "VLLMSettings",
    "make_backend",
    "vllm_available",
]


@dataclass(frozen=True)
class SamplingConfig:
    n: int = 16  # samples per prompt (K in the paper's group-relative advantage)
    temperature: float = 1.0  # 0 = greedy
    top_p: float = 1.0  # nucleus mass; 1.0 = no truncation
    max_tokens: int = 256  # max response tokens, EOS included
    seed: int | None = None  # per-call seed; None = the backend's running RNG state
    stop: tuple[str, ...] = ()  # stop strings; excluded from `text`, like vLLM
    min_tokens: int = 0  # EOS/stop suppressed before this many tokens (benchmarks force lengths)


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
    def generate(self, prompts: list[str], config: SamplingConfig) -> list[Rollout]:
        """`config.n` rollouts per prompt, grouped by prompt in prompt order."""
        ...

    def push_weights(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """Make the backend sample from these weights (transformers parameter names)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class VLLMSettings:
    """Process environment the vLLM CPU engine reads at import/start. `make_backend` writes these
    into `os.environ` right before importing vllm (they must be set before the engine starts and
    vLLM offers no other way to pass them)."""

    multiprocessing: bool = False  # VLLM_ENABLE_V1_MULTIPROCESSING: False keeps the engine in this
    # process so `push_weights` reaches the model and logs can be inspected
    kv_cache_gib: int = 1  # VLLM_CPU_KVCACHE_SPACE: KV cache size in GiB (the default, 4, is a lot
    # of a shared 24 GiB machine and tiny models need far less)


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None


def make_backend(
    kind: str,
    model_dir: Path,
    *,
    max_model_len: int = 1024,
    seed: int = 0,
    dtype: str = "float32",
    vllm_settings: VLLMSettings = VLLMSettings(),
) -> RolloutBackend:
    """Build a rollout backend for the model saved in `model_dir` (a transformers directory).

    kind: "vllm" | "hf" | "auto" (vllm when importable, else hf with a warning).
    max_model_len: prompt + response tokens per sequence. seed: the backend's RNG seed.
    """
    from ringdata.errors import RingdataError

    if kind not in ("vllm", "hf", "auto"):
        raise RingdataError(f"unknown rollout backend {kind!r}; use vllm, hf or auto")
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise RingdataError(f"{model_dir} is not a model directory (no config.json)")
    if kind == "auto":
        if vllm_available():
            kind = "vllm"
        else:
            warnings.warn("vllm is not installed; rolling out with transformers (slower above ~10M params)")
            kind = "hf"
    if kind == "vllm":
        if not vllm_available():
            raise RingdataError("vllm is not installed: pip install 'ringdata[vllm]' or use --backend hf")
        _set_vllm_env(vllm_settings)
        from train.backends.vllm import VLLMBackend

        return VLLMBackend(model_dir, max_model_len=max_model_len, seed=seed, dtype=dtype)
    from train.backends.hf import HFBackend

    return HFBackend(model_dir, max_model_len=max_model_len, seed=seed, dtype=dtype)


def _set_vllm_env(settings: VLLMSettings) -> None:
    import os

    os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "1" if settings.multiprocessing else "0"
    os.environ["VLLM_CPU_KVCACHE_SPACE"] = str(settings.kv_cache_gib)
