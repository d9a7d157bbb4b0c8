"""A training run as pictures and tables: `render_run(run_dir)` writes report.png and report.html,
`print_run_summary(run_dir, console)` prints the same figures in the terminal (`ringdata report`).

Panels (x = optimizer step, stages one after another, a dashed line where a stage starts):
reward (training mean and held-out), mean response length, tokens in the loss per step (Phi),
grad norm, entropy, tokens/s, KL to the reference, clip fraction, and the verdicts' reasons as
shares of each step's responses. Per stage, a table: rewards, the token budget's accounting
(selected, dropped, carried tokens), mean KL, clip fraction, entropy, truncation rate, and the
verdicts by reason (a flat 0 reward with every verdict `no_answer` says the model never boxes an
answer). The page adds what ran (model, seed, loss, backend; each stage's data, start model and
skipped prompts, from config.json and stage.json), a note saying why when the clip fraction is
0 at every step, reward by reason per step, sample generations (samples.jsonl: questions,
responses, reward and reason, from the first and last step) and the config. Reads
RUN_DIR/<stage>/metrics.jsonl (or RUN_DIR/metrics.jsonl); figures a run's records lack are "-".
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from ringdata.core.errors import RingdataError
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
    fig = plt.figure(figsize=(12, 16), layout="constrained")
    grid = fig.add_gridspec(5, 2)
    axes = [fig.add_subplot(grid[i // 2, i % 2]) for i in range(len(PANELS))]
    by_reason = fig.add_subplot(grid[4, :])  # the verdicts' reasons over steps: why the reward moves
    offset, rows, reason_pts, notes, dirs = 0, [], {}, [], dict(stage_dirs(run_dir, stages))
    for (name, records), color in zip(stages, ("tab:blue", "tab:orange", "tab:green", "tab:red")):
        steps = [r for r in records if r.get("kind") == "step"]
        evals = [r for r in records if r.get("kind") == "eval" or "eval_reward" in r]
        for ax, (keys, title) in zip(axes, PANELS):
            pts = [(offset + r["step"], _first(r, *keys)) for r in steps if _first(r, *keys) is not None]
            ax.plot([x for x, _ in pts], [y for _, y in pts], color=color, label=name)
            ax.set_title(title)
            if offset:
                ax.axvline(offset, color="grey", linestyle="--", linewidth=0.8)
        pts = [(offset + r["step"], r["eval_reward"]) for r in evals if r.get("eval_reward") is not None]
        if pts:
            axes[0].plot(*zip(*pts), "o--", color=color, label=f"{name} held-out")
        for r in steps:
            counts = _first(r, *BY_REASON) or {}
            for reason, n in counts.items():
                reason_pts.setdefault(reason, []).append((offset + r["step"], n / max(sum(counts.values()), 1)))
        if offset:
            by_reason.axvline(offset, color="grey", linestyle="--", linewidth=0.8)
        rows.append(_summary(name, steps, pts))
        note = flat_clip_note(dirs[name], steps)
        if note:
            notes.append(f"{name}: {note}")
        offset += max((r["step"] for r in steps), default=0)
    for reason, pts in sorted(reason_pts.items()):
        by_reason.plot(*zip(*pts), marker=".", label=reason)
    by_reason.set_title("verdicts by reason (share of the step's responses)")
    if reason_pts:
        by_reason.legend(fontsize=8, ncol=4)
    if notes:  # a flat 0 reads as a bug without the reason beside it
        axes[-1].text(0.5, 0.5, "flat at 0: one update per rollout batch\n(the note on the page says why)",
                      transform=axes[-1].transAxes, ha="center", va="center", fontsize=9, color="grey")
    for ax in [*axes, by_reason]:
        ax.set_xlabel("step")
    axes[0].legend(fontsize=8)
    png = run_dir / "report.png"
    fig.savefig(png, dpi=90)
    plt.close(fig)
    page = run_dir / "report.html"
    page.write_text(_html(run_dir, png, rows, _run_html(run_dir, stages, notes)))
    return page


def stage_dirs(run_dir: Path, stages: list[tuple[str, list[dict]]]) -> list[tuple[str, Path]]:
    """(stage, its directory): RUN_DIR/<stage>, or RUN_DIR itself for a one-stage metrics.jsonl."""
    run_dir = Path(run_dir)
    if (run_dir / "metrics.jsonl").is_file():
        return [(name, run_dir) for name, _ in stages]
    return [(name, run_dir / name) for name, _ in stages]


def _read_json(path: Path) -> dict:
    import json

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def flat_clip_note(stage_dir: Path, steps: list[dict]) -> str | None:
    """Why a stage's clip fraction is 0 at every step, or None when it is not flat at 0. With one
    optimizer update per rollout batch the policy that sampled is the policy being trained: with
    the trainer's own old log-probs the ratio pi/pi_old is exactly 1, with the sampler's it is 1
    up to the engines' arithmetic gap, inside the clip range either way."""
    clips = [_first(r, *CLIP) for r in steps]
    if not clips or any(c is None or c > 0 for c in clips):
        return None
    config, stage = _read_json(stage_dir / "config.json"), _read_json(stage_dir / "stage.json")
    spec = next((s for s in config.get("stages", ()) if s.get("name") == stage.get("stage", stage_dir.name)), {})
    updates, source = spec.get("updates_per_rollout"), stage.get("old_logprobs")
    ratios = [r["ratio"] for r in steps if r.get("ratio") is not None]
    mean_ratio = f" (mean ratio {sum(ratios) / len(ratios):.4f})" if ratios else ""
    eps = config.get("loss", {}).get("clip_eps")
    band = f" clip range 1 ± {eps}" if eps is not None else " the clip range"
    if updates == 1 and source == "trainer":
        why = ("one optimizer update per rollout batch (updates_per_rollout = 1) with the trainer's own old "
               f"log-probs: the ratio pi/pi_old is exactly 1{mean_ratio}, so no token can leave the{band}")
    elif updates == 1:
        why = ("one optimizer update per rollout batch (updates_per_rollout = 1): the ratio pi/pi_old is 1 up "
               f"to the sampler-trainer log-prob gap{mean_ratio}, which stays inside the{band}")
    else:
        why = f"no token's ratio pi/pi_old left the{band}{mean_ratio}"
    return f"the clip fraction is 0 at every step: {why}. The clip acts once a batch trains more than once " \
           "(stages.NAME.updates_per_rollout > 1)."


def read_samples(stage_dir: Path) -> list[dict]:
    """The stage's sample generations (samples.jsonl: a few responses per step with reward and reason)."""
    path = Path(stage_dir) / "samples.jsonl"
    return read_metrics(path) if path.is_file() else []


def _run_html(run_dir: Path, stages: list[tuple[str, list[dict]]], notes: list[str]) -> str:
    """The page's facts beside the curves: what ran (model, seed, loss, backend; per stage its data,
    start model, problems and skips), the notes, reward by reason, sample generations, the config."""
    import json

    dirs = stage_dirs(run_dir, stages)
    configs = {name: _read_json(d / "config.json") for name, d in dirs}
    infos = {name: _read_json(d / "stage.json") for name, d in dirs}
    first = next((c for c in configs.values() if c), {})
    e = lambda v: html.escape(_cell(v))  # noqa: E731
    parts = ["<h2>Run</h2>"]
    if first:
        loss = first.get("loss", {})
        facts = [("model", first.get("model")), ("seed", first.get("seed")), ("loss", loss.get("kind")),
                 ("rollout backend", first.get("backend")), ("device", first.get("device")),
                 ("max_model_len", first.get("max_model_len"))]
        parts.append("<table>" + "".join(f"<tr><th>{k}</th><td>{e(v)}</td></tr>" for k, v in facts) + "</table>")
        heads = ("stage", "data", "domains", "steps", "start model", "train problems", "held-out problems",
                 "skipped (prompt too long)", "device")
        body = []
        for name, _ in dirs:
            spec = next((s for s in configs[name].get("stages", ()) if s.get("name") == name), {})
            info, skipped = infos[name], infos[name].get("skipped_long_prompts", {})
            cells = (name, spec.get("data"), ", ".join(spec.get("domains", ())), spec.get("steps"),
                     info.get("start_model"), info.get("train_problems"), info.get("held_out_problems"),
                     f"{skipped.get('train', 0)} training, {skipped.get('held_out', 0)} held-out" if skipped else None,
                     info.get("device"))
            body.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        parts.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr>" + "".join(body) + "</table>")
    else:
        parts.append("<p>no config.json beside the metrics: the run's settings are unknown</p>")
    parts += [f"<p class=note>{html.escape(n)}</p>" for n in notes]
    parts.append("<h2>Reward by reason over steps</h2>" + _reasons_html(stages))
    parts.append("<h2>Sample generations</h2>" + _samples_html(dirs))
    if first:
        parts.append("<h2>Config</h2>" + "".join(
            f"<details><summary>{html.escape(name)} (config.json)</summary><pre>"
            f"{html.escape(json.dumps(c, indent=1))}</pre></details>" for name, c in configs.items() if c))
    return "".join(parts)


def _reasons_html(stages: list[tuple[str, list[dict]]]) -> str:
    """Per step, the responses by verdict reason and their mean reward: a flat reward with every
    verdict `no_answer` says the model never boxes an answer."""
    rows = []
    for name, records in stages:
        for r in records:
            if r.get("kind") == "step":
                counts = _first(r, *BY_REASON) or {}
                rows.append((name, r["step"], r.get("reward"), ", ".join(f"{k} {n}" for k, n in sorted(
                    counts.items(), key=lambda kv: -kv[1])) or "-"))
    if not rows:
        return "<p>no training steps recorded</p>"
    return ("<table><tr><th>stage</th><th>step</th><th>reward</th><th>responses by reason</th></tr>"
            + "".join("<tr>" + "".join(f"<td>{html.escape(_cell(c))}</td>" for c in row) + "</tr>" for row in rows)
            + "</table>")


SAMPLES_SHOWN = 4  # sample generations per stage on the page: the first step's and the last step's


def _samples_html(dirs: list[tuple[str, Path]]) -> str:
    """A stage's first and last step's sample responses, each with its question, reward and reason."""
    blocks = []
    for name, d in dirs:
        samples = read_samples(d)
        if not samples:
            continue
        first, last = samples[0]["step"], samples[-1]["step"]
        shown = [s for s in samples if s["step"] == first][: SAMPLES_SHOWN // 2]
        shown += [s for s in samples if s["step"] == last and last != first][: SAMPLES_SHOWN - len(shown)]
        for s in shown:
            blocks.append(
                f"<div class=sample><p><b>{html.escape(name)}, step {s['step']}</b>: problem "
                f"{html.escape(str(s.get('problem')))} ({html.escape(str(s.get('domain')))}); reward "
                f"<b>{html.escape(_cell(s.get('reward')))}</b>, reason <b>{html.escape(str(s.get('reason')))}</b></p>"
                f"<pre>{html.escape(s.get('question', ''))}</pre><p>response:</p>"
                f"<pre>{html.escape(s.get('response', ''))}</pre></div>")
    return "".join(blocks) or "<p>no samples.jsonl in the stage directories (a run from before they were written)</p>"


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
    stages = stage_metrics(Path(run_dir))
    for (name, records), (_, d) in zip(stages, stage_dirs(run_dir, stages)):
        note = flat_clip_note(d, [r for r in records if r.get("kind") == "step"])
        if note:
            console.print(f"{name}: {note}", highlight=False)


def _html(run_dir: Path, png: Path, rows: list[dict], extra: str = "") -> str:
    img = base64.b64encode(png.read_bytes()).decode()
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r.values()) + "</tr>" for r in rows)
    return (
        f"<!doctype html><meta charset=utf-8><title>ringdata run {html.escape(run_dir.name)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd;"
        "text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em;max-height:20em;overflow:auto}"
        ".note{color:#8a5a00}.sample{border-left:3px solid #ccc;padding-left:1em;margin:1em 0}</style>"
        f"<h1>Training run {html.escape(str(run_dir))}</h1><table><tr>{head}</tr>{body}</table>"
        f"<p><img alt='training curves' src='data:image/png;base64,{img}'></p>{extra}"
    )


# ------------------------------------------------------------------------ several runs compared

COMPARE_PANELS = (  # (metric, title): the figures issue 22 asks of C3PO against GRPO and DAPO
    ("eval_reward", "held-out reward"),
    ("reward", "training reward (step mean)"),
    ("response_len", "mean response length (tokens)"),
    ("phi_selected_tokens", "tokens trained per step"),
    ("grad_norm", "grad norm (before clipping)"),
    ("step_time", "step time (s)"),
)
SPIKE = 2.0  # a grad-norm spike: a step whose norm exceeds SPIKE x the run's median


def is_comparison_dir(path: Path) -> bool:
    """Runs side by side: subdirectories named METHOD-SEED, each a training run (bench_train.py)."""
    return bool(comparison_runs(path))


def comparison_runs(root: Path) -> dict[str, list[Path]]:
    """method -> its runs (METHOD-SEED subdirectories holding stage dirs with metrics), seeds in
    order. A stage dir of one run (its metrics.jsonl directly inside) is not a run."""
    runs: dict[str, list[Path]] = {}
    for d in sorted(Path(root).iterdir()) if Path(root).is_dir() else ():
        method, sep, seed = d.name.rpartition("-")
        if d.is_dir() and sep and seed.isdigit() and any(d.glob("*/metrics.jsonl")):
            runs.setdefault(method, []).append(d)
    return runs


def run_figures(records: list[dict]) -> dict:
    """One run's comparison figures. Step 1 is left out of the timing (it pays the warm-ups).
    `tokens_cv` is the coefficient of variation of the tokens trained per step (C3PO's is 0 by
    construction); `grad_var`, `grad_cv` and `grad_spikes` (steps above SPIKE x the median norm)
    are what Ring-lite's Figs. 7-8 compare; `rollout_tokens` the generated tokens per step, the
    rollout budget every method should share."""
    import statistics as st

    steps = [r for r in records if r.get("kind") == "step"]
    evals = [r["eval_reward"] for r in records if r.get("eval_reward") is not None]
    tokens = [_first(r, *SELECTED, default=0) for r in steps]
    grads = [r["grad_norm"] for r in steps]
    times = [r["step_time"] for r in steps[1:]] or [r["step_time"] for r in steps]
    lens = [r["response_len"] for r in steps]
    cv = lambda xs: st.pstdev(xs) / st.mean(xs) if xs and st.mean(xs) else 0.0  # noqa: E731
    median = st.median(grads) if grads else 0.0
    third = max(len(lens) // 3, 1)
    return {
        "steps": len(steps), "tokens_mean": st.mean(tokens) if tokens else 0.0, "tokens_cv": cv(tokens),
        "grad_mean": st.mean(grads) if grads else 0.0, "grad_var": st.pvariance(grads) if grads else 0.0,
        "grad_cv": cv(grads), "grad_spikes": sum(g > SPIKE * median for g in grads),
        "held_before": evals[0] if evals else None, "held_after": evals[-1] if evals else None,
        "len_first": st.mean(lens[:third]) if lens else None, "len_last": st.mean(lens[-third:]) if lens else None,
        "reward_mean": st.mean(r["reward"] for r in steps) if steps else None,
        "step_time": st.mean(times) if times else 0.0, "step_time_cv": cv(times),
        "rollout_tokens": st.mean(r["generated_tokens"] for r in steps) if steps else 0.0,
    }


def comparison_table(root: Path) -> dict[str, list[tuple[str, dict]]]:
    """method -> [(run name, run_figures)] for every run under `root` (all stages' records)."""
    out: dict[str, list[tuple[str, dict]]] = {}
    for method, dirs in comparison_runs(root).items():
        for d in dirs:
            records = [r for _, recs in stage_metrics(d) for r in recs]
            out.setdefault(method, []).append((d.name, run_figures(records)))
    return out


def render_comparison(root: Path) -> Path:
    """The methods' curves side by side (thin: each seed; thick: the mean over seeds) in
    ROOT/report.png, with the per-run figures in ROOT/report.html; returns the page."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    root = Path(root)
    runs = comparison_runs(root)
    fig, axes = plt.subplots(3, 2, figsize=(12, 11), constrained_layout=True)
    colors = dict(zip(sorted(runs), ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")))
    for method, dirs in sorted(runs.items()):
        for ax, (key, title) in zip(axes.flat, COMPARE_PANELS):
            curves = []
            for d in dirs:
                records = [r for _, recs in stage_metrics(d) for r in recs]
                pts = [(r["step"], r[key]) for r in records if r.get(key) is not None
                       and (key == "eval_reward" or r.get("kind") == "step")]
                if pts:
                    ax.plot(*zip(*pts), color=colors[method], alpha=0.25, linewidth=0.8)
                    curves.append(dict(pts))
            common = sorted(set.intersection(*(set(c) for c in curves))) if curves else []
            if common:
                ax.plot(common, [sum(c[x] for c in curves) / len(curves) for x in common], color=colors[method],
                        linewidth=2, marker="o" if key == "eval_reward" else None, label=f"{method} ({len(curves)} seeds)")
            ax.set_title(title)
            ax.set_xlabel("step")
    axes.flat[0].legend(fontsize=8)
    png = root / "report.png"
    fig.savefig(png, dpi=90)
    plt.close(fig)
    rows = [{"run": name, **figs} for _, items in sorted(comparison_table(root).items()) for name, figs in items]
    page = root / "report.html"
    page.write_text(_html(root, png, rows))
    return page


def print_comparison(root: Path, console) -> None:
    """Every run's figures, then each method's means over its seeds."""
    import statistics as st

    from rich.table import Table

    table = comparison_table(Path(root))
    cols = (("tokens_mean", "tokens/step"), ("tokens_cv", "tokens CV"), ("grad_var", "grad var"),
            ("grad_cv", "grad CV"), ("grad_spikes", "spikes"), ("held_before", "held-out before"),
            ("held_after", "after"), ("len_first", "len first 1/3"), ("len_last", "last 1/3"),
            ("step_time", "s/step"), ("rollout_tokens", "generated/step"))
    for title, rows in (("Every run", [(n, f) for items in table.values() for n, f in items]),
                        ("Means over seeds", [(m, {k: st.mean(f[k] for _, f in items if f[k] is not None)
                                                   if any(f[k] is not None for _, f in items) else None
                                                   for k, _ in cols}) for m, items in sorted(table.items())])):
        t = Table(title=title, title_justify="left")
        t.add_column("run")
        for _, header in cols:
            t.add_column(header, justify="right")
        for name, figs in rows:
            t.add_row(name, *[_cell(figs[k]) for k, _ in cols])
        console.print(t)
