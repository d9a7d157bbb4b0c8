"""Rollouts with vLLM (`vllm.LLM`) in this process, on CPU or GPU.

The engine is built once; `push_weights` reloads weights in place through the worker's
`reload_weights` (transformers parameter names) and resets the prefix cache, which would otherwise
serve KV blocks computed with the old weights. vLLM only *logs* "Failed to load weights" for a
layer whose weights did not arrive (e.g. a tied `lm_head.weight` left out) and keeps the stale
tensor, so the push listens to that logger and raises instead.

The environment (VLLM_ENABLE_V1_MULTIPROCESSING=0) is set by `train.rollout.make_backend` before
this module is imported.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Mapping

import torch

from train.backends.base import Rollout, SamplingConfig
from train.backends.common import cut_response, encode_prompts, generation_tokenizer, make_rollout

RELOAD_LOGGER = "vllm.model_executor.model_loader.reload.layerwise"
# Layers that hold only buffers derived from the config (the rotary cos/sin cache): a checkpoint
# has no weights for them, so vLLM's "Failed to load weights" for them on every reload is noise.
NO_WEIGHT_LAYERS = ("RotaryEmbedding",)
# Seeded requests crash vLLM's CPU sampler when a prefill is split into chunks ("CPU Generator
# does not use offset"): after a step that ended short of a request's prompt, vLLM (0.32,
# v1/worker/gpu_model_runner.py) discards the token sampled for it and rewinds its generator with
# `gen.set_offset(gen.get_offset() - 4)`, which only a CUDA (Philox) generator supports; only a
# seeded request has a generator of its own. So the trigger is exactly: a per-request seed AND a
# prefill split across steps (chunked prefill on, and a step's prompt tokens over the budget).
# Batch size matters only through the budget. Measured (issue 24): 12 prompts of 190 tokens, a
# 256-token budget, chunked prefill on: seeded -> this RuntimeError, unseeded -> 12 rollouts.
# So chunked prefill is off: a step's scheduler then takes whole prompts until
# this budget is spent and leaves the rest for the next step. A budget above every step of L x K
# prompt tokens alone was not enough (`ringdata rollout --limit 200` on GSM8K: 32 prompts x 8
# samples of ~250 tokens overran it and the last prompt of the step was cut).
MAX_BATCHED_TOKENS = 16384  # prompt tokens per scheduler step; at least max_model_len (a whole prompt)
MAX_SEQS = 512  # L prompts x K samples of a step run as one batch
# Chunked prefill off costs no speed where every prompt of a call fits one step's budget (the
# scheduler then takes all prefills in its first step either way): measured at 256 x 32 tokens,
# one thread, 1,188 (on) against 1,236 (off) tokens per CPU-second, within the machine's noise.
# The CPU engine's KV cache does matter: too small for the running batch and vLLM preempts sequences
# and recomputes them later (`kv_cache_bytes`).
KV_BLOCK = 128  # tokens per KV-cache block of vLLM's CPU attention: a sequence holds whole blocks


def kv_cache_bytes(model_dir: Path, max_model_len: int, dtype: str, most_gib: float) -> int:
    """KV cache for MAX_SEQS sequences of max_model_len tokens, at most `most_gib` GiB. A smaller
    cache preempts: measured at 256 x 128 tokens on the 25.8M model (32 KiB a token), a fixed 1 GiB
    held 256 blocks, so the 256 sequences crossing 128 tokens needed 512, half of them were
    preempted and recomputed on every call, and vLLM made 1,271 tokens per CPU-second against
    1,708 with room for all (one thread; benchmarks/bench_rollout.py for both backends)."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(model_dir), local_files_only=True)
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    element = torch.empty((), dtype=getattr(torch, dtype)).element_size()
    per_token = 2 * config.num_hidden_layers * kv_heads * head_dim * element  # K and V of every layer
    blocks = -(-max_model_len // KV_BLOCK)
    return min(MAX_SEQS * blocks * KV_BLOCK * per_token, int(most_gib * 2**30))


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Failed to load weights" in message and not any(name in message for name in NO_WEIGHT_LAYERS):
            self.messages.append(message)


def prompt_seed(seed: int, index: int) -> int:
    """The seed of prompt `index` in a call seeded with `seed`: a hash, so seeds of different
    prompts and of different calls (seed, seed + 1, ...) never run in step; below 2^62, leaving room
    for vLLM's seed + child index."""
    digest = hashlib.blake2b(f"{seed}/{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 2


def _seeded(params, seed: int, index: int):
    own = params.clone()
    own.seed = prompt_seed(seed, index)
    return own


class VLLMBackend:
    def __init__(self, model_dir: Path, *, max_model_len: int = 1024, seed: int = 0, dtype: str = "float32",
                 device: str = "cpu", gpu_memory_utilization: float = 0.35, sleep: bool = False,
                 kv_cache_gib: float = 4) -> None:
        from vllm import LLM

        self.tokenizer = generation_tokenizer(model_dir)
        self.dtype, self.device = dtype, device  # RolloutBackend's
        self.sleeps = sleep and device == "cuda"  # vLLM's sleep mode needs CUDA's memory pool
        self.asleep = False
        if device == "cuda":  # the GPU's KV cache is its memory share's rest
            memory = {"gpu_memory_utilization": gpu_memory_utilization, "enable_sleep_mode": self.sleeps}
        else:  # an explicit VLLM_CPU_KVCACHE_SPACE in the environment still wins (vLLM reads it last)
            memory = {"kv_cache_memory_bytes": kv_cache_bytes(model_dir, max_model_len, dtype, kv_cache_gib)}
        self.llm = LLM(
            **memory,
            model=str(model_dir),
            dtype=dtype,
            max_model_len=max_model_len,
            seed=seed,
            enable_prefix_caching=True,  # K samples of one prompt share its prefill
            max_num_batched_tokens=max(MAX_BATCHED_TOKENS, max_model_len),
            enable_chunked_prefill=False,  # whole prefills only: see MAX_BATCHED_TOKENS
            max_num_seqs=MAX_SEQS,
            use_tqdm_on_load=False,  # no "Loading safetensors checkpoint shards" bars in our output
        )
        self.eos_ids = {self.tokenizer.eos_token_id}
        hf_config = self.llm.llm_engine.model_config.hf_config
        self.tied = bool(getattr(hf_config, "tie_word_embeddings", False))
        gen_eos = hf_config.eos_token_id
        if isinstance(gen_eos, int):
            self.eos_ids.add(gen_eos)
        elif isinstance(gen_eos, list):
            self.eos_ids.update(gen_eos)

    def generate(self, prompts: list[str], config: SamplingConfig) -> list[Rollout]:
        from vllm import SamplingParams

        base = SamplingParams(
            n=config.n,
            temperature=config.temperature,
            top_p=config.top_p,
            top_k=-1 if hasattr(SamplingParams, "top_k") else None,
            max_tokens=config.max_tokens,
            min_tokens=config.min_tokens,
            stop=list(config.stop) or None,
            logprobs=0,  # only the sampled token's logprob (raw: logprobs_mode="raw_logprobs")
            skip_special_tokens=True,
        )
        # A seed is per request in vLLM and its n children take seed + 0..n-1: one seed for every
        # prompt would give every prompt the same random draws (all prompts of a step correlated,
        # the same question asked twice answered identically). Each prompt gets its own seed.
        params = base if config.seed is None else [_seeded(base, config.seed, config.first_prompt + i)
                                                  for i in range(len(prompts))]
        encoded = encode_prompts(self.tokenizer, prompts)
        requests = [{"prompt_token_ids": ids} for ids in encoded]
        outputs = self.llm.generate(requests, params, use_tqdm=False)
        rows: list[Rollout] = []
        for index, (ids, out) in enumerate(zip(encoded, outputs)):
            for c in sorted(out.outputs, key=lambda c: c.index):
                toks = list(c.token_ids)
                lps = [step[t].logprob for t, step in zip(toks, c.logprobs)]
                # vLLM already stopped; cut_response only recomputes text/reason the same way as hf
                toks, lps, text, reason = cut_response(toks, lps, self.tokenizer, self.eos_ids, ())
                reason = "length" if c.finish_reason == "length" else "stop"
                rows.append(make_rollout(index, ids, toks, lps, c.text if config.stop else text, reason))
        return rows

    def push_weights(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """Reload weights in place. Callers pass transformers names. vLLM keeps a tied
        `lm_head.weight` as its own tensor, so for a tied model it is added from the embedding when
        missing; for an untied model a missing head is an error (vLLM would keep the stale one)."""
        weights = dict(state_dict)
        if self.tied and "lm_head.weight" not in weights and "model.embed_tokens.weight" in weights:
            weights["lm_head.weight"] = weights["model.embed_tokens.weight"]
        # on CUDA straight from the trainer's GPU tensors; the CPU engine gets CPU tensors
        weights = {k: v.detach() if self.device == "cuda" else v.detach().to("cpu") for k, v in weights.items()}
        failures = _Failures()
        logger = logging.getLogger(RELOAD_LOGGER)
        logger.addHandler(failures)
        # The records must be created even when vLLM's logging is quieted (ringdata.core.logs sets its
        # level to ERROR); vLLM's own handler still drops them from the screen.
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": iter(weights.items())})
        finally:
            logger.removeHandler(failures)
            logger.setLevel(level)
        self.llm.reset_prefix_cache()
        if failures.messages:
            raise RuntimeError(
                f"vLLM did not load every pushed weight ({'; '.join(failures.messages[:3])}): "
                "the engine would sample from stale weights"
            )

    def sleep(self) -> None:
        """Level 1: weights to host memory, KV cache freed, while the trainer steps (CUDA only)."""
        if self.sleeps and not self.asleep:
            self.llm.sleep(level=1)
            self.asleep = True

    def wake_up(self) -> None:
        """Back on the GPU before a weight push and the next rollouts."""
        if self.asleep:
            self.llm.wake_up()
            self.asleep = False

    def close(self) -> None:
        import gc

        del self.llm
        gc.collect()
