"""The collection loop: a step's rollouts, graded, grouped and selected into its training tokens.

    selection, info = collect(ctx, step)

One round draws L problems from the stage's endless shuffled stream (`draw`), samples K responses
each (this rank's share of the prompts), grades them (`Rewarder` verdicts; a response cut at
max_response_tokens gets `truncated_reward`, ungraded), computes group advantages and tallies the
round (`RoundTally`). Rounds repeat until the step holds Phi tokens (c3po) or L groups with unequal
rewards (DAPO's dynamic sampling), then the selection (train/budget.py) takes the step's tokens;
what is left is carried or dropped, and counted. Everything random derives from (seed, stage,
step, round), so a resumed run draws what an unbroken one drew.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Sequence

import torch

from rewards import Verdict
from ringdata.core.records import Problem
from train.backends.base import Rollout
from train.advantages import group_advantages, uniform_groups
from train.budget import Piece, Sample, Selection, available_tokens, select_all, select_budget
from train.context import Context, rank_parts, seed_of
from train.prompting import format_prompt
from train.tensors import score_pieces

Group = tuple[int, int, int]  # (step, round, prompt index): the advantage's group


def draw(problems: Sequence[Problem], cursor: int, n: int, seed: int) -> list[Problem]:
    """Problems cursor..cursor+n of an endless stream: a fresh seeded shuffle every epoch."""
    out = []
    for i in range(cursor, cursor + n):
        epoch, pos = divmod(i, len(problems))
        order = random.Random(f"{seed}/epoch/{epoch}").sample(range(len(problems)), len(problems))
        out.append(problems[order[pos]])
    return out


@dataclass
class RoundTally:
    """What one round of rollouts (one rank's share) adds to the step's metrics."""

    rewards_by_domain: dict[str, list[float]] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)  # verdict reason (and "truncated") -> responses
    generated: int = 0  # response tokens sampled
    truncated: int = 0  # responses cut at max_response_tokens
    gap_sum: float = 0.0  # sum over tokens of |trainer - sampler| log-prob (when the trainer recomputes)
    gap_max: float = 0.0
    gap_tokens: int = 0
    uniform: set[Group] = field(default_factory=set)  # groups whose rewards are all equal (when skipped)
    examples: list[dict] = field(default_factory=list)  # a few responses with their verdicts (samples.jsonl)


SAMPLES_PER_STEP = 2  # responses kept per step for the report: the first response to each of the first prompts
SAMPLE_CHARS = 2000  # of a question and of a response kept in samples.jsonl: enough to read a solution


def rollout_round(ctx: Context, step: int, round_: int) -> tuple[list[Sample], RoundTally]:
    """One round of L prompts x K responses (this rank's share of the prompts), graded."""
    from train.rollout import SamplingConfig

    st, seed = ctx.stage, ctx.cfg.seed
    problems = draw(ctx.problems, ctx.state.cursor, st.prompts_per_step, seed)
    ctx.state.cursor += len(problems)
    index = ctx.world.share(range(len(problems)))  # the prompts this rank samples (global indices)
    mine = [problems[i] for i in index]
    sampling = SamplingConfig(n=st.samples_per_prompt, temperature=st.temperature, top_p=st.top_p,
                              max_tokens=st.max_response_tokens,
                              seed=seed_of(seed, st.name, step, round_, *rank_parts(ctx.world)))
    rollouts, verdicts = sample_and_grade(ctx, mine, sampling)
    tally = RoundTally(generated=sum(len(r.response_ids) for r in rollouts))
    graded = [i for i, r in enumerate(rollouts) if r.finish_reason != "length"]
    rewards = [st.truncated_reward] * len(rollouts)
    for i in graded:
        v = verdicts[i]
        rewards[i] = v.reward
        tally.reasons[v.reason.value] = tally.reasons.get(v.reason.value, 0) + 1
    tally.truncated = len(rollouts) - len(graded)
    if tally.truncated:
        tally.reasons["truncated"] = tally.truncated
    tally.examples = examples(mine, rollouts, verdicts, rewards)
    groups = [(step, round_, index[r.prompt_index]) for r in rollouts]
    advantages = group_advantages(rewards, groups, ctx.cfg.loss.adv_eps)
    samples = []
    for r, rew, adv, g in zip(rollouts, rewards, advantages, groups):
        domain = mine[r.prompt_index].domain
        tally.rewards_by_domain.setdefault(domain, []).append(rew)
        if r.response_ids:
            samples.append(Sample(r.prompt_ids, r.response_ids, r.logprobs, adv, rew, domain, g, step))
    # sampling ahead, this round runs while the trainer updates the weights: `rescore` at training time instead
    if ctx.trainer_old_logprobs and not st.sample_ahead:
        samples = recompute_old_logprobs(ctx, samples, tally)
    if ctx.skip_uniform:
        tally.uniform = uniform_groups(rewards, groups)
    return samples, tally


def examples(problems: list[Problem], rollouts: list[Rollout], verdicts: dict[int, Verdict],
             rewards: list[float]) -> list[dict]:
    """The first response to each of the first SAMPLES_PER_STEP prompts, with its reward and the
    verdict's reason ("truncated" when cut at max_response_tokens): what the report shows as
    sample generations."""
    out, seen = [], set()
    for i, r in enumerate(rollouts):
        if r.prompt_index in seen or len(seen) == SAMPLES_PER_STEP:
            continue
        seen.add(r.prompt_index)
        p = problems[r.prompt_index]
        out.append({"problem": p.id, "domain": p.domain, "question": p.question[:SAMPLE_CHARS],
                    "response": r.text[:SAMPLE_CHARS], "reward": rewards[i],
                    "reason": verdicts[i].reason.value if i in verdicts else "truncated"})
    return out


def sample_and_grade(ctx: Context, problems: list[Problem], sampling) -> tuple[list[Rollout], dict[int, Verdict]]:
    """The round's rollouts, in prompt order, and a verdict for each one not cut at max_tokens
    (by rollout index). Synchronous by default: the engine samples every prompt, then the graders
    grade every response. With `grade_while_sampling = N` the prompts go to the engine N at a time
    and each group's responses are graded on a thread (the verifier processes and the sandbox do
    the work, off the engine's cores on a GPU machine) while the engine samples the next group.
    vLLM seeds each prompt by its index in the round (`first_prompt`), so it draws the same
    responses either way; transformers draws another, equally seeded stream."""
    prompts = [format_prompt(p, ctx.tokenizer) for p in problems]
    chunk = ctx.stage.grade_while_sampling
    if not prompts:
        return [], {}
    if not chunk or chunk >= len(prompts):
        rollouts = ctx.backend.generate(prompts, sampling)
        return rollouts, _grade(ctx, problems, rollouts)
    rollouts: list[Rollout] = []
    pending = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="grade") as pool:
        for start in range(0, len(prompts), chunk):
            part = ctx.backend.generate(prompts[start : start + chunk], replace(sampling, first_prompt=start))
            part = [replace(r, prompt_index=start + r.prompt_index) for r in part]
            pending.append(pool.submit(_grade, ctx, problems, part, len(rollouts)))
            rollouts += part
        verdicts: dict[int, Verdict] = {}
        for future in pending:
            verdicts.update(future.result())
    return rollouts, verdicts


def _grade(ctx: Context, problems: list[Problem], rollouts: list[Rollout], offset: int = 0) -> dict[int, Verdict]:
    """Verdicts of the rollouts not cut at max_tokens, keyed by offset + their index."""
    graded = [i for i, r in enumerate(rollouts) if r.finish_reason != "length"]
    verdicts = ctx.rewarder([(problems[rollouts[i].prompt_index], rollouts[i].text) for i in graded])
    return {offset + i: v for i, v in zip(graded, verdicts)}


def recompute_old_logprobs(ctx: Context, samples: list[Sample], tally: RoundTally) -> list[Sample]:
    """The samples with `old_logprobs` from the trainer's own forward of the current (pre-update)
    policy and the engine's kept as `sampler_logprobs`; the gap |trainer - sampler| goes into
    `tally` (`_tally_gap`)."""
    pieces = [Piece(s, 0, len(s.response_ids)) for s in samples]
    scored = score_pieces(ctx, ctx.policy, pieces)
    out = []
    for s, lp in zip(samples, scored):
        _tally_gap(ctx, tally, lp, s.old_logprobs)
        out.append(replace(s, old_logprobs=tuple(lp), sampler_logprobs=s.old_logprobs))
    return out


def rescore(ctx: Context, selection: Selection) -> tuple[Selection, dict]:
    """A step sampled ahead (`sample_ahead = 1`), its old log-probs made the trainer's forward of
    the weights it trains now, one update past those that sampled it: the clipped ratio is taken
    to these (decoupled PPO's proximal policy, AReaL arXiv 2505.24298), and the engine's stay
    `sampler_logprobs`, so `loss.tis_cap` weighs each token by min(pi_old / pi_sampler, cap).
    Returns the selection and its log-prob gap metrics (|trainer now - sampler|: the staleness and
    the engine's arithmetic together)."""
    tally = RoundTally()
    pieces = []
    for p, lp in zip(selection.pieces, score_pieces(ctx, ctx.policy, selection.pieces)):
        s = p.sample
        sampler = s.sampler_logprobs if s.sampler_logprobs is not None else s.old_logprobs
        _tally_gap(ctx, tally, lp, sampler[p.start : p.end])
        old = s.old_logprobs[: p.start] + tuple(lp) + s.old_logprobs[p.end :]
        pieces.append(replace(p, sample=replace(s, old_logprobs=old, sampler_logprobs=sampler)))
    gap = rollout_info([tally], 0, 0, True)
    return replace(selection, pieces=tuple(pieces)), {k: v for k, v in gap.items() if k.startswith("logprob_gap")}


def _tally_gap(ctx: Context, tally: RoundTally, trainer: Sequence[float], sampler: Sequence[float]) -> None:
    """With a temperature != 1 the engine's log-probs are the raw model's (see train/rollout.py)
    while the trainer's are the tempered ones: no gap is measured then."""
    if ctx.stage.temperature != 1.0 or not trainer:
        return
    diff = (torch.tensor(trainer, dtype=torch.float64) - torch.tensor(sampler, dtype=torch.float64)).abs()
    tally.gap_sum += float(diff.sum())
    tally.gap_max = max(tally.gap_max, float(diff.max()))
    tally.gap_tokens += len(trainer)


def collect(ctx: Context, step: int) -> tuple[Selection, dict]:
    """The step's training tokens and its rollout metrics: rollouts (refilled until Phi is met,
    for c3po; until L groups with unequal rewards remain, with skip_uniform_groups) and selection.
    With `updates_per_rollout` > 1 one rollout batch yields that many Phi selections, queued."""
    if ctx.state.queue:
        return ctx.state.queue.pop(0)
    st, kind = ctx.stage, ctx.cfg.loss.kind
    updates = st.updates_per_rollout if kind == "c3po" else 1
    carried = [s for s in ctx.state.carried if step - s.born <= st.max_carry_age]
    stale = available_tokens(ctx.state.carried) - available_tokens(carried)
    samples, tallies, kept, rounds = _rounds(ctx, step, carried, updates)
    dropped_groups = 0
    if ctx.skip_uniform:
        # DAPO's dynamic sampling: all-equal groups carry no signal; keep the first L of the others
        order = sorted(kept)
        keep = set(order[: st.prompts_per_step]) if kind != "c3po" else set(order)
        dropped_groups = len(order) - len(keep)
        stale += sum(len(s.response_ids) for s in samples if s.group not in keep)
        samples = [s for s in samples if s.group in keep]
    if kind == "c3po":
        rng = random.Random(seed_of(ctx.cfg.seed, st.name, step, "select"))
        selections = [select_budget(samples, st.token_budget, rng, carried, order=st.selection_order)]
        for _ in range(updates - 1):
            selections.append(select_budget((), st.token_budget, rng, selections[-1].leftover))
    else:
        selections = [select_all(carried + samples)]
    leftover = selections[-1].leftover
    ctx.state.carried = list(leftover) if st.carry_over else []
    info = rollout_info(tallies, rounds, dropped_groups, ctx.trainer_old_logprobs)
    carried_out = available_tokens(leftover) if st.carry_over else 0
    dropped = stale + (0 if st.carry_over else available_tokens(leftover))
    items = []
    for i, sel in enumerate(selections):
        last = i == len(selections) - 1
        phi = {"phi_selected_tokens": sel.selected_tokens, "phi_carried_tokens": carried_out if last else 0,
               "phi_dropped_tokens": dropped if last else 0, "shortfall": max(sel.shortfall, 0), "update": i + 1}
        rollout = info if i == 0 else {**info, "generated_tokens": 0, "rounds": 0, "samples": []}
        items.append((sel, {**rollout, **phi}))
    ctx.state.queue = items[1:]
    return items[0]


def _rounds(ctx: Context, step: int, carried: list[Sample], updates: int) -> tuple[list[Sample], list[RoundTally], set[Group], int]:
    """Rounds of rollouts, every rank's gathered, until the step has enough (or the refill limit):
    (samples, tallies, groups with unequal rewards, rounds)."""
    st, kind = ctx.stage, ctx.cfg.loss.kind
    samples: list[Sample] = []
    tallies: list[RoundTally] = []
    rounds = 0
    while True:
        new, tally = rollout_round(ctx, step, rounds)
        rounds += 1
        for rank_samples, rank_tally in ctx.world.gather((new, tally)):
            samples += rank_samples
            tallies.append(rank_tally)
        uniform = set().union(*(t.uniform for t in tallies))
        kept = {s.group for s in samples} - uniform
        tokens = available_tokens(carried) + sum(s.remaining for s in samples if s.group not in uniform)
        enough = ((kind != "c3po" or tokens >= updates * st.token_budget)
                  and (not ctx.skip_uniform or len(kept) >= st.prompts_per_step))
        if enough or rounds > st.max_refill_rounds:
            return samples, tallies, kept, rounds


def rollout_info(tallies: list[RoundTally], rounds: int, dropped_groups: int, gap: bool) -> dict:
    """The step's rollout metrics from its rounds' tallies (every rank's)."""
    by_domain: dict[str, list[float]] = {}
    reasons: dict[str, int] = {}
    for t in tallies:
        for d, vals in t.rewards_by_domain.items():
            by_domain.setdefault(d, []).extend(vals)
        for reason, n in t.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    all_rewards = [r for vals in by_domain.values() for r in vals]
    n = max(len(all_rewards), 1)
    generated = sum(t.generated for t in tallies)
    info = {
        "reward": sum(all_rewards) / n,
        "reward_by_domain": {d: sum(v) / len(v) for d, v in sorted(by_domain.items())},
        "reward_by_reason": dict(sorted(reasons.items())),
        "truncation_rate": sum(t.truncated for t in tallies) / n,
        "response_len": generated / n,
        "generated_tokens": generated,
        "rounds": rounds,
        "dropped_groups": dropped_groups,
        "samples": tallies[0].examples if tallies else [],  # rank 0's first round; popped into samples.jsonl
    }
    gap_tokens = sum(t.gap_tokens for t in tallies)
    if gap and gap_tokens:
        info["logprob_gap_mean"] = sum(t.gap_sum for t in tallies) / gap_tokens
        info["logprob_gap_max"] = max(t.gap_max for t in tallies)
    return info
