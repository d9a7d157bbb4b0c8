"""A training run as pictures: `render_run(run_dir)` writes report.png and report.html.

Panels (x = optimizer step, stages one after another, a dashed line where a stage starts):
reward (training mean and held-out), mean response length, tokens in the loss per step,
grad norm, entropy, tokens/s. Reads RUN_DIR/<stage>/metrics.jsonl (or RUN_DIR/metrics.jsonl).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from ringdata.errors import RingdataError
from train.metrics import read_metrics

PANELS = (
    ("reward", "reward (train mean; dots = held-out)"),
    ("response_len", "mean response length (tokens)"),
    ("phi_selected_tokens", "tokens in the loss per step"),
    ("grad_norm", "grad norm (before clipping)"),
    ("entropy", "mean token entropy (nats)"),
    ("tokens_per_s", "trained tokens / s"),
)


def is_run_dir(path: Path) -> bool:
    """A training run: metrics.jsonl here or in a stage subdirectory."""
    return (path / "metrics.jsonl").is_file() or any(path.glob("*/metrics.jsonl"))


def stage_metrics(run_dir: Path) -> list[tuple[str, list[dict]]]:
    """(stage, records) in the order the stages ran (by the first record's file time)."""
    run_dir = Path(run_dir)
    files = [run_dir / "metrics.jsonl"] if (run_dir / "metrics.jsonl").is_file() else sorted(
        run_dir.glob("*/metrics.jsonl"), key=lambda p: p.stat().st_ctime)
    if not files:
        raise RingdataError(f"{run_dir}: no metrics.jsonl here or in a stage subdirectory")
    return [(f.parent.name, read_metrics(f)) for f in files]


def reward_trend(metrics_path: Path, window: int = 3) -> tuple[float, float] | None:
    """Mean training reward of the first and of the last `window` steps of a stage."""
    steps = [r for r in read_metrics(metrics_path) if r.get("kind") == "step"]
    if not steps:
        return None
    head, tail = steps[:window], steps[-window:]
    return sum(r["reward"] for r in head) / len(head), sum(r["reward"] for r in tail) / len(tail)


def render_run(run_dir: Path) -> Path:
    """Plot the run's metrics to RUN_DIR/report.png and an HTML page around it; returns the page."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    stages = stage_metrics(run_dir)
    fig, axes = plt.subplots(3, 2, figsize=(12, 10), constrained_layout=True)
    offset, rows = 0, []
    for (name, records), color in zip(stages, ("tab:blue", "tab:orange", "tab:green", "tab:red")):
        steps = [r for r in records if r.get("kind") == "step"]
        evals = [r for r in records if r.get("kind") == "eval" or "eval_reward" in r]
        for ax, (key, title) in zip(axes.flat, PANELS):
            xs = [offset + r["step"] for r in steps if key in r]
            ax.plot(xs, [r[key] for r in steps if key in r], color=color, label=name)
            ax.set_title(title)
            if offset:
                ax.axvline(offset, color="grey", linestyle="--", linewidth=0.8)
        pts = [(offset + r["step"], r["eval_reward"]) for r in evals if r.get("eval_reward") is not None]
        if pts:
            axes.flat[0].plot(*zip(*pts), "o--", color=color, label=f"{name} held-out")
        rows.append(_summary(name, steps, pts))
        offset += max((r["step"] for r in steps), default=0)
    for ax in axes.flat:
        ax.set_xlabel("step")
    axes.flat[0].legend(fontsize=8)
    png = run_dir / "report.png"
    fig.savefig(png, dpi=90)
    plt.close(fig)
    page = run_dir / "report.html"
    page.write_text(_html(run_dir, png, rows))
    return page


def _summary(name: str, steps: list[dict], evals: list[tuple[int, float]]) -> dict:
    mean = lambda k: sum(r[k] for r in steps) / len(steps) if steps else float("nan")  # noqa: E731
    return {
        "stage": name, "steps": len(steps), "loss": steps[0].get("loss_kind", "?") if steps else "?",
        "held-out before": evals[0][1] if evals else None, "held-out after": evals[-1][1] if evals else None,
        "mean reward": mean("reward"), "mean tokens/step": mean("phi_selected_tokens"),
        "mean step time (s)": mean("step_time"),
    }


def _html(run_dir: Path, png: Path, rows: list[dict]) -> str:
    img = base64.b64encode(png.read_bytes()).decode()
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    cell = lambda v: f"{v:.3f}" if isinstance(v, float) else ("-" if v is None else html.escape(str(v)))  # noqa: E731
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r.values()) + "</tr>" for r in rows)
    return (
        f"<!doctype html><meta charset=utf-8><title>ringdata run {html.escape(run_dir.name)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}</style>"
        f"<h1>Training run {html.escape(str(run_dir))}</h1><table><tr>{head}</tr>{body}</table>"
        f"<p><img alt='training curves' src='data:image/png;base64,{img}'></p>"
    )
