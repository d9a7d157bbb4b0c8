"""A training run as pictures and tables: `render_run(run_dir)` writes report.png and report.html,
`print_run_summary(run_dir, console)` prints the same figures in the terminal (`ringdata report`).

Panels (x = optimizer step, stages one after another, a dashed line where a stage starts):
reward (training mean and held-out), mean response length, tokens in the loss per step (Phi),
grad norm, entropy, tokens/s, KL to the reference, clip fraction. Per stage, a table: rewards, the
token budget's accounting (selected, dropped, carried tokens), mean KL, clip fraction, entropy,
truncation rate, and the verdicts by reason (a flat 0 reward with every verdict `no_answer` says
the model never boxes an answer). Reads RUN_DIR/<stage>/metrics.jsonl (or RUN_DIR/metrics.jsonl);
figures a run's records lack are shown as "-".
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from ringdata.errors import RingdataError
from train.metrics import read_metrics

PANELS = (  # (metric names, oldest last: the first present is plotted; title)
    (("reward",), "reward (train mean; dots = held-out)"),
    (("response_len",), "mean response length (tokens)"),
    (("phi_selected_tokens", "selected_tokens"), "tokens in the loss per step (Phi)"),
    (("grad_norm",), "grad norm (before clipping)"),
    (("entropy",), "mean token entropy (nats)"),
    (("tokens_per_s",), "trained tokens / s"),
    (("kl",), "KL to the reference (k3, per token)"),
    (("clip_fraction", "clip_frac"), "clip fraction (tokens with a clipped ratio)"),
)
# Metric names: the trainer's per-step records have used both names for these.
SELECTED, DROPPED, CARRIED = ("phi_selected_tokens", "selected_tokens"), ("phi_dropped_tokens", "dropped_tokens"), \
    ("phi_carried_tokens", "carried_tokens")
CLIP, BY_REASON = ("clip_fraction", "clip_frac"), ("reward_by_reason", "reasons")


def step_line(m: dict) -> str:
    """One training step in a line: the live bar's text, and the line a log gets per step."""
    parts = [f"reward {m['reward']:.3f}", f"len {m['response_len']:.0f}",
             f"tokens {_first(m, 'phi_selected_tokens', 'selected_tokens'):.0f}"]
    kl = _first(m, "kl")
    if kl is not None:
        parts.append(f"kl {kl:.2g}")
    parts.append(f"{m['tokens_per_s']:.0f} tok/s")
    return "  ".join(parts)


def _first(record: dict, *keys: str, default=None):
    """The value of the first key present: the trainer's metric names changed over versions."""
    for key in keys:
        if record.get(key) is not None:
            return record[key]
    return default


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
    fig, axes = plt.subplots(4, 2, figsize=(12, 13), constrained_layout=True)
    offset, rows = 0, []
    for (name, records), color in zip(stages, ("tab:blue", "tab:orange", "tab:green", "tab:red")):
        steps = [r for r in records if r.get("kind") == "step"]
        evals = [r for r in records if r.get("kind") == "eval" or "eval_reward" in r]
        for ax, (keys, title) in zip(axes.flat, PANELS):
            pts = [(offset + r["step"], _first(r, *keys)) for r in steps if _first(r, *keys) is not None]
            ax.plot([x for x, _ in pts], [y for _, y in pts], color=color, label=name)
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
    return {"stage": name, "steps": len(steps), "loss": steps[0].get("loss_kind", "?") if steps else "?",
            "held-out before": evals[0][1] if evals else None, "held-out after": evals[-1][1] if evals else None,
            **stage_stats(steps)}


def stage_stats(steps: list[dict]) -> dict:
    """A stage's figures for the tables: mean reward and step time; the token budget's accounting
    (Phi tokens selected into the loss, dropped, carried to the next step, summed over the
    stage); mean KL, clip fraction, entropy and truncation rate; verdicts by reason, summed. A
    figure the records do not carry is None (shown "-")."""
    def mean(*keys):
        vals = [_first(r, *keys) for r in steps]
        vals = [v for v in vals if v is not None]
        return sum(vals) / len(vals) if vals else None

    def total(*keys):
        vals = [_first(r, *keys) for r in steps]
        vals = [v for v in vals if v is not None]
        return int(sum(vals)) if vals else None

    reasons: dict[str, int] = {}
    for r in steps:
        for reason, n in (_first(r, *BY_REASON) or {}).items():
            reasons[reason] = reasons.get(reason, 0) + int(n)
    return {
        "mean reward": mean("reward"), "mean step time (s)": mean("step_time"),
        "Phi selected": total(*SELECTED), "Phi dropped": total(*DROPPED), "Phi carried": total(*CARRIED),
        "KL": mean("kl"), "clip fraction": mean(*CLIP), "entropy": mean("entropy"),
        "truncation rate": mean("truncation_rate"),
        "verdicts by reason": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
    }


def summary_rows(run_dir: Path) -> list[dict]:
    """One row of figures per stage (the HTML table and the terminal summary)."""
    rows = []
    for name, records in stage_metrics(Path(run_dir)):
        steps = [r for r in records if r.get("kind") == "step"]
        evals = [(r["step"], r["eval_reward"]) for r in records
                 if (r.get("kind") == "eval" or "eval_reward" in r) and r.get("eval_reward") is not None]
        rows.append(_summary(name, steps, evals))
    return rows


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 0.01 and v else f"{v:.3f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {n:,}" for k, n in v.items()) or "-"
    return "-" if v is None else str(v)


def print_run_summary(run_dir: Path, console) -> None:
    """The run's per-stage figures as terminal tables: rewards, the Phi accounting, the loss
    diagnostics, and verdicts by reason (why a reward stays at 0)."""
    from rich.table import Table

    rows = summary_rows(run_dir)
    groups = (  # (title, ((row key, short header), ...)): short headers keep a table inside 80 columns
        ("Reward", (("steps", "steps"), ("loss", "loss"), ("mean reward", "reward"), ("held-out before", "held-out before"),
                    ("held-out after", "held-out after"), ("mean step time (s)", "s/step"))),
        ("Token budget Phi (tokens, summed)",
         (("Phi selected", "selected"), ("Phi dropped", "dropped"), ("Phi carried", "carried"))),
        ("Loss diagnostics (means over steps)",
         (("KL", "KL"), ("clip fraction", "clipped"), ("entropy", "entropy"), ("truncation rate", "truncated"))),
    )
    for title, cols in groups:
        table = Table(title=title, title_justify="left")
        table.add_column("stage")
        for _, header in cols:
            table.add_column(header, justify="right")
        for r in rows:
            table.add_row(r["stage"], *[_cell(r[key]) for key, _ in cols])
        console.print(table)
    reasons = Table(title="Verdicts by reason (responses, all steps)", title_justify="left")
    reasons.add_column("stage")
    reasons.add_column("verdicts", overflow="fold")
    for r in rows:
        reasons.add_row(r["stage"], _cell(r["verdicts by reason"]))
    console.print(reasons)


def _html(run_dir: Path, png: Path, rows: list[dict]) -> str:
    img = base64.b64encode(png.read_bytes()).decode()
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r.values()) + "</tr>" for r in rows)
    return (
        f"<!doctype html><meta charset=utf-8><title>ringdata run {html.escape(run_dir.name)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}</style>"
        f"<h1>Training run {html.escape(str(run_dir))}</h1><table><tr>{head}</tr>{body}</table>"
        f"<p><img alt='training curves' src='data:image/png;base64,{img}'></p>"
    )
