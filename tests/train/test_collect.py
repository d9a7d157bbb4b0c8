"""The collection loop's typed parts: grading overlapped with sampling gives the synchronous
round's verdicts and starts before the engine is done; the state a checkpoint saves is exactly
the `TrainState`; every rollout backend declares what the loop calls on it."""

from __future__ import annotations

import threading
import time
from dataclasses import fields

import pytest
import torch

from tests.train.test_guards import Scripted, _ctx, parts, right  # noqa: F401 - parts is a fixture
from train.backends.base import RolloutBackend
from train.checkpoint import TrainState, load_checkpoint, save_checkpoint
from train.collect import collect, rollout_round


class Timed(Scripted):
    """Scripted, slow to sample (so grading has something to overlap with), logging when each call ends."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.ends: list[float] = []

    def generate(self, prompts, config):
        time.sleep(0.3)
        out = super().generate(prompts, config)
        self.ends.append(time.perf_counter())
        return out


class Logged:
    """The real rewarder, logging when each call starts and on which thread."""

    def __init__(self, rewarder) -> None:
        self.rewarder, self.starts = rewarder, []

    def __call__(self, items):
        self.starts.append((time.perf_counter(), threading.current_thread().name))
        return self.rewarder(items)


def test_grading_overlapped_with_sampling_gives_the_synchronous_verdicts_and_starts_early(parts):
    script = lambda p, k: (right(p) if (k + len(p.question)) % 3 else "\\boxed{-1}", "stop" if k else "length")  # noqa: E731
    results = {}
    warm = _ctx(parts, script)  # the verifier processes started before either timed round: a cold
    warm.rewarder([(p, right(p)) for p in warm.problems[:4]])  # start under load can time a verdict out
    for chunk in (0, 1):
        ctx = _ctx(parts, script, prompts_per_step=4, samples_per_prompt=3, grade_while_sampling=chunk)
        ctx.backend = Timed(ctx.tokenizer, ctx.problems, script)
        ctx.rewarder = Logged(ctx.rewarder)
        samples, tally = rollout_round(ctx, 0, 0)
        results[chunk] = ([(s.response_ids, s.reward, s.advantage, s.group) for s in samples], tally.reasons)
        if chunk:
            assert ctx.backend.calls == 4  # one engine call per prompt
            first_grade = min(t for t, _ in ctx.rewarder.starts)
            assert first_grade < ctx.backend.ends[-1]  # the first group was graded before sampling ended
            assert all(name.startswith("grade") for _, name in ctx.rewarder.starts)
        else:
            assert ctx.backend.calls == 1 and len(ctx.rewarder.starts) == 1
    assert results[0] == results[1]
    assert results[0][1]["truncated"] == 4  # k = 0 of each prompt ran out of tokens: never graded


def test_the_checkpoint_saves_exactly_the_train_state(tmp_path, parts):
    tok, model, _ = parts
    script = lambda p, k: (right(p) if k % 2 else "\\boxed{7}", "stop")  # noqa: E731
    ctx = _ctx(parts, script, token_budget=40, updates_per_rollout=3, carry_over=True)
    collect(ctx, 0)
    ctx.state.step, ctx.state.eval_before = 1, 0.25
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    path = save_checkpoint(tmp_path, model, opt, sched, ctx.state)
    saved = torch.load(path / "state.pt", weights_only=False)
    assert set(saved) - {"python_rng", "torch_rng"} == {f.name for f in fields(TrainState)}
    back = load_checkpoint(path, model, opt, sched)
    assert isinstance(back, TrainState) and back.step == 1 and back.cursor == ctx.state.cursor == 4
    assert back.carried == ctx.state.carried and back.eval_before == 0.25
    assert [sel for sel, _ in back.queue] == [sel for sel, _ in ctx.state.queue] and len(back.queue) == 2


@pytest.mark.parametrize("cls", ["train.backends.hf:HFBackend", "train.backends.vllm:VLLMBackend",
                                 "train.ray_rollout:RayRollout"])
def test_every_backend_has_what_the_protocol_declares(cls):
    import importlib

    module, name = cls.split(":")
    backend = getattr(importlib.import_module(module), name)
    methods = ("generate", "push_weights", "sleep", "wake_up", "close")
    assert all(callable(getattr(backend, m, None)) for m in methods), cls
    assert set(RolloutBackend.__annotations__) == {"dtype", "device"}
    # the attributes are set in __init__: read the source rather than start an engine
    import inspect

    init = inspect.getsource(backend.__init__)
    assert "self.dtype" in init and "self.device" in init, cls
