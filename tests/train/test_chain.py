"""The chain task (train/chain.py): responses whose length varies with the problem, graded right
by the real math grader, and a held-out set the fit and RL never see."""

from __future__ import annotations

import statistics

from rewards import Reason, grade
from train.chain import chain_problems, worked_response
from train.config import StageConfig
from train.loop import load_problems
from train.tiny import build_tokenizer


def test_problems_are_seeded_distinct_and_the_whole_space_is_720():
    a, b = chain_problems(50, seed=3), chain_problems(50, seed=3)
    assert a == b and a != chain_problems(50, seed=4)
    every = chain_problems(10**6)
    assert len(every) == len({p.question for p in every}) == 90 * 8


def test_worked_responses_are_right_and_their_lengths_vary_from_a_few_tokens_to_over_a_hundred():
    tok = build_tokenizer()
    lengths = []
    for p in chain_problems(10**6):
        response = worked_response(p)
        numbers = [int(x) for x in response.split()[:-1]]
        assert numbers == list(range(p.metadata["n"] - p.metadata["d"], -1, -p.metadata["d"]))
        lengths.append(len(tok(response)["input_ids"]))
    assert min(lengths) <= 12 and max(lengths) >= 150
    assert statistics.pstdev(lengths) / statistics.mean(lengths) > 0.6  # the point of the task
    for p in chain_problems(12, seed=1):
        v = grade(p, f" {worked_response(p)}")
        assert v.correct and v.reason is Reason.CORRECT, (p.question, v)
        # stopping one step early boxes the wrong number
        early = worked_response(p).rsplit(" ", 2)[0] + f" \\boxed{{{p.metadata['n'] % p.metadata['d'] + p.metadata['d']}}}"
        assert not grade(p, early).correct


def test_held_out_problems_are_the_head_of_the_seed_0_stream_and_never_trained():
    stage = StageConfig(name="chain", data="chain", domains=("math",), toy_problems=10**6, eval_problems=64)
    train, held = load_problems(stage)
    assert held == chain_problems(64, seed=0)
    assert not {p.question for p in train} & {p.question for p in held}
    assert len(train) + len(held) == 720
