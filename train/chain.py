"""A task whose responses vary in length and where the length matters: n mod d worked out by
repeated subtraction, one number per step, and the tiny model the project fits to show that work.

    Question: 38 mod 9
    Answer: 29 20 11 2 \\boxed{2}

n is drawn in [10, 99] and d in [2, 9], so a worked response takes n // d steps, from 1 to 49:
about 10 to 160 tokens of the character-level tokenizer (train/tiny.py), three per step. Why this
task for the C3PO comparison (issue 22): on the toy task (train/toy.py) every answer is ~10
tokens, so the tokens per step barely vary and GRPO's per-response 1/|y| normaliser and DAPO's
1/(step tokens) hardly differ from C3PO's fixed 1/Phi. Here a step's response tokens swing with
its problems, and the long problems are also the hard ones (each step is another chance of a
slip, and of stopping too early or too late), as in long chain-of-thought.

Each step depends only on the previous number and d (no counting, no search through the prompt),
which a 2-layer model learns in a short CPU fit; an earlier design (chained + - * mod 10, the
model finding the i-th operation in the prompt) stayed near chance after 400 fitting steps. The
answer is graded by the real math grader (`\\boxed{2}`); a response that skips the work and boxes
a guess is graded like any other (right about 1 time in d).

`chain_model_dir()` builds the fitted model once into the user cache beside the toy tiny model
(`train.tiny.cached_build`: atomic rename) and reuses it; `ringdata train` reaches it as
model = "tiny-chain" and data = "chain" (train/models.py, train/loop.py).
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ringdata.core.records import Problem, make_id

__all__ = ["ChainConfig", "ChainModelConfig", "chain_model_dir", "chain_problems", "worked_response"]

SOURCE = "chain"


@dataclass(frozen=True)
class ChainConfig:
    n_range: tuple[int, int] = (10, 99)  # the dividend n: two digits, so every step is one 3-token number
    d_range: tuple[int, int] = (2, 9)  # the divisor d: one digit; n // d steps, 1 to 49 at the defaults


def chain_problems(n: int, *, seed: int = 0, config: ChainConfig = ChainConfig()) -> list[Problem]:
    """`n` distinct problems, seeded (their own `random.Random`); fewer when the question space
    (720 at the defaults) runs out, so `chain_problems(10**6)` is the whole task."""
    rng = random.Random(f"chain/{seed}")
    space = [(a, d) for a in range(config.n_range[0], config.n_range[1] + 1)
             for d in range(config.d_range[0], config.d_range[1] + 1)]
    return [Problem(make_id(SOURCE, f"{a} mod {d}"), "math", SOURCE, f"{a} mod {d}", answer=str(a % d),
                    metadata={"n": a, "d": d, "steps": a // d})
            for a, d in rng.sample(space, len(space))[:n]]


def worked_response(problem: Problem) -> str:
    """Every number of the subtraction, then the boxed remainder: the response the model is fitted on."""
    a, d = problem.metadata["n"], problem.metadata["d"]
    return " ".join(str(x) for x in range(a - d, -1, -d)) + f" \\boxed{{{a % d}}}"


@dataclass(frozen=True)
class ChainModelConfig:
    hidden: int = 128  # model width (head_dim 32: vLLM's CPU attention)
    layers: int = 2  # decoder layers
    heads: int = 4
    intermediate: int = 256
    steps: int = 300  # fitting steps (a few minutes on one loaded core)
    batch: int = 24  # sequences per fitting step
    lr: float = 3e-3  # AdamW peak learning rate (cosine decay to 10%)
    probe_problems: int = 64  # the seed-0 stream's first problems: RL's held-out set, never fitted
    # (the question space is 720, so the fit sees the other 656 again and again)
    threads: int = 1  # see train/tiny.py TinyConfig.threads


BUILD_VERSION = 1  # bump when the build changes in a way the configs do not capture


def _examples(tokenizer, problems) -> list[tuple[list[int], int]]:
    from train.prompting import format_prompt

    out = []
    for p in problems:
        prompt = tokenizer(format_prompt(p), add_special_tokens=False)["input_ids"]
        ids = tokenizer(" " + worked_response(p), add_special_tokens=False)["input_ids"]
        out.append((prompt + ids + [tokenizer.eos_token_id], len(prompt)))
    return out


def fit_chain(model, tokenizer, config: ChainModelConfig, task: ChainConfig, seed: int, held: set[str]) -> float:
    """Supervised fit on fresh problems every step (never the held-out ones); the final loss."""
    from train.tiny import _batch, fit_step

    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.1 + 0.9 * 0.5 * (1 + torch.cos(torch.tensor(torch.pi * s / config.steps)).item()))
    pool = [p for p in chain_problems(10**6, seed=seed + 1, config=task) if p.question not in held]
    random.Random(seed).shuffle(pool)
    examples = _examples(tokenizer, pool)
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    model.train()
    losses = []
    try:
        for i in range(config.steps):
            start = (i * config.batch) % len(examples)
            chunk = (examples[start:] + examples)[: config.batch]
            ids, mask, labels = _batch(chunk, tokenizer.pad_token_id)
            losses.append(fit_step(model, opt, sched, ids, mask, labels))
    finally:
        torch.set_num_threads(threads)
        model.eval()
    return sum(losses[-20:]) / len(losses[-20:])


def probe_chain(model_dir: Path, problems, *, samples: int = 2, seed: int = 0, max_tokens: int = 192) -> dict:
    """Sampled at temperature 1.0: `accuracy` (the boxed result is right), `boxed_rate`, the mean
    response length in tokens, and the accuracy by number of steps (a dict)."""
    from ringdata.core.answers import last_boxed
    from train.backends.hf import HFBackend
    from train.prompting import format_prompt
    from train.rollout import SamplingConfig

    backend = HFBackend(model_dir, seed=seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rollouts = backend.generate([format_prompt(p) for p in problems],
                                    SamplingConfig(n=samples, max_tokens=max_tokens, seed=seed))
    finally:
        torch.set_num_threads(threads)
    by_steps: dict[int, list[bool]] = {}
    right, boxed = [], []
    for r in rollouts:
        p = problems[r.prompt_index]
        got = last_boxed(r.text)
        right.append(got == p.answer)
        boxed.append(got is not None)
        by_steps.setdefault(p.metadata["steps"], []).append(right[-1])
    n = len(rollouts)
    return {"accuracy": sum(right) / n, "boxed_rate": sum(boxed) / n,
            "response_tokens": sum(len(r.response_ids) for r in rollouts) / n,
            "accuracy_by_steps": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_steps.items())}}


def build_chain_model(out_dir: Path, *, seed: int = 0, config: ChainModelConfig = ChainModelConfig(),
                      task: ChainConfig = ChainConfig()) -> Path:
    """Build, fit and save the chain model into `out_dir` (with `ringdata_tiny.json`: its
    parameter count, fit time and probe accuracy); returns `out_dir`."""
    import json

    from train.tiny import TinyConfig, build_model, build_tokenizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer()
    shape = TinyConfig(hidden=config.hidden, layers=config.layers, heads=config.heads,
                       intermediate=config.intermediate, max_positions=512)
    model = build_model(tokenizer, shape, seed)
    probe = chain_problems(config.probe_problems, seed=0, config=task)
    started = time.perf_counter()
    loss = fit_chain(model, tokenizer, config, task, seed, {p.question for p in probe})
    fit_seconds = time.perf_counter() - started
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    info = {"size": "chain", "seed": seed, "config": asdict(config), "task": asdict(task),
            "build_version": BUILD_VERSION, "parameters": sum(p.numel() for p in model.parameters()),
            "fit_seconds": round(fit_seconds, 1), "final_loss": loss,
            "probe": probe_chain(out_dir, probe, samples=2, seed=seed)}
    (out_dir / "ringdata_tiny.json").write_text(json.dumps(info, indent=2) + "\n")
    return out_dir


def chain_model_dir(cache_root: Path | None = None, *, seed: int = 0,
                    config: ChainModelConfig = ChainModelConfig(), task: ChainConfig = ChainConfig()) -> Path:
    """The chain model's directory, built on first use into `cache_root` (None:
    `ringdata.core.cache.cache_root()`) and reused after."""
    from train.tiny import cached_build

    key = {"v": BUILD_VERSION, "seed": seed, "config": asdict(config), "task": asdict(task)}
    return cached_build(cache_root, "chain", key,
                        lambda out: build_chain_model(out, seed=seed, config=config, task=task))
