"""The training report's figures: the Phi accounting, KL, clip fraction, entropy and verdicts by
reason per stage, from either generation of metric names, and the terminal summary."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from train.report import print_run_summary, step_line, summary_rows

OLD = {"kind": "step", "stage": "math", "reward": 0.0, "response_len": 30, "selected_tokens": 1000, "dropped_tokens": 50,
       "carried_tokens": 5, "kl": 0.002, "clip_frac": 0.1, "entropy": 1.5, "reasons": {"no_answer": 16},
       "tokens_per_s": 100.0, "step_time": 2.0}
NEW = {"kind": "step", "stage": "code", "reward": 0.5, "response_len": 30, "phi_selected_tokens": 2048,
       "phi_dropped_tokens": 0, "phi_carried_tokens": 100, "kl": 0.01, "clip_fraction": 0.3, "entropy": 0.7,
       "truncation_rate": 0.25, "reward_by_reason": {"correct": 4, "wrong_answer": 4}, "tokens_per_s": 100.0,
       "step_time": 1.0}


def _run(tmp_path):
    for stage, record in (("math", OLD), ("code", NEW)):
        (tmp_path / stage).mkdir()
        lines = [json.dumps({**record, "step": s}) for s in (1, 2)]
        (tmp_path / stage / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_both_metric_namings_are_summed_per_stage(tmp_path):
    rows = {r["stage"]: r for r in summary_rows(_run(tmp_path))}
    assert (rows["math"]["Phi selected"], rows["math"]["Phi dropped"], rows["math"]["Phi carried"]) == (2000, 100, 10)
    assert (rows["code"]["Phi selected"], rows["code"]["Phi carried"]) == (4096, 200)
    assert rows["math"]["clip fraction"] == 0.1 and rows["code"]["clip fraction"] == 0.3
    assert rows["math"]["truncation rate"] is None and rows["code"]["truncation rate"] == 0.25
    assert rows["math"]["verdicts by reason"] == {"no_answer": 32}  # why the reward is a flat 0
    assert rows["code"]["verdicts by reason"] == {"correct": 8, "wrong_answer": 8}


def test_terminal_summary_fits_80_columns(tmp_path):
    """Nothing cut: with the widths of a real run (`ringdata report runs/demo` printed "trunca…"
    when KL read 0.00077 and the Phi sums ran to thousands), every header and value is whole."""
    wide = {"phi_selected_tokens": 1_234_567, "phi_dropped_tokens": 1_234_567, "phi_carried_tokens": 1_234_567,
            "kl": 0.00077, "clip_fraction": 0.00123, "entropy": 0.00456, "truncation_rate": 0.0625}
    run = _run(tmp_path)
    (run / "wide").mkdir()
    (run / "wide" / "metrics.jsonl").write_text(json.dumps({**NEW, **wide, "stage": "wide", "step": 1}) + "\n")
    buf = io.StringIO()
    print_run_summary(run, Console(file=buf, width=80))
    text = buf.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text, text
    for words in ("Token budget Phi", "selected", "clipped", "truncated", "no_answer 32", "correct 8", "0.002"):
        assert words in text, words


def test_step_line():
    assert step_line({**NEW, "step": 1}) == "reward 0.500  len 30  tokens 2048  kl 0.01  100 tok/s"


def _compare(tmp_path):
    """Two methods x two seeds: c3po at a constant 100 tokens, grpo at 50..150 with one spike."""
    for method, tokens, grads in (("c3po", [100] * 4, [1.0, 1.1, 0.9, 1.0]), ("grpo", [50, 150, 50, 150], [1.0, 1.0, 5.0, 1.0])):
        for seed in (0, 1):
            stage = tmp_path / f"{method}-{seed}" / "chain"
            stage.mkdir(parents=True)
            lines = [{"kind": "eval", "step": 0, "eval_reward": 0.1}]
            lines += [{**NEW, "step": s + 1, "phi_selected_tokens": t, "grad_norm": g, "generated_tokens": 200,
                       "response_len": 10.0 + s, "eval_reward": 0.2 if s == 1 else None}
                      for s, (t, g) in enumerate(zip(tokens, grads))]
            lines.append({"kind": "eval", "step": 4, "eval_reward": 0.3 + seed / 10})
            (stage / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    return tmp_path


def test_runs_side_by_side_are_tabled_and_drawn_per_method(tmp_path):
    from train.report import comparison_table, is_comparison_dir, print_comparison, render_comparison

    root = _compare(tmp_path / "cmp")
    (tmp_path / "one").mkdir()
    assert is_comparison_dir(root) and not is_comparison_dir(_run(tmp_path / "one"))  # a run's stages are not runs
    table = comparison_table(root)
    assert sorted(table) == ["c3po", "grpo"] and [n for n, _ in table["grpo"]] == ["grpo-0", "grpo-1"]
    c3po, grpo = table["c3po"][0][1], table["grpo"][1][1]
    assert c3po["tokens_cv"] == 0.0 and grpo["tokens_cv"] == 0.5 and grpo["tokens_mean"] == 100
    assert c3po["grad_spikes"] == 0 and grpo["grad_spikes"] == 1 and grpo["grad_var"] > c3po["grad_var"]
    assert (grpo["held_before"], grpo["held_after"], grpo["rollout_tokens"]) == (0.1, pytest.approx(0.4), 200)
    page = render_comparison(root)
    assert page == root / "report.html" and (root / "report.png").stat().st_size > 10_000
    assert "grpo-1" in page.read_text()
    buf = io.StringIO()
    print_comparison(root, Console(file=buf, width=200))
    assert "Means over seeds" in buf.getvalue() and "grpo-0" in buf.getvalue()


@pytest.fixture(scope="module")
def chain_run(tmp_path_factory):
    """A real two-step run of the chain model (seconds on a CPU): its page is what a user reads."""
    from dataclasses import replace
    from pathlib import Path

    from train.built import built_model_dir
    from train.config import load_config
    from train.loop import run

    cfg = load_config(Path(__file__).resolve().parents[2] / "configs/chain.toml")
    stage = replace(cfg.stages[0], steps=2, prompts_per_step=4, samples_per_prompt=2, token_budget=96,
                    eval_problems=4, eval_samples=1, eval_every=0, checkpoint_every=0)
    cfg = replace(cfg, model=str(built_model_dir("tiny-chain")), seed=7, stages=(stage,))
    out = tmp_path_factory.mktemp("run")
    run(cfg, cfg.stages, out)
    return out


def test_the_page_says_what_ran_and_shows_samples_and_reasons(chain_run):
    """The report page of a real run: the model, seed and data; sample generations with their
    reward and reason (samples.jsonl, written by the loop); reward by reason per step; the clip
    fraction's flat 0 explained (one update per rollout batch)."""
    import html as html_lib

    from train.metrics import read_metrics
    from train.report import read_samples, render_run

    samples = read_samples(chain_run / "chain")
    assert [s["step"] for s in samples] == [1, 1, 2, 2]
    assert all(s["question"] and "response" in s and s["reason"] and s["reward"] in (0.0, 1.0) for s in samples)
    page = render_run(chain_run).read_text()
    config = json.loads((chain_run / "chain" / "config.json").read_text())
    for fact in (html_lib.escape(config["model"]), "<th>seed</th><td>7</td>", "<td>chain</td>", "c3po"):
        assert fact in page, fact
    for s in samples:  # the first and the last step's, each with its question, response and verdict
        assert html_lib.escape(s["question"]) in page and f"reason <b>{s['reason']}</b>" in page
    assert "Reward by reason over steps" in page and "Sample generations" in page
    steps = [r for r in read_metrics(chain_run / "chain" / "metrics.jsonl") if r["kind"] == "step"]
    for r in steps:
        assert ", ".join(f"{k} {n}" for k, n in sorted(r["reward_by_reason"].items(), key=lambda kv: -kv[1])) in page
    assert all(r["clip_fraction"] == 0 for r in steps)  # one update per rollout: the ratio is (near) 1
    assert "the clip fraction is 0 at every step: one optimizer update per rollout batch" in page
    buf = io.StringIO()
    print_run_summary(chain_run, Console(file=buf, width=80))
    assert "the clip fraction is 0 at every step" in buf.getvalue()


def test_a_clip_fraction_that_moves_gets_no_note(tmp_path):
    from train.report import flat_clip_note

    assert flat_clip_note(tmp_path, [{"clip_fraction": 0.0}, {"clip_fraction": 0.01}]) is None
    assert flat_clip_note(tmp_path, []) is None
    assert "no token's ratio" in flat_clip_note(tmp_path, [{"clip_fraction": 0.0}])  # no config beside it
