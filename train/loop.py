"""The C3PO training loop. Reads top to bottom: config, model, data, loop.

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

The policy lives in torch (a transformers model), beside a frozen copy of the stage's starting
weights as the KL reference. A stage ends by saving a transformers model dir, RUN_DIR/<stage>/final,
which the next stage starts from. Everything random derives from (seed, stage, step), so a resumed
run replays the same rollouts and selections as one that never stopped.
"""

from __future__ import annotations

import copy
import json
import math
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch

from ringdata.errors import DataError
from ringdata.io.problems import read_curated
from ringdata.records import Problem
from train.advantages import group_advantages, uniform_groups
from train.budget import Piece, Sample, Selection, available_tokens, micro_batches, select_all, select_budget
from train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from train.config import StageConfig, TrainConfig, to_dict
from train.loss import LossStats, policy_loss, sample_weights, token_logprobs_and_entropy
from train.metrics import MetricsLog
from train.models import check_model_dir, load_tokenizer
from train.prompting import fitting, format_prompt
from train.rewarder import Rewarder

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


def resolve_model(name: str) -> Path:
    """A transformers model dir: `name` itself, or the cached tiny demo model for "tiny"."""
    if name == "tiny":
        from train.tiny import tiny_model_dir

        return Path(tiny_model_dir())
    return check_model_dir(name, hint=' and not "tiny"')


def load_policy(model_dir: Path):
    """(policy, frozen reference, tokenizer) in float32 on the CPU."""
    from transformers import AutoModelForCausalLM

    policy = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32, local_files_only=True)
    policy.eval()  # no dropout: the importance ratio must be exactly 1 for on-policy tokens
    reference = copy.deepcopy(policy).requires_grad_(False)
    return policy, reference, load_tokenizer(model_dir)


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
    problems = read_curated(Path(stage.data), stage.domains, field=f"stages.{stage.name}.data")
    rng = random.Random(f"heldout/{stage.name}")
    order = rng.sample(range(len(problems)), len(problems))
    n_held = min(stage.eval_problems, len(problems) // 5)
    held = [problems[i] for i in order[:n_held]]
    return [problems[i] for i in order[n_held:]], held


def draw(problems: Sequence[Problem], cursor: int, n: int, seed: int) -> list[Problem]:
    """Problems cursor..cursor+n of an endless stream: a fresh seeded shuffle every epoch."""
    out = []
    for i in range(cursor, cursor + n):
        epoch, pos = divmod(i, len(problems))
        order = random.Random(f"{seed}/epoch/{epoch}").sample(range(len(problems)), len(problems))
        out.append(problems[order[pos]])
    return out


# ---------------------------------------------------------------------------------------- loop


@dataclass
class Context:
    """What a stage's steps share."""

    cfg: TrainConfig
    stage: StageConfig
    policy: object
    reference: object
    tokenizer: object
    optimizer: object
    scheduler: object
    backend: object
    rewarder: Rewarder
    problems: list[Problem]
    state: dict = field(default_factory=lambda: {"cursor": 0, "carried": []})


def rollout_round(ctx: Context, step: int, round_: int) -> tuple[list[Sample], dict[str, list[float]], int]:
    """One round of L prompts x K responses, graded: (samples, rewards by domain, response tokens)."""
    from train.rollout import SamplingConfig

    st, seed = ctx.stage, ctx.cfg.seed
    problems = draw(ctx.problems, ctx.state["cursor"], st.prompts_per_step, seed)
    ctx.state["cursor"] += len(problems)
    sampling = SamplingConfig(n=st.samples_per_prompt, temperature=st.temperature, top_p=st.top_p,
                              max_tokens=st.max_response_tokens, seed=_seed(seed, st.name, step, round_))
    rollouts = ctx.backend.generate([format_prompt(p, ctx.tokenizer) for p in problems], sampling)
    rewards = ctx.rewarder([(problems[r.prompt_index], r.text) for r in rollouts])
    groups = [(step, round_, r.prompt_index) for r in rollouts]
    advantages = group_advantages(rewards, groups, ctx.cfg.loss.adv_eps)
    skip = uniform_groups(rewards, groups) if st.skip_uniform_groups else set()
    by_domain: dict[str, list[float]] = {}
    samples = []
    for r, rew, adv, g in zip(rollouts, rewards, advantages, groups):
        domain = problems[r.prompt_index].domain
        by_domain.setdefault(domain, []).append(rew)
        if g not in skip and r.response_ids:
            samples.append(Sample(r.prompt_ids, r.response_ids, r.logprobs, adv, rew, domain, g, step))
    return samples, by_domain, sum(len(r.response_ids) for r in rollouts)


def collect(ctx: Context, step: int) -> tuple[Selection, dict]:
    """The step's training tokens: rollouts (refilled until Phi is met, for c3po) and selection."""
    st, kind = ctx.stage, ctx.cfg.loss.kind
    carried = [s for s in ctx.state["carried"] if step - s.born <= st.max_carry_age]
    stale = available_tokens(ctx.state["carried"]) - available_tokens(carried)
    samples: list[Sample] = []
    by_domain: dict[str, list[float]] = {}
    generated, rounds = 0, 0
    reasons: dict[str, int] = {}
    while True:
        new, rewards, n_tok = rollout_round(ctx, step, rounds)
        samples += new
        generated += n_tok
        rounds += 1
        for d, vals in rewards.items():
            by_domain.setdefault(d, []).extend(vals)
        for reason, n in ctx.rewarder.last_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
        enough = kind != "c3po" or available_tokens(carried) + available_tokens(samples) >= st.token_budget
        if enough or rounds > st.max_refill_rounds:
            break
    if kind == "c3po":
        rng = random.Random(_seed(ctx.cfg.seed, st.name, step, "select"))
        selection = select_budget(samples, st.token_budget, rng, carried, order=st.selection_order)
    else:
        selection = select_all(carried + samples)
    ctx.state["carried"] = list(selection.leftover) if st.carry_over else []
    all_rewards = [r for vals in by_domain.values() for r in vals]
    info = {
        "reward": sum(all_rewards) / len(all_rewards),
        "reward_by_domain": {d: sum(v) / len(v) for d, v in sorted(by_domain.items())},
        "response_len": generated / len(all_rewards),
        "generated_tokens": generated,
        "rounds": rounds,
        "selected_tokens": selection.selected_tokens,
        "carried_tokens": selection.leftover_tokens if st.carry_over else 0,
        "dropped_tokens": stale + (0 if st.carry_over else selection.leftover_tokens),
        "shortfall": max(selection.shortfall, 0),
        "reasons": dict(sorted(reasons.items())),
    }
    return selection, info


def batch_tensors(pieces: Sequence[Piece], weights: Sequence[float], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded input rows (prompt + response up to each piece's end) and, per piece, the
    positions whose logits predict its tokens [start, end), with old logprobs, advantages, weights."""
    rows = [list(p.sample.prompt_ids) + list(p.sample.response_ids[: p.end]) for p in pieces]
    width = max(len(r) for r in rows)
    span = max(p.tokens for p in pieces)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    pos = torch.zeros((len(rows), span), dtype=torch.long)
    mask, old, adv, w = (torch.zeros((len(rows), span)) for _ in range(4))
    for i, (p, row, wt) in enumerate(zip(pieces, rows, weights)):
        assert len(p.sample.prompt_ids) >= 1, f"piece {i} has an empty prompt"
        ids[i, : len(row)] = torch.tensor(row)
        attn[i, : len(row)] = 1
        n, first = p.tokens, len(p.sample.prompt_ids) + p.start - 1  # logits at t predict token t+1
        pos[i, :n] = torch.arange(first, first + n)
        mask[i, :n] = 1
        old[i, :n] = torch.tensor(p.sample.old_logprobs[p.start : p.end])
        adv[i, :n] = p.sample.advantage
        w[i, :n] = wt
    return {"ids": ids, "attn": attn, "pos": pos, "mask": mask, "old": old, "adv": adv, "weights": w}


def piece_logprobs(model, b: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """log pi(token) and entropy at each piece token, [rows, span]."""
    logits = model(input_ids=b["ids"], attention_mask=b["attn"]).logits
    rows = torch.arange(b["ids"].shape[0]).unsqueeze(1)
    targets = b["ids"].gather(1, (b["pos"] + 1).clamp(max=b["ids"].shape[1] - 1))
    return token_logprobs_and_entropy(logits[rows, b["pos"]], targets)


def accumulate_gradients(ctx: Context, selection: Selection) -> tuple[float, LossStats]:
    """Backward over micro-batches; token weights are fixed for the whole step, so the summed
    gradient is the whole step's gradient (c3po: exactly 1/Phi per token)."""
    cfg = ctx.cfg
    pieces = selection.pieces
    lengths = [p.tokens for p in pieces]
    weights = dict(zip(map(id, pieces), sample_weights(cfg.loss.kind, lengths, ctx.stage.token_budget)))
    stats, total = LossStats(), 0.0
    for mb in micro_batches(pieces, cfg.optim.micro_batch_tokens):
        b = batch_tensors(mb, [weights[id(p)] for p in mb], ctx.tokenizer.pad_token_id)
        logp, entropy = piece_logprobs(ctx.policy, b)
        with torch.no_grad():
            ref_logp, _ = piece_logprobs(ctx.reference, b)
        loss = policy_loss(logp, b["old"], ref_logp, entropy, b["adv"] * b["mask"], b["weights"], cfg.loss)
        loss.backward()
        total += loss.item()
        stats.add(logp, b["old"], ref_logp, entropy, b["adv"], b["mask"], cfg.loss.clip_eps)
    return total, stats


def train_step(ctx: Context, step: int) -> dict:
    """One optimizer step: collect, backward, clip, AdamW, push weights. Returns its metrics."""
    t0 = time.perf_counter()
    selection, info = collect(ctx, step)
    t1 = time.perf_counter()
    ctx.optimizer.zero_grad(set_to_none=True)
    loss, stats = accumulate_gradients(ctx, selection) if selection.pieces else (0.0, LossStats())
    clip = ctx.cfg.optim.grad_clip
    params = [p for p in ctx.policy.parameters() if p.grad is not None]
    grad_norm = float(torch.nn.utils.clip_grad_norm_(params, clip if clip > 0 else math.inf)) if params else 0.0
    lr = ctx.scheduler.get_last_lr()[0]
    ctx.optimizer.step()
    ctx.scheduler.step()
    ctx.backend.push_weights(ctx.policy.state_dict())
    t2 = time.perf_counter()
    step_time = t2 - t0
    return {
        "kind": "step", "step": step + 1, "stage": ctx.stage.name, "loss_kind": ctx.cfg.loss.kind,
        **info, **stats.means(), "loss": loss, "grad_norm": grad_norm, "lr": lr,
        "step_time": step_time, "rollout_time": t1 - t0, "train_time": t2 - t1,
        "tokens_per_s": info["selected_tokens"] / step_time,
        "rollout_tokens_per_s": info["generated_tokens"] / max(t1 - t0, 1e-9),
    }


def evaluate(ctx: Context, held_out: Sequence[Problem]) -> float | None:
    """Mean reward on the held-out problems, sampled like training with a fixed seed (so runs
    and checkpoints are compared on the same sampling noise)."""
    from train.rollout import SamplingConfig

    if not held_out:
        return None
    st = ctx.stage
    sampling = SamplingConfig(n=st.eval_samples, temperature=st.temperature, top_p=st.top_p,
                              max_tokens=st.max_response_tokens, seed=_seed(ctx.cfg.seed, st.name, "eval"))
    rollouts = ctx.backend.generate([format_prompt(p, ctx.tokenizer) for p in held_out], sampling)
    rewards = ctx.rewarder([(held_out[r.prompt_index], r.text) for r in rollouts])
    return sum(rewards) / len(rewards)


def run_stage(cfg: TrainConfig, stage: StageConfig, start_dir: Path, stage_dir: Path, backend, rewarder: Rewarder,
              *, resume: bool = False, on_step: Callable[[dict], None] | None = None) -> StageResult:
    """Train one stage from the model in `start_dir`; writes RUN_DIR/<stage>/{metrics.jsonl,
    checkpoints/, final/}."""
    torch.manual_seed(cfg.seed)
    policy, reference, tokenizer = load_policy(start_dir)
    optimizer, scheduler = make_optimizer(policy, cfg)
    problems, held_out = load_problems(stage)
    room = cfg.max_model_len - stage.max_response_tokens
    problems, long_train = fitting(problems, tokenizer, room)
    held_out, long_held = fitting(held_out, tokenizer, room)
    if not problems:
        raise DataError(f"no problem's prompt fits in {room} tokens (max_model_len {cfg.max_model_len} minus "
                        f"max_response_tokens {stage.max_response_tokens})", field=f"stages.{stage.name}.data",
                        hint="raise max_model_len or lower max_response_tokens")
    ctx = Context(cfg, stage, policy, reference, tokenizer, optimizer, scheduler, backend, rewarder, problems)
    ckpt = latest_checkpoint(stage_dir) if resume else None
    if ckpt is not None:
        ctx.state = load_checkpoint(ckpt, policy, optimizer, scheduler)
    first = ctx.state.get("step", 0)
    backend.push_weights(policy.state_dict())
    log = MetricsLog(stage_dir / "metrics.jsonl", resume_step=first if ckpt is not None else None)
    (stage_dir / "config.json").write_text(json.dumps(to_dict(cfg), indent=1, default=str))
    (stage_dir / "stage.json").write_text(json.dumps({
        "stage": stage.name, "start_model": str(start_dir), "train_problems": len(problems), "held_out_problems": len(held_out),
        "skipped_long_prompts": {"train": len(long_train), "held_out": len(long_held), "max_prompt_tokens": room,
                                 "ids": [p.id for p in long_train + long_held]},
    }))
    before = ctx.state.get("eval_before")
    if ckpt is None:
        before = evaluate(ctx, held_out)
        ctx.state["eval_before"] = before
        log.write({"kind": "eval", "step": 0, "stage": stage.name, "eval_reward": before})
    for step in range(first, stage.steps):
        record = train_step(ctx, step)
        done = step + 1
        if stage.eval_every and done % stage.eval_every == 0 and done < stage.steps:
            record["eval_reward"] = evaluate(ctx, held_out)
        log.write(record)
        if on_step:
            on_step(record)
        if stage.checkpoint_every and done % stage.checkpoint_every == 0:
            save_checkpoint(stage_dir, done, policy, optimizer, scheduler, ctx.state, stage.keep_checkpoints)
    after = evaluate(ctx, held_out)
    log.write({"kind": "eval", "step": stage.steps, "stage": stage.name, "eval_reward": after})
    final = save_final(policy, tokenizer, stage_dir)
    return StageResult(stage.name, final, log.path, before, after)


def save_final(policy, tokenizer, stage_dir: Path) -> Path:
    final = stage_dir / FINAL
    shutil.rmtree(final, ignore_errors=True)
    policy.save_pretrained(str(final))
    tokenizer.save_pretrained(str(final))
    (final / DONE).write_text("")
    return final


def run(cfg: TrainConfig, plan: Sequence[StageConfig], run_dir: Path, *, backend=None, resume: bool = False,
        on_step: Callable[[dict], None] | None = None, on_stage: Callable[[StageConfig], None] | None = None) -> list[StageResult]:
    """Run the stages in order, each from the previous one's final weights. With `resume`, a
    finished stage (its final dir is complete) is skipped and an unfinished one continues from its
    newest checkpoint. One rollout backend serves every stage (each stage pushes its starting
    weights); pass `backend` to share an open one (it is then not closed here)."""
    from train.rollout import make_backend

    run_dir = Path(run_dir)
    start = resolve_model(cfg.model)
    owned = backend is None
    if owned:
        if cfg.rollout_workers > 1:  # N engines as Ray actors, each sampling its share
            from train.ray_rollout import RayRollout

            backend = RayRollout(cfg.backend, start, workers=cfg.rollout_workers, address=cfg.ray_address,
                                 max_model_len=cfg.max_model_len, seed=cfg.seed)
        else:
            backend = make_backend(cfg.backend, start, max_model_len=cfg.max_model_len, seed=cfg.seed)
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


def _seed(*parts) -> int:
    """A 31-bit seed from any parts (stable across processes, unlike hash())."""
    return random.Random("/".join(map(str, parts))).getrandbits(31)
