"""Rollouts with transformers `generate`: in process, batched, left-padded.

Logprobs are log_softmax of the raw logits (`output_logits=True`, before temperature and top-p)
at each sampled token: see train/rollout.py for what that means when temperature != 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch

from train.backends.base import Rollout, SamplingConfig
from train.backends.common import cut_response, encode_prompts, generation_tokenizer, make_rollout

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class HFBackend:
    """transformers rollouts. `batch_size` bounds the sequences generated at once (memory)."""

    def __init__(
        self, model_dir: Path, *, max_model_len: int = 1024, seed: int = 0, dtype: str = "float32",
        batch_size: int = 256, device: str = "cpu",
    ) -> None:
        from transformers import AutoModelForCausalLM

        self.tokenizer = generation_tokenizer(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(
            str(model_dir), dtype=DTYPES[dtype], local_files_only=True
        ).eval().to(device)
        self.dtype, self.device = dtype, torch.device(device).type  # RolloutBackend's
        self.max_model_len = max_model_len
        self.batch_size = batch_size
        self.generator_seed = seed
        self.calls = 0
        eos = self.model.generation_config.eos_token_id
        eos = eos if eos is not None else self.tokenizer.eos_token_id
        self.eos_ids = set(eos) if isinstance(eos, list) else {eos}

    def generate(self, prompts: list[str], config: SamplingConfig) -> list[Rollout]:
        encoded = encode_prompts(self.tokenizer, prompts)
        jobs = [(i, ids) for i, ids in enumerate(encoded) for _ in range(config.n)]
        seed = config.seed if config.seed is not None else self.generator_seed + self.calls
        if config.first_prompt:  # a later part of a split request: its own stream, not the first part's again
            seed = (seed * 1_000_003 + config.first_prompt) % 2**63
        self.calls += 1
        out: list[Rollout] = []
        with torch.random.fork_rng(devices=[self.model.device] if self.device == "cuda" else []):
            torch.manual_seed(seed)
            for start in range(0, len(jobs), self.batch_size):
                out.extend(self._batch(jobs[start : start + self.batch_size], config))
        return out

    def _batch(self, jobs: list[tuple[int, list[int]]], config: SamplingConfig) -> list[Rollout]:
        longest = max(len(ids) for _, ids in jobs)
        max_new = min(config.max_tokens, self.max_model_len - longest)
        if max_new <= 0:
            raise ValueError(f"a prompt of {longest} tokens leaves no room under max_model_len={self.max_model_len}")
        batch = self.tokenizer.pad({"input_ids": [ids for _, ids in jobs]}, return_tensors="pt").to(self.model.device)
        sample = config.temperature > 0
        with torch.inference_mode():
            gen = self.model.generate(
                **batch,
                do_sample=sample,
                temperature=config.temperature if sample else None,
                top_p=config.top_p if sample else None,
                top_k=0 if sample else None,  # no top-k unless asked: vLLM's default too
                max_new_tokens=max_new,
                min_new_tokens=config.min_tokens or None,
                pad_token_id=self.tokenizer.pad_token_id,
                eos_token_id=sorted(self.eos_ids),
                output_logits=True,
                return_dict_in_generate=True,
            )
        new = gen.sequences[:, batch["input_ids"].shape[1] :]
        logits = torch.stack(gen.logits, dim=1).float()  # [batch, new, vocab], raw
        logprobs = torch.log_softmax(logits, dim=-1).gather(-1, new.unsqueeze(-1)).squeeze(-1)
        rows = []
        for (index, ids), toks, lps in zip(jobs, new.tolist(), logprobs.tolist()):
            cut = cut_response(toks, lps, self.tokenizer, self.eos_ids, config.stop)
            rows.append(make_rollout(index, ids, *cut))
        return rows

    def push_weights(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """Copy the weights in; strict, so a misnamed tensor fails here rather than sampling stale."""
        missing, unexpected = self.model.load_state_dict(dict(state_dict), strict=False)
        missing = [k for k in missing if not (k == "lm_head.weight" and self.model.config.tie_word_embeddings)]
        if missing or unexpected:
            raise ValueError(f"weight push does not match the model: missing {missing[:5]}, unexpected {unexpected[:5]}")

    def sleep(self) -> None:  # the model is the rollout's only state; the trainer's step needs no room from it
        pass

    def wake_up(self) -> None:
        pass

    def close(self) -> None:
        self.model = None
