"""The tiny model the project builds itself, for tests and the demo (no hub download anywhere).

- Tokenizer: character level over printable ASCII plus newline (~100 tokens), made with
  `tokenizers` (a BPE model with no merges, so every character is one token) and wrapped as a
  `PreTrainedTokenizerFast` with <pad>, <bos>, <eos>, <unk>. Not a trained BPE: merges would glue
  digits together, which makes arithmetic harder for a model this small, and a fixed alphabet
  needs no corpus and is deterministic.
- Model: a transformers `LlamaForCausalLM` (head_dim 32 or 64, which vLLM's CPU attention needs),
  untied embeddings, saved with `save_pretrained` (safetensors): an ordinary model directory that
  transformers and vLLM both load.
- Fit: a short supervised run on the whole toy math task (train/toy.py; 236 questions) plus some
  toy code problems, in the exact prompt format of train/prompting.py,
  "Question: What is 3+4?\\nAnswer: \\boxed{7}<eos>", loss on the response only. Stopped early on
  purpose: sampled at temperature 1.0 the model gets the number right about 40% of the time.
- Format: like a distilled model that follows the answer format only part of the time, the fit
  data puts a math answer in \\boxed{} with probability `boxed_fraction` (0.5, drawn afresh each
  time an example is used, so the choice is a habit of the model, not a property of a question)
  and bare (" 7") otherwise, which the math grader scores `no_answer`. So the reward starts near
  0.2 and RL has two things to improve: the format, a habit that transfers to questions RL never
  trains on, and the arithmetic, which a 0.35M-parameter model barely transfers. Measured before
  this design (all answers boxed, 60 questions left out of the fit): 15 C3PO steps on 16
  questions raised their reward 0.21 -> 0.34 while the reward on the 60 unseen questions stayed
  flat (0.154 -> 0.158); with the format mix the 60 questions RL holds out (fitted, never
  RL-trained) go 0.21 -> 0.33 (tests/train/test_e2e.py).

Deterministic given the seed on a given machine/thread count. `tiny_model_dir()` builds once into
a cache directory named after the build config and reuses it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from ringdata.core.cache import cache_root as cache_root_default
from train.prompting import format_prompt
from train.toy import ToyConfig, code_problems, math_problems, reference_response

__all__ = ["SIZES", "TinyConfig", "build_tiny_model", "build_tokenizer", "tiny_model_dir"]

BUILD_VERSION = 2  # bump when the build changes in a way the config does not capture
SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
ALPHABET = "\n" + "".join(chr(c) for c in range(32, 127))  # printable ASCII + newline


@dataclass(frozen=True)
class TinyConfig:
    hidden: int = 128  # model width
    layers: int = 2  # decoder layers
    heads: int = 4  # attention heads; head_dim = hidden / heads must be 32 or 64 for vLLM
    intermediate: int = 256  # MLP width
    max_positions: int = 1024  # longest sequence (prompt + response) the model accepts
    steps: int = 1200  # supervised fitting steps (about 2 minutes on one core)
    batch: int = 32  # sequences per fitting step
    lr: float = 5e-3  # AdamW peak learning rate (cosine decay to 10%)
    unfitted_problems: int = 0  # the stream's first questions left out of the fit (0: all fitted)
    probe_problems: int = 60  # the stream's first questions, on which accuracy is measured: the
    # ones `ringdata train`'s toy data holds out from RL (train.loop.load_problems)
    probe_samples: int = 4  # samples per probe question for the accuracy (temperature 1.0)
    threads: int = 1  # torch threads while fitting: at this size thread sync costs more than it
    # saves (measured 7x slower with 2 threads on a busy 2-core machine), and 1 is deterministic
    code_fraction: float = 0.1  # share of toy *code* problems in the fit (for stage-2 demos)
    boxed_fraction: float = 0.5  # chance that a fitted math answer is in \\boxed{} (else bare)


SIZES = {
    "tiny": TinyConfig(),
    # ~25M parameters: the benchmark size where vLLM overtakes transformers on CPU; not fitted
    # by default (minutes per hundred steps on 2 cores), random init is fine for throughput.
    "25m": TinyConfig(hidden=512, layers=8, heads=8, intermediate=1408, steps=0),
}


def build_tokenizer():
    """The character-level `PreTrainedTokenizerFast` (see the module docstring)."""
    from tokenizers import Tokenizer, decoders, models
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIALS + tuple(ALPHABET))}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    core.decoder = decoders.Fuse()  # characters join with nothing between them
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", bos_token="<bos>", eos_token="<eos>", unk_token="<unk>",
        model_max_length=1024,
    )


def build_model(tokenizer, config: TinyConfig, seed: int):
    from transformers import LlamaConfig, LlamaForCausalLM

    head_dim = config.hidden // config.heads
    assert head_dim in (32, 64), f"head_dim {head_dim}: vLLM CPU needs 32 or 64 here"
    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden,
        intermediate_size=config.intermediate,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        num_key_value_heads=config.heads,
        head_dim=head_dim,
        max_position_embeddings=config.max_positions,
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return LlamaForCausalLM(cfg)


def bare_response(problem) -> str:
    """The off-format answer the fit mixes in: the math answer with no \\boxed{} around it."""
    return problem.answer if problem.domain == "math" else reference_response(problem)


def _examples(tokenizer, problems) -> list[tuple[tuple[list[int], int], tuple[list[int], int]]]:
    """Per problem, (boxed, bare) examples, each (token ids of prompt + " " + response + <eos>,
    prompt length); for code problems both are the reference program."""
    def encode(prompt: list[int], response: str) -> tuple[list[int], int]:
        ids = tokenizer(" " + response, add_special_tokens=False)["input_ids"]
        return prompt + ids + [tokenizer.eos_token_id], len(prompt)

    out = []
    for p in problems:
        prompt = tokenizer(format_prompt(p), add_special_tokens=False)["input_ids"]
        out.append((encode(prompt, reference_response(p)), encode(prompt, bare_response(p))))
    return out


def _batch(examples, pad_id: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded ids, attention mask and labels (-100 on prompt and padding)."""
    width = max(len(ids) for ids, _ in examples)
    ids = torch.full((len(examples), width), pad_id)
    labels = torch.full((len(examples), width), -100)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for i, (seq, plen) in enumerate(examples):
        ids[i, : len(seq)] = torch.tensor(seq)
        mask[i, : len(seq)] = 1
        labels[i, plen : len(seq)] = torch.tensor(seq[plen:])
    return ids, mask, labels


def fit(model, tokenizer, problems, config: TinyConfig, seed: int, progress=None) -> float:
    """Supervised fitting on the reference responses; returns the final loss (mean of last 20)."""
    if config.steps == 0:
        return float("nan")
    examples = _examples(tokenizer, problems)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.1 + 0.9 * 0.5 * (1 + torch.cos(torch.tensor(torch.pi * s / config.steps)).item())
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        return _fit_loop(model, tokenizer, examples, opt, sched, gen, config, progress)
    finally:
        torch.set_num_threads(threads)


def _fit_loop(model, tokenizer, examples, opt, sched, gen, config: TinyConfig, progress) -> float:
    model.train()
    losses = []
    task = progress.add_task("fit the tiny demo model (first use only)", total=config.steps, unit="steps") if progress else None
    for _ in range(config.steps):
        pick = torch.randint(len(examples), (config.batch,), generator=gen).tolist()
        bare = (torch.rand(config.batch, generator=gen) >= config.boxed_fraction).tolist()
        ids, mask, labels = _batch([examples[i][b] for i, b in zip(pick, bare)], tokenizer.pad_token_id)
        losses.append(fit_step(model, opt, sched, ids, mask, labels))
        if progress:
            progress.advance(task)
    model.eval()
    return sum(losses[-20:]) / len(losses[-20:])


def toy_split(config: TinyConfig, seed: int):
    """(fit, probe) toy problems. The fit set is the whole toy math task (minus the stream's first
    `unfitted_problems` questions) plus toy code problems; the probe set is the stream's first
    `probe_problems` questions: the questions RL is evaluated on and never trained on."""
    pool = math_problems(10**6, seed=seed, config=ToyConfig())  # the whole task, shuffled by seed
    fitted = pool[config.unfitted_problems :]
    n_code = int(round(config.code_fraction * len(fitted)))
    return fitted + code_problems(n_code, seed=seed), pool[: config.probe_problems]


def probe_accuracy(model_dir: Path, problems, *, samples: int = 1, seed: int = 0) -> dict[str, float]:
    """On sampled responses (temperature 1.0): `accuracy`, the fraction whose last \\boxed{} equals
    the answer (what the math grader rewards); `answer_accuracy`, the fraction with the right
    number boxed or bare; `boxed_rate`, the fraction that use \\boxed{} at all.

    A self-contained integer check (the toy answers are integers), so building the model does not
    depend on the graders; tests cross-check with the real math grader."""
    from train.backends.hf import HFBackend

    backend = HFBackend(model_dir, seed=seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # see TinyConfig.threads
    try:
        return _accuracy(backend, problems, samples, seed)
    finally:
        torch.set_num_threads(threads)


def _accuracy(backend, problems, samples: int, seed: int) -> dict[str, float]:
    from ringdata.core.answers import last_boxed
    from train.rollout import SamplingConfig

    rollouts = backend.generate(
        [format_prompt(p) for p in problems], SamplingConfig(n=samples, max_tokens=24, seed=seed)
    )
    boxed = [last_boxed(r.text) for r in rollouts]
    gold = [problems[r.prompt_index].answer for r in rollouts]
    n = len(rollouts)
    return {
        "accuracy": sum(b == g for b, g in zip(boxed, gold)) / n,
        "answer_accuracy": sum((b if b is not None else r.text.strip()) == g
                               for b, g, r in zip(boxed, gold, rollouts)) / n,
        "boxed_rate": sum(b is not None for b in boxed) / n,
    }


def build_tiny_model(
    out_dir: Path, *, seed: int = 0, steps: int | None = None, size: str = "tiny", progress=None
) -> Path:
    """Build, fit and save the tiny model (tokenizer + weights + `ringdata_tiny.json` with its
    parameter count, fit time and held-out accuracy) into `out_dir`; returns `out_dir`."""
    config = SIZES[size] if steps is None else replace(SIZES[size], steps=steps)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer()
    model = build_model(tokenizer, config, seed)
    train, probe = toy_split(config, seed)
    started = time.perf_counter()
    loss = fit(model, tokenizer, train, config, seed, progress)
    fit_seconds = time.perf_counter() - started
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    info = {
        "size": size, "seed": seed, "config": asdict(config), "build_version": BUILD_VERSION,
        "parameters": sum(p.numel() for p in model.parameters()),
        "fit_seconds": round(fit_seconds, 1), "final_loss": loss,
        "probe": _probe(out_dir, probe, config, seed, progress) if config.steps else None,
    }
    (out_dir / "ringdata_tiny.json").write_text(json.dumps(info, indent=2) + "\n")
    return out_dir


def _probe(out_dir: Path, probe, config: TinyConfig, seed: int, progress) -> dict[str, float]:
    """The held-out accuracy recorded in ringdata_tiny.json, under a progress task of its own."""
    task = progress.add_task("score the tiny model on held-out questions", total=None, unit="steps") if progress else None
    try:
        return probe_accuracy(out_dir, probe, samples=config.probe_samples, seed=seed)
    finally:
        if progress:
            progress.remove_task(task)


def fit_step(model, opt, sched, ids, mask, labels) -> float:
    """One supervised step of a built model's fit (clipped at norm 1.0); its loss."""
    loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return loss.item()


def build_key(size: str, seed: int, steps: int | None) -> str:
    config = SIZES[size] if steps is None else replace(SIZES[size], steps=steps)
    blob = json.dumps({"v": BUILD_VERSION, "seed": seed, "config": asdict(config)}, sort_keys=True)
    return hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()


def tiny_model_dir(
    cache_root: Path | None = None, *, size: str = "tiny", seed: int = 0, steps: int | None = None, progress=None
) -> Path:
    """The tiny model's directory, built on first use into `cache_root/tiny-<size>-<hash of build
    config>` (default: `ringdata.core.cache.cache_root()`) and reused after (`cached_build`).
    `progress` (ringdata.core.progress.make_progress) shows the fit's steps."""
    return cached_build(cache_root, size, build_key(size, seed, steps),
                        lambda out: build_tiny_model(out, seed=seed, steps=steps, size=size, progress=progress))


SHIPPED = Path(__file__).resolve().parent.parent / "data" / "models"  # fitted copies, by the same name


def cached_build(cache_root: Path | None, name: str, key, build) -> Path:
    """`cache_root/tiny-<name>-<hash>` (the hash of `key`, a string or JSON-able build config),
    built by `build(dir)` on first use (`cache_root` None: `ringdata.core.cache.cache_root()`). Built in
    a temporary sibling and renamed, so a crash or a concurrent builder never leaves a
    half-written model behind.

    A copy the project ships under data/models/ with the same name (so the same build config and
    build version) is copied instead of fitted: the fit is deterministic (a fresh fit on another
    day gave the shipped model.safetensors byte for byte, data/models/README.md), and takes 6-8
    minutes of this machine's CPU. A changed config or BUILD_VERSION has another name, so it is
    fitted as before."""
    if not isinstance(key, str):
        blob = json.dumps(key, sort_keys=True)
        key = hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()
    root = Path(cache_root).expanduser() if cache_root is not None else cache_root_default()
    final = root / f"tiny-{name}-{key}"
    if (final / "ringdata_tiny.json").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=final.name + ".", dir=root))
    shipped = SHIPPED / final.name
    try:
        if (shipped / "ringdata_tiny.json").is_file():
            shutil.copytree(shipped, tmp, dirs_exist_ok=True)
        else:
            build(tmp)
        try:
            tmp.rename(final)
        except OSError:  # another process finished first; theirs is as good as ours
            if not (final / "ringdata_tiny.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def main() -> None:
    import argparse

    from rich.progress import Progress

    from ringdata.core.console import make_console

    parser = argparse.ArgumentParser(description="Build the ringdata tiny model.")
    parser.add_argument("--out", type=Path, required=True, help="model directory to write")
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=None, help="fitting steps (default: the size's)")
    args = parser.parse_args()
    with Progress() as progress:
        out = build_tiny_model(args.out, seed=args.seed, steps=args.steps, size=args.size, progress=progress)
    make_console().print_json((out / "ringdata_tiny.json").read_text())


if __name__ == "__main__":
    main()
