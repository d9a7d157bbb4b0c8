"""The C3PO training loop. Reads top to bottom: config, model, data, collect, step, checkpoint.

    run(cfg, cfg.plan("math-then-code"), Path("runs/demo"))

One stage = `steps` optimizer steps. Each step:
1. rollout: L prompts x K samples from the rollout backend (which holds the current weights);
2. reward: each response graded by the real `rewards` graders (math/science in process, code in
   the sandbox), binary;
3. advantages on the full groups (train/advantages.py);
4. selection: c3po takes exactly Phi response tokens (train/budget.py; more rounds of rollouts
   are drawn first when the step holds fewer than Phi); dapo and grpo take every response;
5. loss (train/loss.py) over micro-batches with gradient accumulation, AdamW step, weights pushed
   to the rollout backend;
6. one metrics line (train/metrics.py), a checkpoint every `checkpoint_every` steps.

With `sample_ahead = 1` steps 1-4 of step t+1 run on a thread while step t trains (one step off-policy).

Steps 1-4 are the collection loop (train/collect.py); what the steps share is a typed `Context`
(train/context.py) whose `TrainState` is exactly what a checkpoint saves (train/checkpoint.py);
the padded batches are train/tensors.py.

The policy lives in torch (a transformers model; train/policy.py: on CUDA in bf16 autocast with
float32 master weights, under FSDP2 across `torchrun` ranks, train/distributed.py), beside a
frozen copy of the stage's starting weights as the KL reference.

Guards for when the sampler and the trainer disagree (bf16, other kernels, a tempered
distribution): old log-probs recomputed by the trainer's forward of the pre-update policy
(`loss.old_logprobs`), an optional truncated importance weight (`loss.tis_cap`), the gap logged
every step (`logprob_gap_mean/max`); responses cut at `max_response_tokens` get
`truncated_reward`, ungraded, and are counted (`truncation_rate`). A stage ends by saving a transformers model dir, RUN_DIR/<stage>/final,
which the next stage starts from. Everything random derives from (seed, stage, step), so a resumed
run replays the same rollouts and selections as one that never stopped.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from ringdata.core.errors import DataError, RingdataError
from ringdata.core.io.problems import read_curated
from ringdata.core.records import Problem
from train.backends.base import RolloutBackend
from train.budget import Selection, micro_batches
from train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from train.collect import collect, rescore
from train.config import GENERATED, StageConfig, TrainConfig, to_dict
from train.context import Context, rank_parts, seed_of
from train.distributed import World, current_world, deal
from train.loss import LossStats, policy_loss, sample_weights
from train.metrics import MetricsLog
from train.built import is_built, model_dir
from train.models import resolve_model
from train.policy import Scorer, autocast, compute_dtype, full_state_dict, is_sharded, load_policy, on_device, resolve_device, shard
from train.prompting import fitting, format_prompt
from train.rewarder import Rewarder
from train.tensors import batch_tensors, padded, piece_logprobs, to_device

FINAL = "final"
DONE = "DONE"  # marker file: the stage finished and its final model dir is complete


@dataclass
class StageResult:
    name: str
    final_dir: Path
    metrics_path: Path
    eval_before: float | None
    eval_after: float | None


# --------------------------------------------------------------------------------------- model


def check_inputs(cfg: TrainConfig, plan: Sequence[StageConfig]) -> None:
    """Fail before the run dir is claimed (and an earlier run replaced under `--overwrite`), not
    after a stage has trained: the model resolves and every planned stage's data file exists."""
    if not is_built(cfg.model):  # a built model is fitted when the run starts, not here
        resolve_model(cfg.model)
    for stage in plan:
        if stage.data in GENERATED:
            continue
        path, field = Path(stage.data), f"stages.{stage.name}.data"
        if not path.exists():
            raise DataError("data file not found", file=str(path), field=field)
        if path.is_dir() and not (path / "problems.parquet").is_file():
            raise DataError("a data directory must hold problems.parquet (ringdata curate --out DIR)",
                            file=str(path), field=field)


def make_optimizer(policy, cfg: TrainConfig):
    opt = torch.optim.AdamW(policy.parameters(), lr=cfg.optim.lr, betas=cfg.optim.betas,
                            weight_decay=cfg.optim.weight_decay)
    warmup = cfg.optim.warmup_steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup) if warmup else 1.0)
    return opt, sched


# ---------------------------------------------------------------------------------------- data


def load_problems(stage: StageConfig) -> tuple[list[Problem], list[Problem]]:
    """(training problems, held-out problems) of the stage's domains. The held-out set is disjoint
    from training: for the toy task the next problems of the same seeded stream, for a Parquet
    source a seeded sample of it."""
    if stage.data == "toy":
        from train import toy

        train_set, held = [], []
        makers = {"math": toy.math_problems, "code": toy.code_problems}
        for domain in stage.domains:
            if domain not in makers:
                raise DataError(f"the toy task has no {domain!r} problems", field=f"stages.{stage.name}.domains",
                                hint="toy domains: math, code")
            # held-out first: the head of the seed-0 stream, which is also the tiny model's probe
            # set (train/tiny.py): RL never trains on these questions
            made = makers[domain](stage.eval_problems + stage.toy_problems, seed=0)
            held += made[: stage.eval_problems]
            train_set += made[stage.eval_problems :]
        return train_set, held
    if stage.data == "chain":  # train/chain.py: held out first, the chain model's probe set
        from train.chain import chain_problems

        if stage.domains != ("math",):
            raise DataError("the chain task has only math problems", field=f"stages.{stage.name}.domains",
                            hint='domains = ["math"]')
        made = chain_problems(stage.eval_problems + stage.toy_problems, seed=0)
        return made[stage.eval_problems :], made[: stage.eval_problems]
    problems = read_curated(Path(stage.data), stage.domains, field=f"stages.{stage.name}.data")
    rng = random.Random(f"heldout/{stage.name}")
    order = rng.sample(range(len(problems)), len(problems))
    n_held = min(stage.eval_problems, len(problems) // 5)
    held = [problems[i] for i in order[:n_held]]
    return [problems[i] for i in order[n_held:]], held


# ---------------------------------------------------------------------------------------- loop


def accumulate_gradients(ctx: Context, selection: Selection) -> tuple[float, LossStats]:
    """Backward over micro-batches; token weights are fixed for the whole step, so the summed
    gradient is the whole step's gradient (c3po: exactly 1/Phi per token, across all ranks: each
    rank trains its dealt share of the pieces, and the gradients are summed)."""
    cfg, world = ctx.cfg, ctx.world
    pieces = selection.pieces
    lengths = [p.tokens for p in pieces]
    all_weights = sample_weights(cfg.loss.kind, lengths, selection.budget)
    mine = deal(lengths, world)
    weights = dict((id(pieces[i]), all_weights[i]) for i in mine)
    batches = padded(ctx, micro_batches([pieces[i] for i in mine], cfg.optim.micro_batch_tokens))
    tensors = [to_device(batch_tensors(mb, [weights[id(p)] for p in mb], ctx.tokenizer.pad_token_id, cfg.loss.tis_cap), ctx.device)
               for mb in batches]
    with on_device(ctx.reference, ctx.device) as reference, torch.no_grad(), autocast(ctx.device, ctx.dtype):
        refs = [piece_logprobs(reference, b, ctx.stage.temperature)[0] for b in tensors]
    stats, total = LossStats(), 0.0
    scale = world.size if is_sharded(ctx.policy) else 1  # FSDP averages over ranks; C3PO sums
    for b, ref_logp in zip(tensors, refs):
        with autocast(ctx.device, ctx.dtype):
            logp, entropy = piece_logprobs(ctx.policy, b, ctx.stage.temperature)
        tis = b["tis"] if cfg.loss.tis_cap else None
        loss = policy_loss(logp, b["old"], ref_logp, entropy, b["adv"] * b["mask"], b["weights"], cfg.loss, tis)
        (loss * scale).backward()
        total += loss.item()
        stats.add(logp, b["old"], ref_logp, entropy, b["adv"], b["mask"], cfg.loss)
    if world.size > 1:
        sums = world.sum([total, stats.tokens, stats.kl, stats.entropy, stats.clipped, stats.ratio])
        total = sums[0]
        stats = LossStats(int(sums[1]), sums[2], sums[3], int(sums[4]), sums[5])
    return total, stats


def train_step(ctx: Context, step: int, ahead: ThreadPoolExecutor | None = None) -> dict:
    """One optimizer step: collect, backward, clip, AdamW, push weights. Returns its metrics.

    With `ahead` (`sample_ahead = 1`) the next step's rollouts are collected on that thread while
    this step trains, by the engine still holding the weights this step's rollouts came from;
    they wait in the queue (so a checkpoint holds them) and are rescored when their step trains."""
    t0 = time.perf_counter()
    selection, info = collect_timed(ctx, step)  # a step sampled ahead comes off the queue
    t1 = time.perf_counter()
    if ctx.stage.sample_ahead and ctx.trainer_old_logprobs and selection.pieces:
        selection, gap = rescore(ctx, selection)
        info = {**info, **gap}
    nxt = ahead.submit(collect_timed, ctx, step + 1) if ahead and step + 1 < ctx.stage.steps else None
    if nxt is None:
        ctx.backend.sleep()  # vLLM on cuda: weights offloaded, KV cache freed while the step trains
    ctx.optimizer.zero_grad(set_to_none=True)
    loss, stats = accumulate_gradients(ctx, selection) if selection.pieces else (0.0, LossStats())
    assert not selection.pieces or stats.tokens == selection.selected_tokens, (
        f"trained {stats.tokens} tokens across ranks, selected {selection.selected_tokens}")
    grad_norm = clip_gradients(ctx.policy, ctx.cfg.optim.grad_clip)
    lr = ctx.scheduler.get_last_lr()[0]
    ctx.optimizer.step()
    ctx.scheduler.step()
    t2 = time.perf_counter()
    if nxt is not None:  # the engine is idle again: its weights can change
        ahead_item = nxt.result()  # first: the thread's `collect` replaces the queue list
        ctx.state.queue.insert(0, ahead_item)
    t3 = time.perf_counter()
    push_weights(ctx)
    step_time = time.perf_counter() - t0
    rollout_time = info.pop("rollout_time")
    return {
        "kind": "step", "step": step + 1, "stage": ctx.stage.name, "loss_kind": ctx.cfg.loss.kind,
        **info, **stats.means(), "loss": loss, "grad_norm": grad_norm, "lr": lr,
        "step_time": step_time, "rollout_time": rollout_time, "train_time": t2 - t1,
        "wait_time": (t1 - t0) + (t3 - t2),  # the trainer idle, waiting for rollouts
        "tokens_per_s": info["phi_selected_tokens"] / step_time,
        "rollout_tokens_per_s": info["generated_tokens"] / max(rollout_time, 1e-9),
    }


def collect_timed(ctx: Context, step: int) -> tuple[Selection, dict]:
    """`collect`, with its wall time as the info's `rollout_time` (a step sampled ahead keeps the
    time its collection took on the thread, not the time of taking it off the queue)."""
    started = time.perf_counter()
    selection, info = collect(ctx, step)
    return selection, {"rollout_time": time.perf_counter() - started, **info}


def clip_gradients(policy, clip: float) -> float:
    """The global gradient L2 norm before clipping (all shards, under FSDP)."""
    params = [p for p in policy.parameters() if p.grad is not None]
    if not params:
        return 0.0
    norm = torch.nn.utils.clip_grad_norm_(params, clip if clip > 0 else math.inf)
    return float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)


def push_weights(ctx: Context) -> None:
    """The full weights into this rank's rollout engine (woken first when it sleeps)."""
    weights = full_state_dict(ctx.policy)
    ctx.backend.wake_up()
    ctx.backend.push_weights(weights)


def evaluate(ctx: Context, held_out: Sequence[Problem]) -> float | None:
    """Mean reward on the held-out problems, sampled like training with a fixed seed (so runs
    and checkpoints are compared on the same sampling noise); each rank samples its share."""
    from train.rollout import SamplingConfig

    if not held_out:
        return None
    st = ctx.stage
    mine = ctx.world.share(held_out)
    sampling = SamplingConfig(n=st.eval_samples, temperature=st.temperature, top_p=st.top_p,
                              max_tokens=st.max_response_tokens, seed=seed_of(ctx.cfg.seed, st.name, "eval", *rank_parts(ctx.world)))
    rewards: list[float] = []
    if mine:
        rollouts = ctx.backend.generate([format_prompt(p, ctx.tokenizer) for p in mine], sampling)
        rewards = [v.reward for v in ctx.rewarder([(mine[r.prompt_index], r.text) for r in rollouts])]
    total, n = ctx.world.sum([sum(rewards), len(rewards)])
    return total / n


def trainer_recomputes(cfg: TrainConfig, stage: StageConfig, device: torch.device, backend: RolloutBackend) -> bool:
    """loss.old_logprobs = auto: the trainer's own forward when the engine computes differently
    (another dtype or device than the trainer), sampled from a tempered distribution, or sampled
    one update ago (sample_ahead)."""
    if cfg.loss.old_logprobs != "auto":
        return cfg.loss.old_logprobs == "trainer"
    engine = (backend.dtype, backend.device)
    # bf16 autocast over float32 weights is neither a float32 nor a bf16 engine's arithmetic
    trainer = ("bf16-autocast" if compute_dtype(cfg, device) is not None else "float32", device.type)
    return engine != trainer or stage.temperature != 1.0 or bool(stage.sample_ahead)


def run_stage(cfg: TrainConfig, stage: StageConfig, start_dir: Path, stage_dir: Path, backend, rewarder: Rewarder,
              *, resume: bool = False, on_step: Callable[[dict], None] | None = None) -> StageResult:
    """Train one stage from the model in `start_dir`; writes RUN_DIR/<stage>/{metrics.jsonl,
    samples.jsonl, config.json, stage.json, checkpoints/, final/} (rank 0 writes; every rank trains)."""
    world = current_world()
    device = resolve_device(cfg.device)
    if device.type == "cuda" and world.size > 1:
        device = torch.device("cuda", torch.cuda.current_device())
    dtype = compute_dtype(cfg, device)
    torch.manual_seed(cfg.seed)
    policy, reference, tokenizer = load_policy(start_dir, cfg, device)
    if world.size > 1 and stage.sample_ahead:  # the thread's gathers would interleave with FSDP's collectives
        raise RingdataError(f"stages.{stage.name}.sample_ahead is single-process for now; set it to 0 under torchrun")
    if world.size > 1:
        if resume:  # step checkpoints are single-process for now: under torchrun only final/ is written
            raise RingdataError("--resume is single-process for now; start the run again without --resume")
        policy = shard(policy, device, dtype)
        dtype = None  # FSDP's mixed-precision policy casts the parameters
    optimizer, scheduler = make_optimizer(policy, cfg)
    problems, held_out = load_problems(stage)
    room = cfg.max_model_len - stage.max_response_tokens
    problems, long_train = fitting(problems, tokenizer, room)
    held_out, long_held = fitting(held_out, tokenizer, room)
    if not problems:
        raise DataError(f"no problem's prompt fits in {room} tokens (max_model_len {cfg.max_model_len} minus "
                        f"max_response_tokens {stage.max_response_tokens})", field=f"stages.{stage.name}.data",
                        hint="raise max_model_len or lower max_response_tokens")
    ctx = Context(cfg, stage, policy, reference, tokenizer, optimizer, scheduler, backend, rewarder, problems,
                  device=device, dtype=dtype, world=world,
                  trainer_old_logprobs=trainer_recomputes(cfg, stage, device, backend))
    ckpt = latest_checkpoint(stage_dir) if resume else None
    if ckpt is not None:
        ctx.state = load_checkpoint(ckpt, policy.lm, optimizer, scheduler)
    first = ctx.state.step
    push_weights(ctx)
    log = MetricsLog(stage_dir / "metrics.jsonl", resume_step=first if ckpt is not None else None) if world.main else None
    if world.main:
        (stage_dir / "config.json").write_text(json.dumps(to_dict(cfg), indent=1, default=str))
        (stage_dir / "stage.json").write_text(json.dumps({
            "stage": stage.name, "start_model": str(start_dir), "train_problems": len(problems),
            "held_out_problems": len(held_out), "device": str(device), "ranks": world.size,
            "old_logprobs": "trainer" if ctx.trainer_old_logprobs else "sampler",
            "skipped_long_prompts": {"train": len(long_train), "held_out": len(long_held), "max_prompt_tokens": room,
                                     "ids": [p.id for p in long_train + long_held]},
        }))
    samples = MetricsLog(stage_dir / "samples.jsonl", resume_step=first if ckpt is not None else None) if world.main else None
    write = log.write if log else (lambda record: None)
    if ckpt is None:
        ctx.state.eval_before = evaluate(ctx, held_out)
        write({"kind": "eval", "step": 0, "stage": stage.name, "eval_reward": ctx.state.eval_before})
    ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sample-ahead") if stage.sample_ahead else None
    try:
        for step in range(first, stage.steps):
            record = train_step(ctx, step, ahead)
            done = ctx.state.step = step + 1
            for sample in record.pop("samples", []):  # a few responses with their verdicts, for the report
                if samples:
                    samples.write({"step": done, **sample})
            if stage.eval_every and done % stage.eval_every == 0 and done < stage.steps:
                record["eval_reward"] = evaluate(ctx, held_out)
            write(record)
            if on_step and world.main:
                on_step(record)
            if stage.checkpoint_every and world.size == 1 and done % stage.checkpoint_every == 0:
                save_checkpoint(stage_dir, policy.lm, optimizer, scheduler, ctx.state, stage.keep_checkpoints)
    finally:
        if ahead:
            ahead.shutdown(cancel_futures=True)
    after = evaluate(ctx, held_out)
    write({"kind": "eval", "step": stage.steps, "stage": stage.name, "eval_reward": after})
    final = save_final(policy, tokenizer, stage_dir, world)
    return StageResult(stage.name, final, stage_dir / "metrics.jsonl", ctx.state.eval_before, after)


def save_final(policy: Scorer, tokenizer, stage_dir: Path, world: World = World()) -> Path:
    """RUN_DIR/<stage>/final, a transformers model dir (written by rank 0, read by every rank next)."""
    final = stage_dir / FINAL
    weights = full_state_dict(policy) if is_sharded(policy) else None  # a collective: every rank
    if world.main:
        shutil.rmtree(final, ignore_errors=True)
        policy.lm.save_pretrained(str(final), state_dict=weights)
        tokenizer.save_pretrained(str(final))
        (final / DONE).write_text("")
    world.barrier()
    return final


def run(cfg: TrainConfig, plan: Sequence[StageConfig], run_dir: Path, *, backend=None, resume: bool = False,
        on_step: Callable[[dict], None] | None = None, on_stage: Callable[[StageConfig], None] | None = None) -> list[StageResult]:
    """Run the stages in order, each from the previous one's final weights. With `resume`, a
    finished stage (its final dir is complete) is skipped and an unfinished one continues from its
    newest checkpoint. One rollout backend serves every stage (each stage pushes its starting
    weights); pass `backend` to share an open one (it is then not closed here)."""
    from train.rollout import make_backend

    run_dir = Path(run_dir)
    start = model_dir(cfg.model)
    owned = backend is None
    if owned:
        if cfg.rollout_workers > 1:  # N engines as Ray actors, each sampling its share
            from train.ray_rollout import RayRollout

            backend = RayRollout(cfg.backend, start, workers=cfg.rollout_workers, address=cfg.ray_address,
                                 max_model_len=cfg.max_model_len, seed=cfg.seed, engine_options=engine_options(cfg))
        else:
            backend = make_backend(cfg.backend, start, max_model_len=cfg.max_model_len, seed=cfg.seed,
                                   **engine_options(cfg))
    rewarder = Rewarder(cfg.sandbox, executor=cfg.rewards.executor, ray_address=cfg.ray_address)
    results = []
    try:
        for stage in plan:
            stage_dir = run_dir / stage.name
            if resume and (stage_dir / FINAL / DONE).exists():
                results.append(StageResult(stage.name, stage_dir / FINAL, stage_dir / "metrics.jsonl", None, None))
            else:
                if on_stage:
                    on_stage(stage)
                results.append(run_stage(cfg, stage, start, stage_dir, backend, rewarder, resume=resume, on_step=on_step))
            start = results[-1].final_dir
    finally:
        if owned:
            backend.close()
        rewarder.close()
    return results


def engine_options(cfg: TrainConfig) -> dict:
    """The rollout engine beside the trainer: on cuda in bf16, sharing the GPU (vLLM's memory share
    and sleep mode); on the CPU float32, as the trainer."""
    if resolve_device(cfg.device).type != "cuda":
        return {}
    return {"dtype": "bfloat16", "device": "cuda", "gpu_memory_utilization": cfg.gpu_memory_utilization,
            "sleep": cfg.vllm_sleep}


