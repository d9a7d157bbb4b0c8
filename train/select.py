"""Which SFT checkpoint should RL start from? Ring-lite's rule (arXiv 2506.14731, sec. 4):

    1. sample each checkpoint on a probe set and measure the mean token entropy of its samples;
    2. keep the checkpoints whose entropy lies in a target band (default 0.3-0.5 nats);
    3. among those, take the one with the best probe accuracy.

The paper found that checkpoints picked by validation score alone are often over-fitted: their
entropy has collapsed and RL has little left to explore. When no checkpoint falls in the band the
band cannot tell them apart, so accuracy decides (nearness to the band breaking ties), and the
reason says so, naming the nearest one: picking the nearest chose accuracy 0.512 over 0.527
because its entropy was 0.001 nearer a band neither was in.

Entropy is that of the model's raw next-token distribution (temperature 1) at each sampled
response token, computed by a transformers forward pass over prompt + response, averaged over all
response tokens of the probe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from ringdata.core.records import Problem


@dataclass(frozen=True)
class SelectConfig:
    band: tuple[float, float] = (0.3, 0.5)  # target mean token entropy, nats (Ring-lite)
    samples: int = 4  # responses per probe problem
    max_tokens: int = 256  # per response
    temperature: float = 1.0  # sampling temperature of the probe
    seed: int = 0  # same seed for every checkpoint: they are compared on the same sampling noise
    backend: str = "auto"  # rollout engine: vllm | hf | auto
    max_model_len: int = 1024  # prompt + response tokens


@dataclass(frozen=True)
class CheckpointScore:
    path: Path
    entropy: float  # mean token entropy of its probe samples (nats)
    accuracy: float  # mean reward over its probe samples
    tokens: int  # response tokens the entropy is averaged over
    in_band: bool


@dataclass(frozen=True)
class Choice:
    scores: tuple[CheckpointScore, ...]
    chosen: CheckpointScore
    why: str


def probe_problems(probe: str, domains: Sequence[str], n: int, seed: int = 0) -> list[Problem]:
    """The probe set: the head of the toy task's held-out stream for "toy" (the problems RL never
    trains on, see train/tiny.py), else a seeded sample of `n` of a curated Parquet file's
    `domains` problems."""
    import random

    from ringdata.core.io.problems import read_curated

    if probe == "toy":
        from train import toy

        return toy.math_problems(n, seed=0)
    problems = read_curated(Path(probe), domains, field="--probe")
    return random.Random(seed).sample(problems, min(n, len(problems)))


def response_entropy(model, rollouts, batch: int = 32) -> tuple[float, int]:
    """(sum of per-token entropies, token count) over the rollouts' response tokens."""
    from train.loss import token_logprobs_and_entropy

    total, count = 0.0, 0
    for i in range(0, len(rollouts), batch):
        chunk = [r for r in rollouts[i : i + batch] if r.response_ids]
        if not chunk:
            continue
        rows = [list(r.prompt_ids) + list(r.response_ids) for r in chunk]
        width = max(map(len, rows))
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        attn = torch.zeros_like(ids)
        for j, row in enumerate(rows):
            ids[j, : len(row)] = torch.tensor(row)
            attn[j, : len(row)] = 1
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=attn).logits
            _, ent = token_logprobs_and_entropy(logits[:, :-1], ids[:, 1:])
        for j, r in enumerate(chunk):
            start = len(r.prompt_ids) - 1  # logits at t predict token t+1
            total += float(ent[j, start : start + len(r.response_ids)].sum())
            count += len(r.response_ids)
    return total, count


def score_checkpoint(model_dir: Path, probe: Sequence[Problem], reward: Callable, cfg: SelectConfig) -> CheckpointScore:
    """Sample `model_dir` on the probe, grade (`reward` returns a `Verdict` per (problem,
    response), as `train.rewarder.Rewarder` does), and measure its samples' entropy."""
    from transformers import AutoModelForCausalLM

    from train.models import load_tokenizer
    from train.prompting import format_prompt
    from train.rollout import SamplingConfig, make_backend

    tokenizer = load_tokenizer(model_dir)
    backend = make_backend(cfg.backend, Path(model_dir), max_model_len=cfg.max_model_len, seed=cfg.seed)
    try:
        sampling = SamplingConfig(n=cfg.samples, temperature=cfg.temperature, max_tokens=cfg.max_tokens, seed=cfg.seed)
        rollouts = backend.generate([format_prompt(p, tokenizer) for p in probe], sampling)
    finally:
        backend.close()
    rewards = [v.reward for v in reward([(probe[r.prompt_index], r.text) for r in rollouts])]
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32, local_files_only=True).eval()
    total, count = response_entropy(model, rollouts)
    entropy = total / max(count, 1)
    lo, hi = cfg.band
    return CheckpointScore(Path(model_dir), entropy, sum(rewards) / len(rewards), count, lo <= entropy <= hi)


def choose(scores: Sequence[CheckpointScore], band: tuple[float, float]) -> Choice:
    """The best-accuracy checkpoint inside the band, else the best-accuracy one (see the module doc)."""
    assert scores, "no checkpoints to choose from"
    inside = [s for s in scores if s.in_band]
    if inside:
        best = max(inside, key=lambda s: s.accuracy)
        return Choice(tuple(scores), best, f"best probe accuracy of the {len(inside)} checkpoint(s) with entropy in {band}")
    lo, hi = band
    gap = lambda s: lo - s.entropy if s.entropy < lo else s.entropy - hi  # noqa: E731
    best = max(scores, key=lambda s: (s.accuracy, -round(gap(s), 6)))
    nearest = min(scores, key=lambda s: round(gap(s), 6))
    return Choice(tuple(scores), best, f"no checkpoint has entropy in {band} (the nearest, {nearest.path}, has "
                                       f"{nearest.entropy:.3f}), so the band cannot decide: took the best probe "
                                       f"accuracy ({best.accuracy:.3f})")


def select_checkpoint(dirs: Sequence[Path], probe: Sequence[Problem], reward: Callable, cfg: SelectConfig = SelectConfig(),
                      on_done: Callable[[CheckpointScore], None] | None = None) -> Choice:
    """Score every checkpoint dir on the probe and apply Ring-lite's rule."""
    scores = []
    for d in dirs:
        scores.append(score_checkpoint(Path(d), probe, reward, cfg))
        if on_done:
            on_done(scores[-1])
    return choose(scores, cfg.band)
