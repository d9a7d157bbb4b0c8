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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import torch

from ringdata.errors import DataError, RingdataError
from ringdata.io.problems import read_curated
from ringdata.records import Problem
from train.advantages import group_advantages, uniform_groups
from train.budget import Piece, Sample, Selection, available_tokens, micro_batches, select_all, select_budget
from train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from train.config import StageConfig, TrainConfig, to_dict
from train.distributed import World, current_world, deal
from train.loss import LossStats, policy_loss, sample_weights
from train.metrics import MetricsLog
from train.models import resolve_model as resolve_model_dir
from train.policy import (Scorer, autocast, compute_dtype, full_state_dict, is_sharded, load_policy, on_device,
                          resolve_device, shard)
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
    """A transformers model dir: the cached tiny demo model for "tiny", else a directory or a Hub
    id in the Hugging Face cache (train/models.py)."""
    if name == "tiny":
        from train.tiny import tiny_model_dir

        return Path(tiny_model_dir())
    return resolve_model_dir(name)


def check_inputs(cfg: TrainConfig, plan: Sequence[StageConfig]) -> None:
    """Fail before the run dir is claimed (and an earlier run replaced under `--overwrite`), not
    after a stage has trained: the model resolves and every planned stage's data file exists."""
    if cfg.model != "tiny":
        resolve_model_dir(cfg.model)
    for stage in plan:
        if stage.data == "toy":
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
    policy: Scorer
    reference: Scorer
    tokenizer: object
    optimizer: object
    scheduler: object
    backend: object
    rewarder: Rewarder
    problems: list[Problem]
    state: dict = field(default_factory=lambda: {"cursor": 0, "carried": [], "queue": []})
    device: torch.device = torch.device("cpu")
    dtype: torch.dtype | None = None  # autocast dtype; None = float32
    world: World = World()
    trainer_old_logprobs: bool = False  # recompute old log-probs with the trainer (loss.old_logprobs)

    @property
    def skip_uniform(self) -> bool:
        st = self.stage
        return st.skip_uniform_groups if st.skip_uniform_groups is not None else self.cfg.loss.kind == "dapo"


def rollout_round(ctx: Context, step: int, round_: int) -> tuple[list[Sample], dict]:
    """One round of L prompts x K responses (this rank's share of the prompts), graded. Responses
    cut at max_response_tokens get `truncated_reward`, ungraded. Returns (samples, tallies)."""
    from train.rollout import SamplingConfig

    st, seed = ctx.stage, ctx.cfg.seed
    problems = draw(ctx.problems, ctx.state["cursor"], st.prompts_per_step, seed)
    ctx.state["cursor"] += len(problems)
    index = ctx.world.share(range(len(problems)))  # the prompts this rank samples (global indices)
    mine = [problems[i] for i in index]
    sampling = SamplingConfig(n=st.samples_per_prompt, temperature=st.temperature, top_p=st.top_p,
                              max_tokens=st.max_response_tokens, seed=_seed(seed, st.name, step, round_, *_rank(ctx.world)))
    rollouts = ctx.backend.generate([format_prompt(p, ctx.tokenizer) for p in mine], sampling) if mine else []
    graded = [i for i, r in enumerate(rollouts) if r.finish_reason != "length"]
    got = ctx.rewarder([(mine[rollouts[i].prompt_index], rollouts[i].text) for i in graded]) if graded else []
    rewards = [st.truncated_reward] * len(rollouts)
    for i, rew in zip(graded, got):
        rewards[i] = rew
    reasons = dict(ctx.rewarder.last_reasons) if graded else {}
    if len(graded) < len(rollouts):
        reasons["truncated"] = len(rollouts) - len(graded)
    groups = [(step, round_, index[r.prompt_index]) for r in rollouts]
    advantages = group_advantages(rewards, groups, ctx.cfg.loss.adv_eps)
    samples, by_domain = [], {}
    for r, rew, adv, g in zip(rollouts, rewards, advantages, groups):
        domain = mine[r.prompt_index].domain
        by_domain.setdefault(domain, []).append(rew)
        if r.response_ids:
            samples.append(Sample(r.prompt_ids, r.response_ids, r.logprobs, adv, rew, domain, g, step))
    gap = (0.0, 0.0, 0)
    if ctx.trainer_old_logprobs:
        samples, gap = recompute_old_logprobs(ctx, samples)
    tally = {"by_domain": by_domain, "generated": sum(len(r.response_ids) for r in rollouts),
             "reasons": reasons, "truncated": len(rollouts) - len(graded), "gap": gap,
             "uniform": uniform_groups(rewards, groups) if ctx.skip_uniform else set()}
    return samples, tally


def recompute_old_logprobs(ctx: Context, samples: list[Sample]) -> tuple[list[Sample], tuple[float, float, int]]:
    """The samples with `old_logprobs` from the trainer's own forward of the current (pre-update)
    policy and the engine's kept as `sampler_logprobs`; and the gap |trainer - sampler| as (sum,
    max, tokens). With a temperature != 1 the engine's log-probs are the raw model's (see
    train/rollout.py) while the trainer's are the tempered ones: no gap is measured then."""
    pieces = [Piece(s, 0, len(s.response_ids)) for s in samples]
    scored = score_pieces(ctx, ctx.policy, pieces)
    out, total, worst, n = [], 0.0, 0.0, 0
    compare = ctx.stage.temperature == 1.0
    for s, lp in zip(samples, scored):
        if compare:
            diff = (torch.tensor(lp, dtype=torch.float64) - torch.tensor(s.old_logprobs, dtype=torch.float64)).abs()
            total, worst, n = total + float(diff.sum()), max(worst, float(diff.max())), n + len(lp)
        out.append(replace(s, old_logprobs=tuple(lp), sampler_logprobs=s.old_logprobs))
    return out, (total, worst, n)


def score_pieces(ctx: Context, scorer: Scorer, pieces: Sequence[Piece]) -> list[list[float]]:
    """log pi(token) of each piece's tokens under `scorer`, no gradient, micro-batched."""
    out: list[list[float]] = []
    batches = micro_batches(pieces, ctx.cfg.optim.micro_batch_tokens)
    for mb in _padded(ctx, batches):
        b = _to(batch_tensors(mb, [0.0] * len(mb), ctx.tokenizer.pad_token_id), ctx.device)
        with torch.no_grad(), autocast(ctx.device, ctx.dtype):
            logp, _ = piece_logprobs(scorer, b, ctx.stage.temperature)
        if mb is not FILLER:
            out += [logp[i, : p.tokens].double().cpu().tolist() for i, p in enumerate(mb)]
    return out


def collect(ctx: Context, step: int) -> tuple[Selection, dict]:
    """The step's training tokens: rollouts (refilled until Phi is met, for c3po; until L groups
    with unequal rewards remain, with skip_uniform_groups) and selection. With
    `updates_per_rollout` > 1 one rollout batch yields that many Phi selections, queued."""
    if ctx.state.get("queue"):
        selection, info = ctx.state["queue"].pop(0)
        return selection, info
    st, kind = ctx.stage, ctx.cfg.loss.kind
    updates = st.updates_per_rollout if kind == "c3po" else 1
    carried = [s for s in ctx.state["carried"] if step - s.born <= st.max_carry_age]
    stale = available_tokens(ctx.state["carried"]) - available_tokens(carried)
    samples: list[Sample] = []
    tallies: list[dict] = []
    rounds = 0
    while True:
        new, tally = rollout_round(ctx, step, rounds)
        rounds += 1
        for rank_samples, rank_tally in ctx.world.gather((new, tally)):
            samples += rank_samples
            tallies.append(rank_tally)
        uniform = set().union(*(t["uniform"] for t in tallies))
        kept = {s.group for s in samples} - uniform
        enough = ((kind != "c3po" or available_tokens(carried) + _tokens(samples, uniform) >= updates * st.token_budget)
                  and (not ctx.skip_uniform or len(kept) >= st.prompts_per_step))
        if enough or rounds > st.max_refill_rounds:
            break
    dropped_groups = 0
    if ctx.skip_uniform:
        # DAPO's dynamic sampling: all-equal groups carry no signal; keep the first L of the others
        order = sorted(kept)
        keep = set(order[: st.prompts_per_step]) if kind != "c3po" else set(order)
        dropped_groups = len(order) - len(keep)
        stale += sum(len(s.response_ids) for s in samples if s.group not in keep)
        samples = [s for s in samples if s.group in keep]
    if kind == "c3po":
        rng = random.Random(_seed(ctx.cfg.seed, st.name, step, "select"))
        selections = [select_budget(samples, st.token_budget, rng, carried, order=st.selection_order)]
        for _ in range(updates - 1):
            selections.append(select_budget((), st.token_budget, rng, selections[-1].leftover))
    else:
        selections = [select_all(carried + samples)]
    leftover = selections[-1].leftover
    ctx.state["carried"] = list(leftover) if st.carry_over else []
    info = _rollout_info(tallies, rounds, dropped_groups)
    gaps = [t["gap"] for t in tallies]
    if ctx.trainer_old_logprobs and sum(g[2] for g in gaps):
        info["logprob_gap_mean"] = sum(g[0] for g in gaps) / sum(g[2] for g in gaps)
        info["logprob_gap_max"] = max(g[1] for g in gaps)
    carried_out = available_tokens(leftover) if st.carry_over else 0
    dropped = stale + (0 if st.carry_over else available_tokens(leftover))
    items = []
    for i, sel in enumerate(selections):
        last = i == len(selections) - 1
        phi = {"phi_selected_tokens": sel.selected_tokens, "phi_carried_tokens": carried_out if last else 0,
               "phi_dropped_tokens": dropped if last else 0, "shortfall": max(sel.shortfall, 0), "update": i + 1}
        rollout = info if i == 0 else {**info, "generated_tokens": 0, "rounds": 0}
        items.append((sel, {**rollout, **phi}))
    ctx.state["queue"] = items[1:]
    return items[0]


def _tokens(samples: Sequence[Sample], uniform: set) -> int:
    return sum(s.remaining for s in samples if s.group not in uniform)


def _rollout_info(tallies: list[dict], rounds: int, dropped_groups: int) -> dict:
    by_domain: dict[str, list[float]] = {}
    reasons: dict[str, int] = {}
    for t in tallies:
        for d, vals in t["by_domain"].items():
            by_domain.setdefault(d, []).extend(vals)
        for reason, n in t["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + n
    all_rewards = [r for vals in by_domain.values() for r in vals]
    n = max(len(all_rewards), 1)
    generated = sum(t["generated"] for t in tallies)
    return {
        "reward": sum(all_rewards) / n,
        "reward_by_domain": {d: sum(v) / len(v) for d, v in sorted(by_domain.items())},
        "reward_by_reason": dict(sorted(reasons.items())),
        "truncation_rate": sum(t["truncated"] for t in tallies) / n,
        "response_len": generated / n,
        "generated_tokens": generated,
        "rounds": rounds,
        "dropped_groups": dropped_groups,
    }


FILLER: list[Piece] = []  # a zero-weight micro-batch run by a rank with fewer than the others (FSDP)


def _padded(ctx: Context, batches: list[list[Piece]]) -> list[list[Piece]]:
    """Under FSDP every rank must run the same number of forwards (each is a collective)."""
    if not is_sharded(ctx.policy):
        return batches
    return batches + [FILLER] * (ctx.world.max_int(len(batches)) - len(batches))


def batch_tensors(pieces: Sequence[Piece], weights: Sequence[float], pad_id: int,
                  tis_cap: float = 0.0) -> dict[str, torch.Tensor]:
    """Right-padded input rows (prompt + response up to each piece's end) and, per piece, the
    positions whose logits predict its tokens [start, end), with old logprobs, advantages, weights
    and (with `tis_cap`) the truncated importance weights min(pi_old / pi_sampler, cap)."""
    if not pieces:  # FILLER: one pad token, nothing scored
        one = torch.zeros((1, 1))
        return {"ids": torch.full((1, 1), pad_id, dtype=torch.long), "attn": torch.ones((1, 1), dtype=torch.long),
                "pos": torch.zeros((1, 1), dtype=torch.long), "mask": one, "old": one, "adv": one, "weights": one,
                "tis": torch.ones((1, 1))}
    rows = [list(p.sample.prompt_ids) + list(p.sample.response_ids[: p.end]) for p in pieces]
    width = max(len(r) for r in rows)
    span = max(p.tokens for p in pieces)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    pos = torch.zeros((len(rows), span), dtype=torch.long)
    mask, old, adv, w = (torch.zeros((len(rows), span)) for _ in range(4))
    tis = torch.ones((len(rows), span))
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
        if tis_cap and p.sample.sampler_logprobs is not None:
            delta = old[i, :n] - torch.tensor(p.sample.sampler_logprobs[p.start : p.end])
            tis[i, :n] = torch.exp(delta.clamp(max=math.log(tis_cap)))
    return {"ids": ids, "attn": attn, "pos": pos, "mask": mask, "old": old, "adv": adv, "weights": w, "tis": tis}


def _to(b: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: v.to(device, non_blocking=True) for k, v in b.items()}


def piece_logprobs(scorer: Scorer, b: dict[str, torch.Tensor], temperature: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """log pi(token) and entropy at each piece token, [rows, span] (0 past each piece's end)."""
    return scorer(b["ids"], b["attn"], b["pos"], b["mask"], temperature)


def accumulate_gradients(ctx: Context, selection: Selection) -> tuple[float, LossStats]:
    """Backward over micro-batches; token weights are fixed for the whole step, so the summed
    gradient is the whole step's gradient (c3po: exactly 1/Phi per token, across all ranks: each
    rank trains its dealt share of the pieces, and the gradients are summed)."""
    cfg, world = ctx.cfg, ctx.world
    pieces = selection.pieces
    lengths = [p.tokens for p in pieces]
    all_weights = sample_weights(cfg.loss.kind, lengths, ctx.stage.token_budget)
    mine = deal(lengths, world)
    weights = dict((id(pieces[i]), all_weights[i]) for i in mine)
    batches = _padded(ctx, micro_batches([pieces[i] for i in mine], cfg.optim.micro_batch_tokens))
    tensors = [_to(batch_tensors(mb, [weights[id(p)] for p in mb], ctx.tokenizer.pad_token_id, cfg.loss.tis_cap), ctx.device)
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


def train_step(ctx: Context, step: int) -> dict:
    """One optimizer step: collect, backward, clip, AdamW, push weights. Returns its metrics."""
    t0 = time.perf_counter()
    selection, info = collect(ctx, step)
    t1 = time.perf_counter()
    sleep = getattr(ctx.backend, "sleep", None)
    if sleep:
        sleep()  # vLLM on cuda: weights offloaded, KV cache freed while the step trains
    ctx.optimizer.zero_grad(set_to_none=True)
    loss, stats = accumulate_gradients(ctx, selection) if selection.pieces else (0.0, LossStats())
    assert not selection.pieces or stats.tokens == selection.selected_tokens, (
        f"trained {stats.tokens} tokens across ranks, selected {selection.selected_tokens}")
    grad_norm = clip_gradients(ctx.policy, ctx.cfg.optim.grad_clip)
    lr = ctx.scheduler.get_last_lr()[0]
    ctx.optimizer.step()
    ctx.scheduler.step()
    push_weights(ctx)
    t2 = time.perf_counter()
    step_time = t2 - t0
    return {
        "kind": "step", "step": step + 1, "stage": ctx.stage.name, "loss_kind": ctx.cfg.loss.kind,
        **info, **stats.means(), "loss": loss, "grad_norm": grad_norm, "lr": lr,
        "step_time": step_time, "rollout_time": t1 - t0, "train_time": t2 - t1,
        "tokens_per_s": info["phi_selected_tokens"] / step_time,
        "rollout_tokens_per_s": info["generated_tokens"] / max(t1 - t0, 1e-9),
    }


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
    wake = getattr(ctx.backend, "wake_up", None)
    if wake:
        wake()
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
                              max_tokens=st.max_response_tokens, seed=_seed(ctx.cfg.seed, st.name, "eval", *_rank(ctx.world)))
    rewards: list[float] = []
    if mine:
        rollouts = ctx.backend.generate([format_prompt(p, ctx.tokenizer) for p in mine], sampling)
        rewards = ctx.rewarder([(mine[r.prompt_index], r.text) for r in rollouts])
    total, n = ctx.world.sum([sum(rewards), len(rewards)])
    return total / n


def trainer_recomputes(cfg: TrainConfig, stage: StageConfig, device: torch.device, backend) -> bool:
    """loss.old_logprobs = auto: the trainer's own forward when the engine computes differently
    (another dtype or device than the trainer) or sampled from a tempered distribution."""
    if cfg.loss.old_logprobs != "auto":
        return cfg.loss.old_logprobs == "trainer"
    engine = (getattr(backend, "dtype", "float32"), getattr(backend, "device", "cpu"))
    # bf16 autocast over float32 weights is neither a float32 nor a bf16 engine's arithmetic
    trainer = ("bf16-autocast" if compute_dtype(cfg, device) is not None else "float32", device.type)
    return engine != trainer or stage.temperature != 1.0


def run_stage(cfg: TrainConfig, stage: StageConfig, start_dir: Path, stage_dir: Path, backend, rewarder: Rewarder,
              *, resume: bool = False, on_step: Callable[[dict], None] | None = None) -> StageResult:
    """Train one stage from the model in `start_dir`; writes RUN_DIR/<stage>/{metrics.jsonl,
    checkpoints/, final/} (rank 0 writes; every rank trains)."""
    world = current_world()
    device = resolve_device(cfg.device)
    if device.type == "cuda" and world.size > 1:
        device = torch.device("cuda", torch.cuda.current_device())
    dtype = compute_dtype(cfg, device)
    torch.manual_seed(cfg.seed)
    policy, reference, tokenizer = load_policy(start_dir, cfg, device)
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
    first = ctx.state.get("step", 0)
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
    write = log.write if log else (lambda record: None)
    before = ctx.state.get("eval_before")
    if ckpt is None:
        before = evaluate(ctx, held_out)
        ctx.state["eval_before"] = before
        write({"kind": "eval", "step": 0, "stage": stage.name, "eval_reward": before})
    for step in range(first, stage.steps):
        record = train_step(ctx, step)
        done = step + 1
        if stage.eval_every and done % stage.eval_every == 0 and done < stage.steps:
            record["eval_reward"] = evaluate(ctx, held_out)
        write(record)
        if on_step and world.main:
            on_step(record)
        if stage.checkpoint_every and world.size == 1 and done % stage.checkpoint_every == 0:
            save_checkpoint(stage_dir, done, policy.lm, optimizer, scheduler, ctx.state, stage.keep_checkpoints)
    after = evaluate(ctx, held_out)
    write({"kind": "eval", "step": stage.steps, "stage": stage.name, "eval_reward": after})
    final = save_final(policy, tokenizer, stage_dir, world)
    return StageResult(stage.name, final, stage_dir / "metrics.jsonl", before, after)


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
    start = resolve_model(cfg.model)
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


def _rank(world: World) -> tuple[int, ...]:
    """Seed parts for this rank: none in a single process (its seeds are the pre-torchrun ones)."""
    return (world.rank,) if world.size > 1 else ()


def _seed(*parts) -> int:
    """A 31-bit seed from any parts (stable across processes, unlike hash())."""
    return random.Random("/".join(map(str, parts))).getrandbits(31)
