"""The training report's figures: the Phi accounting, KL, clip fraction, entropy and verdicts by
reason per stage, from either generation of metric names, and the terminal summary."""

from __future__ import annotations

import io
import json

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
