"""Per-step metrics as JSON lines: RUN_DIR/<stage>/metrics.jsonl, one object per line.

`kind` is "step" (one optimizer step) or "eval" (held-out reward; step 0 is before training).
Step records carry: reward (mean over the step's graded responses), reward_by_domain,
reward_by_reason (verdict reason -> responses; "truncated" for those cut at max_response_tokens),
truncation_rate, response_len (mean response tokens), phi_selected_tokens (entering the loss),
phi_dropped_tokens, phi_carried_tokens, shortfall (Phi minus selected, c3po only), rounds (rollout
rounds drawn), dropped_groups (all-equal groups left out), update (which of `updates_per_rollout`),
grad_norm (before clipping), entropy, kl, clip_fraction, ratio, loss, lr, logprob_gap_mean and
logprob_gap_max (|trainer - sampler| old log-prob, when the trainer recomputes them), tokens_per_s
(selected tokens per second of the whole step), rollout_tokens_per_s, step_time, rollout_time
(the step's collection, on the sample-ahead thread when `sample_ahead = 1`), train_time, wait_time
(the trainer idle, waiting for rollouts) (seconds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class MetricsLog:
    """Appends records; on resume, forgets records past the checkpoint's step first."""

    def __init__(self, path: Path, *, resume_step: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is None:
            self.path.write_text("")
        elif self.path.exists():
            keep = [r for r in read_metrics(self.path) if r.get("step", 0) <= resume_step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in keep))

    def write(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """All records of a metrics.jsonl (a torn last line from a killed run is skipped)."""
    out = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out
