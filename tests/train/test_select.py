"""Ring-lite's SFT checkpoint rule: entropy band first, then probe accuracy."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from sandboxes import SandboxChoice
from train.rewarder import Rewarder
from train.select import CheckpointScore, SelectConfig, choose, response_entropy, select_checkpoint
from train.tiny import TinyConfig, build_model, build_tokenizer
from train.toy import math_problems

BAND = (0.3, 0.5)


def _s(name, entropy, accuracy):
    return CheckpointScore(Path(name), entropy, accuracy, 100, BAND[0] <= entropy <= BAND[1])


@pytest.mark.parametrize(
    "scores,chosen",
    [
        # the most accurate checkpoint is over-fitted (entropy collapsed): the band wins
        ([_s("a", 0.10, 0.90), _s("b", 0.40, 0.70), _s("c", 0.45, 0.60)], "b"),
        # inside the band, accuracy decides
        ([_s("a", 0.31, 0.50), _s("b", 0.49, 0.55), _s("c", 0.90, 0.99)], "b"),
        # band edges count as inside
        ([_s("a", 0.30, 0.20), _s("b", 0.29, 0.99)], "a"),
        # nothing inside: the band cannot decide, accuracy does (issue 23: 0.512 was taken over
        # 0.527 because its entropy was 0.001 nearer a band neither was in)
        ([_s("a", 0.05, 0.90), _s("b", 0.70, 0.50), _s("c", 0.25, 0.10)], "a"),
        ([_s("a", 0.20, 0.10), _s("b", 0.60, 0.30)], "b"),
        ([_s("a", 0.299, 0.512), _s("b", 0.502, 0.527)], "b"),
        # equal accuracy: the nearer to the band
        ([_s("a", 0.05, 0.50), _s("b", 0.55, 0.50)], "b"),
    ],
)
def test_choose(scores, chosen):
    choice = choose(scores, BAND)
    assert choice.chosen.path == Path(chosen)
    assert ("no checkpoint has entropy" in choice.why) == (not any(s.in_band for s in scores))
    if not any(s.in_band for s in scores):  # what the rule did, in words
        assert "took the best probe accuracy" in choice.why and "the nearest" in choice.why


def test_response_entropy_matches_a_manual_forward():
    from train.rollout import Rollout

    tok = build_tokenizer()
    model = build_model(tok, TinyConfig(hidden=64, layers=1, heads=2, intermediate=64), seed=1).eval()
    rollouts = [Rollout(0, (5, 6, 7), (8, 9), (0.0, 0.0), "", "stop"), Rollout(0, (5,), (10, 11, 12), (0.0,) * 3, "", "stop")]
    total, count = response_entropy(model, rollouts)
    want = 0.0
    for r in rollouts:
        ids = torch.tensor([list(r.prompt_ids) + list(r.response_ids)])
        with torch.no_grad():
            probs = torch.softmax(model(input_ids=ids).logits[0], -1)
        ent = -(probs * probs.log()).sum(-1)
        want += float(ent[len(r.prompt_ids) - 1 : len(r.prompt_ids) - 1 + len(r.response_ids)].sum())
    assert count == 5 and total == pytest.approx(want, rel=1e-5)


def test_fitted_checkpoint_beats_an_unfitted_one(tmp_path, tiny_dir):
    # a random-init copy of the tiny model: near-uniform next-token distribution, no reward
    tok = build_tokenizer()
    raw = tmp_path / "random-init"
    build_model(tok, TinyConfig(), seed=0).save_pretrained(raw)
    tok.save_pretrained(raw)
    fitted = tiny_dir
    probe = math_problems(16, seed=0)
    cfg = SelectConfig(band=(0.0, 1.5), samples=2, max_tokens=16, backend="hf")
    choice = select_checkpoint([raw, fitted], probe, Rewarder(SandboxChoice("local")), cfg)
    by = {s.path: s for s in choice.scores}
    assert by[raw].entropy > 3.0 and by[raw].accuracy == 0.0  # ~log(vocab) nats
    assert by[fitted].entropy < by[raw].entropy and by[fitted].accuracy > 0.0
    assert choice.chosen.path == fitted and by[fitted].tokens > 0
