"""Trainer configuration: frozen dataclasses with commented defaults, loaded from TOML.

A config file names the model, the loss and optimiser settings shared by every stage, and the
stages themselves; `schedules` names orders of stages (Ring-lite's two-stage recipe is
`math-then-code`: math first, then code + science from the math stage's final weights).

    model = "tiny"                 # a transformers model dir, or "tiny" (train/tiny.py's demo model)
    seed = 0
    [loss]
    kind = "c3po"                  # c3po | dapo | grpo
    [optim]
    lr = 3e-6
    [stages.math]
    data = "toy"                   # "toy" (train/toy.py) or a curated Parquet path
    domains = ["math"]
    steps = 100
    token_budget = 4096
    [schedules]
    math-then-code = ["math", "code"]

Unknown keys and wrong types are `DataError`s naming the file and the key: a typo in a config
silently training with a default would waste a run.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Sequence

from ringdata.core.errors import DataError, RingdataError
from ringdata.core.records import DOMAINS
from sandboxes.choice import SandboxChoice
from train.backends import BACKENDS
from train.budget import ORDERS
from train.built import is_built

GENERATED = ("toy", "chain")  # stage data generated in code (train/toy.py, train/chain.py), not a file

LOSS_KINDS = ("c3po", "dapo", "grpo")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16")
OLD_LOGPROBS = ("auto", "sampler", "trainer")


@dataclass(frozen=True)
class LossConfig:
    """The policy loss (Ring-lite eq. for C3PO; `kind` picks the normaliser, see train/loss.py)."""

    kind: str = "c3po"  # c3po: sum / token budget Phi; dapo: sum / step's tokens; grpo: per-sample mean
    clip_eps: float = 0.2  # PPO ratio clip, lower side: r >= 1 - eps (and the upper side unless clip_eps_high)
    clip_eps_high: float | None = None  # upper side r <= 1 + eps_high; None: clip_eps, or DAPO's clip-higher 0.28 for dapo
    kl_coef: float | None = None  # beta: weight of the per-token k3 KL; None: 1e-3 (c3po, grpo), 0 (dapo: no KL)
    entropy_coef: float = 5e-4  # alpha: weight of the per-token entropy bonus
    adv_eps: float = 1e-6  # added to the group std so all-equal groups get advantage 0, not NaN
    log_ratio_clamp: float = 20.0  # log-ratios (to old and to the reference) clamped to +-this before exp (verl low_var_kl)
    kl_max: float = 10.0  # per-token k3 KL capped at this (verl low_var_kl): one token cannot dominate the step
    old_logprobs: str = "auto"  # sampler: the rollout engine's; trainer: the trainer's forward of the pre-update
    # policy; auto: trainer when the engine's dtype/device differ from the trainer's, temperature != 1 or a stage
    # samples ahead (sample_ahead = 1)
    tis_cap: float = 0.0  # truncated importance weight min(pi_old / pi_sampler, cap) per token (TRL, verl); 0 = off

    @property
    def eps_high(self) -> float:
        if self.clip_eps_high is not None:
            return self.clip_eps_high
        return 0.28 if self.kind == "dapo" else self.clip_eps  # DAPO (arXiv 2503.14476) sec. 3.1

    @property
    def beta(self) -> float:
        if self.kl_coef is not None:
            return self.kl_coef
        return 0.0 if self.kind == "dapo" else 1e-3  # DAPO drops the KL term; Ring-lite keeps 1e-3


@dataclass(frozen=True)
class OptimConfig:
    lr: float = 3e-6  # AdamW learning rate after warm-up (Ring-lite); the tiny demo needs ~1e-4
    warmup_steps: int = 0  # linear warm-up from 0 over this many optimizer steps, then constant
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    betas: tuple[float, float] = (0.9, 0.999)  # AdamW moment decay rates
    grad_clip: float = 1.0  # max global grad L2 norm; 0 disables clipping
    micro_batch_tokens: int = 4096  # forward/backward at most this many sequence tokens at once
    logit_chunk_tokens: int = 4096  # response tokens whose vocabulary-sized logits exist at once (train/loss.py)
    compile_chunks: bool | None = None  # torch.compile the per-chunk log-softmax/entropy and its backward (fuses the
    # float32 vocabulary passes; falls back to eager if compiling fails); None: on for cuda (0.68x against 0.48x of the
    # plain step's tokens/s at 32k tokens on an H200, README), off on the CPU
    logit_keep_mb: int | None = None  # MiB of float32 log-softmax [response tokens x vocabulary] per micro-batch kept
    # from the forward for the backward (no output-layer forward recomputed); larger ones are recomputed chunk by
    # chunk; None: 4096 on cuda, 0 (always recompute) on the CPU
    gradient_checkpointing: bool = False  # recompute decoder layers in backward: larger micro-batches, ~1/3 more compute


@dataclass(frozen=True)
class StageConfig:
    """One stage of the schedule: its own data, length limit, steps and budget."""

    name: str = "main"  # the stage's directory under the run dir
    data: str = "toy"  # "toy" (train/toy.py), "chain" (train/chain.py) or a curated Parquet file / `ringdata curate --out` dir
    domains: tuple[str, ...] = ("math",)  # which problem domains of `data` this stage trains on
    steps: int = 10  # optimizer steps
    prompts_per_step: int = 8  # L: prompts sampled per rollout round
    samples_per_prompt: int = 16  # K: responses per prompt (the group the advantage is taken over)
    temperature: float = 1.0  # rollout sampling temperature
    top_p: float = 1.0  # rollout nucleus sampling
    max_response_tokens: int = 256  # per response; longer ones are cut (finish_reason "length")
    token_budget: int = 4096  # Phi: response tokens per optimizer step under c3po
    selection_order: str = "response"  # c3po: shuffle responses, or "group": whole prompt groups
    carry_over: bool = False  # keep unselected responses for the next step instead of dropping them
    max_carry_age: int = 1  # carried responses older than this many steps are dropped (off-policy)
    max_refill_rounds: int = 4  # extra rollout rounds when a step holds fewer than Phi tokens
    skip_uniform_groups: bool | None = None  # drop groups whose rewards are all equal (advantage 0) and draw
    # more prompts until L groups remain; None: on for dapo (its dynamic sampling), off for c3po and grpo
    truncated_reward: float = 0.0  # reward of a response cut at max_response_tokens (reason "truncated"), ungraded
    grade_while_sampling: int = 0  # prompts per group sent to the engine, each group's responses graded (verifier
    # pool, sandbox) while the engine samples the next group; 0 = sample the whole round, then grade it (synchronous)
    sample_ahead: int = 0  # 1 = one step off-policy: step t+1's rollouts are sampled and graded (on a thread) with
    # the weights step t's rollouts came from while step t trains (staleness 1; old log-probs then the trainer's, at
    # training time, and `loss.tis_cap` weighs them against the sampler's); 0 = synchronous (sample, then train)
    updates_per_rollout: int = 1  # c3po: Phi-token optimizer steps taken from one rollout batch (old log-probs
    # fixed at the rollout's policy): tokens beyond Phi train the next update instead of being dropped; 1 = the paper
    toy_problems: int = 2000  # size of the training set of a generated task (data = "toy" or "chain")
    eval_problems: int = 64  # held-out problems scored every `eval_every` steps (0 = never)
    eval_samples: int = 4  # responses per held-out problem (reward = mean over them)
    eval_every: int = 0  # steps between held-out evaluations; 0 = only before and after the stage
    checkpoint_every: int = 10  # steps between checkpoints (--resume continues from the newest, so Ctrl-C loses at
    # most this many steps); 0 = only the final one. Single-process runs only: under torchrun only final/
    keep_checkpoints: int = 2  # older step checkpoints are deleted


# ---- Ray (train/ray_rollout.py, rewards/ray_executor.py) ----------------------------------------
EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class RewardsConfig:
    executor: str = "local"  # local: verifier processes and sandbox here; ray: on the cluster at ray_address
# ---- end Ray ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainConfig:
    model: str = "tiny"  # transformers model dir, Hub id in the local cache, or a built model (train/built.py BUILT)
    seed: int = 0  # seeds data order, rollouts, token selection and torch
    backend: str = "auto"  # rollout engine: vllm | hf | auto (train/rollout.py)
    max_model_len: int = 1024  # prompt + response tokens the rollout engine is sized for
    sandbox: SandboxChoice = SandboxChoice()  # code rewards' sandbox; TOML: sandbox = "auto" | "docker" | "local"
    device: str = "auto"  # where the policy trains: auto (cuda when available) | cpu | cuda
    precision: str = "auto"  # auto: bf16 autocast with fp32 master weights on cuda, fp32 on cpu | fp32 | bf16
    offload_reference: bool = False  # keep the frozen reference on the CPU between its forwards (saves GPU memory)
    gpu_memory_utilization: float = 0.35  # vLLM on cuda: share of GPU memory for its weights + KV cache
    vllm_sleep: bool = True  # vLLM on cuda: engine asleep (KV cache freed) during the optimizer step
    rewards: RewardsConfig = field(default_factory=RewardsConfig)  # [rewards] executor = "local" | "ray"
    rollout_workers: int = 1  # rollout engines; > 1 runs them as Ray actors (train/ray_rollout.py)
    ray_address: str = "auto"  # the Ray cluster of rewards.executor = "ray" and rollout_workers > 1
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    stages: tuple[StageConfig, ...] = (StageConfig(),)
    schedules: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> stage names in order

    def stage(self, name: str) -> StageConfig:
        for s in self.stages:
            if s.name == name:
                return s
        raise DataError(f"no stage {name!r}; the config has {', '.join(s.name for s in self.stages)}", field="stage")

    def plan(self, selector: str | None) -> tuple[StageConfig, ...]:
        """The stages `--stage selector` runs: a schedule name, a stage name, or all in order."""
        if selector is None:
            return self.stages
        if selector in self.schedules:
            return tuple(self.stage(n) for n in self.schedules[selector])
        if any(s.name == selector for s in self.stages):
            return (self.stage(selector),)
        known = [*self.schedules, *(s.name for s in self.stages)]
        raise DataError(f"--stage {selector!r} is neither a schedule nor a stage", hint=f"choose one of {', '.join(known)}")


def _check_type(value: Any, tp: Any, where: str, file: str) -> Any:
    """`value` converted to `tp` (tuples from lists, floats from ints), or a DataError."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or len(args) != 1:
            return value
        return _check_type(value, args[0], where, file)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise DataError(f"expected a list, got {value!r}", file=file, field=where)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_check_type(v, args[0], where, file) for v in value)
        if len(value) != len(args):
            raise DataError(f"expected {len(args)} values, got {len(value)}", file=file, field=where)
        return tuple(_check_type(v, a, where, file) for v, a in zip(value, args))
    if tp is SandboxChoice:
        if not isinstance(value, (str, SandboxChoice)):
            raise DataError(f"expected a sandbox kind, got {value!r}", file=file, field=where)
        try:
            return SandboxChoice.of(value)
        except RingdataError as exc:
            raise DataError(str(exc), file=file, field=where) from None
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (int, str, bool, float):
        if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
            raise DataError(f"expected {tp.__name__}, got {value!r}", file=file, field=where)
        return value
    return value


def _build(cls: type, table: dict[str, Any], where: str, file: str, **extra: Any) -> Any:
    if not isinstance(table, dict):  # `optim = 3`, `--set optim=3`, `[stages] math = 1`
        name = where.rstrip(".") or "the config"
        raise DataError(f"expected a table [{name}] of keys, got {table!r}", file=file, field=where.rstrip(".") or None)
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    kwargs: dict[str, Any] = dict(extra)
    for key, value in table.items():
        if key not in names or key in extra:
            raise DataError(
                f"unknown key {key!r}", file=file, field=f"{where}{key}",
                hint=f"known keys: {', '.join(sorted(names - set(extra)))}",
            )
        kwargs[key] = _check_type(value, hints[key], f"{where}{key}", file)
    return cls(**kwargs)


def config_from_dict(data: dict[str, Any], *, file: str = "<config>") -> TrainConfig:
    """A validated `TrainConfig` from a parsed TOML document."""
    data = dict(data)
    loss = _build(LossConfig, data.pop("loss", {}), "loss.", file)
    optim = _build(OptimConfig, data.pop("optim", {}), "optim.", file)
    rewards = _build(RewardsConfig, data.pop("rewards", {}), "rewards.", file)
    raw_stages = data.pop("stages", None)
    if not isinstance(raw_stages, dict) or not raw_stages:
        raise DataError("the config needs at least one [stages.<name>] table", file=file, field="stages")
    stages = tuple(
        _build(StageConfig, body, f"stages.{name}.", file, name=name) for name, body in raw_stages.items()
    )
    raw_schedules = data.pop("schedules", {})
    if not isinstance(raw_schedules, dict):
        raise DataError(f"expected a table [schedules] of name = [stages...], got {raw_schedules!r}",
                        file=file, field="schedules")
    schedules = {
        name: _check_type(order, tuple[str, ...], f"schedules.{name}", file)
        for name, order in raw_schedules.items()
    }
    cfg = _build(TrainConfig, data, "", file, loss=loss, optim=optim, rewards=rewards, stages=stages, schedules=schedules)
    validate(cfg, file)
    return cfg


def validate(cfg: TrainConfig, file: str = "<config>") -> None:
    """Values that parse but cannot train: fail before a model is loaded."""
    if cfg.loss.kind not in LOSS_KINDS:
        raise DataError(f"loss.kind is {cfg.loss.kind!r}; choose {', '.join(LOSS_KINDS)}", file=file, field="loss.kind")
    if cfg.backend not in BACKENDS:
        raise DataError(f"backend is {cfg.backend!r}; choose {', '.join(BACKENDS)}", file=file, field="backend")
    for key, allowed in (("device", DEVICES), ("precision", PRECISIONS), ("loss.old_logprobs", OLD_LOGPROBS)):
        value = cfg.loss.old_logprobs if key == "loss.old_logprobs" else getattr(cfg, key)
        if value not in allowed:
            raise DataError(f"{key} is {value!r}; choose {', '.join(allowed)}", file=file, field=key)
    if cfg.loss.tis_cap and cfg.loss.tis_cap < 1:
        raise DataError("a truncated importance weight cap below 1 down-weights every on-policy token; use >= 1 "
                        "(verl and TRL use 2) or 0 to turn it off", file=file, field="loss.tis_cap")
    if cfg.optim.logit_keep_mb is not None and cfg.optim.logit_keep_mb < 0:
        raise DataError("must be 0 (always recompute) or more MiB", file=file, field="optim.logit_keep_mb")
    if cfg.optim.logit_chunk_tokens < 1:
        raise DataError("must be at least 1", file=file, field="optim.logit_chunk_tokens")
    if cfg.rewards.executor not in EXECUTORS:
        raise DataError(f"rewards.executor is {cfg.rewards.executor!r}; choose {', '.join(EXECUTORS)}", file=file,
                        field="rewards.executor")
    if cfg.rollout_workers < 1:
        raise DataError("must be at least 1", file=file, field="rollout_workers")
    names = [s.name for s in cfg.stages]
    for sched, order in cfg.schedules.items():
        for n in order:
            if n not in names:
                raise DataError(f"schedule names unknown stage {n!r}", file=file, field=f"schedules.{sched}")
    for s in cfg.stages:
        for key in ("steps", "prompts_per_step", "samples_per_prompt", "token_budget", "max_response_tokens"):
            if getattr(s, key) < 1:
                raise DataError("must be at least 1", file=file, field=f"stages.{s.name}.{key}")
        if s.samples_per_prompt < 2:
            raise DataError("a group needs at least 2 samples for an advantage", file=file,
                            field=f"stages.{s.name}.samples_per_prompt")
        if s.top_p < 1.0:
            raise DataError(f"top_p is {s.top_p}: nucleus sampling draws from a truncated distribution whose "
                            "log-probs are not the policy's, so the importance ratios would be wrong", file=file,
                            field=f"stages.{s.name}.top_p", hint="train with top_p = 1.0 (temperature is supported)")
        if s.temperature <= 0:
            raise DataError("training needs sampling: temperature must be > 0", file=file, field=f"stages.{s.name}.temperature")
        if s.grade_while_sampling < 0:
            raise DataError("must be 0 (off) or a number of prompts", file=file, field=f"stages.{s.name}.grade_while_sampling")
        if s.sample_ahead not in (0, 1):
            raise DataError("must be 0 (synchronous) or 1 (sample step t+1 while step t trains)", file=file,
                            field=f"stages.{s.name}.sample_ahead")
        if s.updates_per_rollout < 1:
            raise DataError("must be at least 1", file=file, field=f"stages.{s.name}.updates_per_rollout")
        if s.selection_order not in ORDERS:
            raise DataError(f"selection_order is {s.selection_order!r}; choose {', '.join(ORDERS)}", file=file,
                            field=f"stages.{s.name}.selection_order")
        bad = set(s.domains) - set(DOMAINS)
        if bad:
            raise DataError(f"unknown domain(s) {sorted(bad)}", file=file, field=f"stages.{s.name}.domains")


def load_config(path: Path, sets: Sequence[str] = ()) -> TrainConfig:
    """Parse and validate a TOML config file, with `--set key=value` overrides applied to the
    parsed document first (so they are validated exactly like the file). Relative data and model
    paths resolve against the file's dir, or, when they come from `--set`, against the working dir."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataError("config file not found", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}", file=str(path)) from None
    overridden = apply_sets(data, sets)
    try:
        cfg = config_from_dict(data, file=str(path))
    except DataError as exc:
        if exc.field in overridden:  # the bad value came from the command line: say so
            raise DataError(f"--set {exc.field}: {exc.message}", hint=exc.hint) from None
        raise
    file_dir, cwd = Path(path).resolve().parent, Path.cwd()
    stages = tuple(
        s if s.data in GENERATED or Path(s.data).is_absolute()
        else replace(s, data=str(((cwd if f"stages.{s.name}.data" in overridden else file_dir) / s.data).resolve()))
        for s in cfg.stages
    )
    model, base = cfg.model, cwd if "model" in overridden else file_dir
    if not is_built(model) and not Path(model).is_absolute() and (base / model).exists():
        model = str((base / model).resolve())
    return replace(cfg, stages=stages, model=model)


def apply_sets(data: dict[str, Any], sets: Sequence[str]) -> set[str]:
    """Apply `key.path=value` overrides to a parsed TOML document in place; returns the keys set.
    The value is read as a TOML value (`1e-6`, `true`, `["math"]`, `"x"`), else taken as a bare
    string (`model=Qwen/Qwen2.5-0.5B-Instruct`). A stage must already exist in the file: a typo in
    its name would otherwise add a stage that trains on the defaults."""
    keys = set()
    for item in sets:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            raise DataError(f"--set {item!r}: expected KEY=VALUE, e.g. optim.lr=1e-6 or stages.math.steps=100")
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        *parents, leaf = key.split(".")
        table = data
        for depth, part in enumerate(parents):
            if parents[:1] == ["stages"] and depth == 1 and part not in table:
                known = ", ".join(table) or "none"
                raise DataError(f"--set {key}: the config has no stage {part!r} (stages: {known})")
            child = table.setdefault(part, {})
            if not isinstance(child, dict):
                raise DataError(f"--set {key}: {'.'.join(parents[: depth + 1])} is a value, not a table")
            table = child
        table[leaf] = value
        keys.add(key)
    return keys


def with_overrides(cfg: TrainConfig, *, steps: int | None = None, seed: int | None = None,
                   loss: str | None = None, backend: str | None = None) -> TrainConfig:
    """The config with command-line overrides applied (steps apply to every stage)."""
    if steps is not None:
        if steps < 1:
            raise DataError(f"--steps is {steps}; a stage needs at least 1 step")
        cfg = replace(cfg, stages=tuple(replace(s, steps=steps) for s in cfg.stages))
    if seed is not None:
        cfg = replace(cfg, seed=seed)
    if loss is not None:
        cfg = replace(cfg, loss=replace(cfg.loss, kind=loss))
    if backend is not None:
        cfg = replace(cfg, backend=backend)
    validate(cfg)
    return cfg


def to_dict(cfg: TrainConfig) -> dict[str, Any]:
    """JSON-ready form, written beside each run so a run records what it trained with."""
    return dataclasses.asdict(cfg)
