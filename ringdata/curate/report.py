"""The curation report: what went in, what each step removed and why, and what came out.

Three forms of the same facts, all written into the curate output directory:
- report.json: machine-readable (inputs with per-file row counts, per-step funnel, drops by step,
  reason and domain, notes such as "not in pass-rate table", timings, the config used);
- report.html: one self-contained page (the funnel chart embedded as a base64 PNG, the tables,
  and a few dropped examples per reason so a reader can judge each heuristic at a glance);
- funnel.png: the chart on its own.
`print_summary` renders the same tables in the terminal with rich (`ringdata report DIR`).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.console import Console
from rich.table import Table

from ringdata.curate.base import WORK_NOTES
from ringdata.core.errors import RingdataError

if TYPE_CHECKING:
    from ringdata.curate.base import CurateRun

REPORT_VERSION = 1
EXAMPLES_PER_REASON = 3  # dropped rows shown per reason in the HTML: enough to judge a heuristic


def build_report(run: "CurateRun", config: dict[str, Any]) -> dict[str, Any]:
    result = run.result
    kept_by_domain = dict(result.kept.group_by("domain").len().sort("domain").iter_rows()) if result.kept.height else {}
    by_reason: dict[str, int] = {}
    by_domain: dict[str, dict[str, int]] = {}
    steps = []
    for st in result.steps:
        for reason, n in st.dropped.items():
            by_reason[reason] = by_reason.get(reason, 0) + n
        for domain, reasons in st.dropped_by_domain.items():
            for reason, n in reasons.items():
                by_domain.setdefault(domain, {})[reason] = by_domain.get(domain, {}).get(reason, 0) + n
        steps.append(
            {
                "name": st.name,
                "rows_in": st.rows_in,
                "rows_out": st.rows_out,
                "seconds": round(st.seconds, 4),
                "dropped": st.dropped,
                "dropped_by_domain": st.dropped_by_domain,
                "notes": run.notes.get(st.name, {}),
            }
        )
    skipped = {k: v for k, v in run.notes.items() if k not in {s["name"] for s in steps}}
    return {
        "version": REPORT_VERSION,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "inputs": [{"file": i.file, "format": i.format, "rows": i.rows} for i in run.inputs],
        "rows_in": result.rows_in,
        "rows_kept": result.kept.height,
        "rows_dropped": result.dropped.height,
        "domains": {
            d: {"in": n, "kept": kept_by_domain.get(d, 0)} for d, n in sorted(run.domains_in.items())
        },
        "steps": steps,
        "skipped_steps": skipped,
        "dropped_by_reason": dict(sorted(by_reason.items(), key=lambda kv: -kv[1])),
        "dropped_by_domain": by_domain,
        "examples": _with_matched_text(_examples(result.dropped), result, config),
        "sources": _per_source(result),
        "question_lengths": _question_lengths(result.kept),
        "timings": {k: round(v, 4) for k, v in run.timings.items()},
        "config": config,
        "outputs": {"problems": "problems.parquet", "dropped": "dropped.parquet", "html": "report.html"},
    }


def _examples(dropped: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    if not dropped.height:
        return {}
    sample = (
        dropped.with_columns(pl.int_range(pl.len()).over("drop_reason").alias("_n"))
        .filter(pl.col("_n") < EXAMPLES_PER_REASON)
        .select("drop_reason", "id", "step", "drop_match", "question")
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sample.iter_rows(named=True):
        row["context"] = match_context(row["question"], row["drop_match"])
        row["question"] = row["question"][:300]
        out.setdefault(row.pop("drop_reason"), []).append(row)
    return out


CONTEXT_CHARS = 80  # question characters shown either side of what a drop matched


def match_context(question: str, match: str | None) -> str | None:
    """The question around the text a drop matched ("... the figure below shows ..."), the
    evidence for a drop whose match lies past the question's start; None when the match is not
    the question's own text (a survivor id, an evaluation item, a gold answer)."""
    at = question.find(match) if match else -1
    if at < 0:
        return None
    lo, hi = max(at - CONTEXT_CHARS, 0), min(at + len(match) + CONTEXT_CHARS, len(question))
    return ("…" if lo else "") + question[lo:hi] + ("…" if hi < len(question) else "")


# ---- per source, matched items, question lengths (issue 12) ----------------------------------

MATCHED_BY_ID = ("exact_duplicate", "near_duplicate")  # drop_match is the survivor's problem id
MATCHED_EVAL_ITEM = ("contaminated",)  # drop_match is "<evaluation set>:<item id>"
LENGTH_BINS = (0, 50, 100, 200, 400, 800, 1600, 3200, 6400)  # question characters; doubling bins
                                                              # fit lengths from one line to a page


def _per_source(result) -> dict[str, dict[str, Any]]:
    """source -> rows in, kept, dropped, and drops by reason: which input a step hits hardest."""
    kept = dict(result.kept.group_by("source").len().iter_rows()) if result.kept.height else {}
    out: dict[str, dict[str, Any]] = {
        src: {"in": n, "kept": n, "dropped": 0, "reasons": {}} for src, n in kept.items()
    }
    if result.dropped.height:
        for src, reason, n in result.dropped.group_by("source", "drop_reason").len().iter_rows():
            row = out.setdefault(src, {"in": 0, "kept": 0, "dropped": 0, "reasons": {}})
            row["in"] += n
            row["dropped"] += n
            row["reasons"][reason] = n
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["in"]))


def _with_matched_text(examples: dict[str, list[dict[str, Any]]], result, config: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each duplicate and contamination example gets `matched_text`: the start of the question it
    matched, so a reader judges the pair without looking the id up."""
    by_id = {e["drop_match"] for r in MATCHED_BY_ID for e in examples.get(r, []) if e.get("drop_match")}
    texts: dict[str, str] = {}
    if by_id:
        for frame in (result.kept, result.dropped):
            if frame.height:
                hits = frame.filter(pl.col("id").is_in(list(by_id))).select("id", "question")
                texts.update({i: q for i, q in hits.iter_rows() if i not in texts})
    labels = {e["drop_match"] for r in MATCHED_EVAL_ITEM for e in examples.get(r, []) if e.get("drop_match")}
    if labels:
        from ringdata.curate.decontam import item_questions, resolve_evalsets

        try:
            evalsets = resolve_evalsets(tuple(config.get("evalsets", ())))
        except RingdataError:  # a file named at curation time is gone: no texts, not a failure
            evalsets = ()
        texts.update(item_questions(evalsets, labels))
    for rows in examples.values():
        for e in rows:
            text = texts.get(e.get("drop_match") or "")
            e["matched_text"] = text[:300] if text else None
    return examples


def _question_lengths(kept: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """domain -> histogram of kept question lengths in characters over `LENGTH_BINS` (the last
    bin is open), plus the median: a prompt budget is set from this."""
    out: dict[str, dict[str, Any]] = {}
    if not kept.height:
        return out
    lengths = kept.select("domain", pl.col("question").str.len_chars().alias("n"))
    for (domain,), part in lengths.group_by("domain"):
        n = part["n"]
        counts = [int(((n >= lo) & (n < hi)).sum()) for lo, hi in zip(LENGTH_BINS, LENGTH_BINS[1:])]
        counts.append(int((n >= LENGTH_BINS[-1]).sum()))
        out[domain] = {"bins": list(LENGTH_BINS), "counts": counts, "median": float(n.median())}
    return dict(sorted(out.items()))


def lengths_png(report: dict[str, Any]) -> bytes | None:
    """One histogram panel per domain of the kept questions' lengths, or None when none were kept."""
    hist = report.get("question_lengths") or {}
    if not hist:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(hist), figsize=(3.6 * len(hist) + 0.6, 2.6), dpi=110, squeeze=False)
    for ax, (domain, h) in zip(axes[0], hist.items()):
        bins = h["bins"]
        labels = [f"{lo}-{hi}" for lo, hi in zip(bins, bins[1:])] + [f"{bins[-1]}+"]
        ax.bar(range(len(labels)), h["counts"], color="#54a24b")
        ax.set_xticks(range(len(labels)), labels, rotation=60, fontsize=7)
        ax.set_title(f"{domain}: median {h['median']:.0f} chars", fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].set_ylabel("kept problems")
    fig.suptitle("question length (characters) per domain", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _sources_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [
        [src, f"{v['in']:,}", f"{v['kept']:,}", f"{v['dropped']:,}",
         ", ".join(f"{r}: {n}" for r, n in sorted(v["reasons"].items(), key=lambda kv: -kv[1]))]
        for src, v in report.get("sources", {}).items()
    ]  # fmt: skip


# ---- writing ---------------------------------------------------------------------------------


def funnel_png(report: dict[str, Any]) -> bytes:
    """Two panels sharing the step axis: problems left after each step, and what each step
    dropped. Drops are often a few percent, invisible on the first panel alone."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["input"] + [s["name"] for s in report["steps"]]
    left = [report["rows_in"]] + [s["rows_out"] for s in report["steps"]]
    dropped = [0] + [s["rows_in"] - s["rows_out"] for s in report["steps"]]
    y = list(range(len(names)))[::-1]
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(10, 0.32 * len(names) + 1.4), dpi=110, sharey=True, gridspec_kw={"width_ratios": [3, 2]}
    )
    # Points on a line, not bars from 0: steps that drop 1% would all draw full-width bars. The
    # axis spans only the range the counts cover, and each point says its share of the input.
    ax.plot(left, y, "o-", color="#4c78a8")
    for yi, n in zip(y, left):
        ax.text(n, yi + 0.25, f"{n:,} ({100 * n / max(left[0], 1):.0f}%)", ha="center", fontsize=7)
    low, high = min(left), max(max(left), 1)
    pad = max((high - low) * 0.15, 1)
    ax.set_xlim(max(low - pad, 0), high + pad)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel("problems left after the step (axis does not start at 0)" if low - pad > 0 else "problems left after the step")
    ax2.barh(y, dropped, color="#e45756")
    for yi, d in zip(y, dropped):
        if d:
            ax2.text(d, yi, f" {d:,}", va="center", fontsize=8)
    ax2.set_xlim(0, max(max(dropped), 1) * 1.25)
    ax2.set_xlabel("problems dropped by the step")
    for a in (ax, ax2):
        a.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"curation funnel: {report['rows_in']:,} in, {report['rows_kept']:,} kept, {report['rows_dropped']:,} dropped")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def note_text(value: Any) -> str:
    """A step note as text: a count per name (drops per evaluation set) as "name n, name n"."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: dict[str, Any], png: bytes, lengths: bytes | None = None) -> str:
    steps = [
        [s["name"], f"{s['rows_in']:,}", f"{s['rows_out']:,}", f"{s['rows_in'] - s['rows_out']:,}",
         ", ".join(f"{r}: {n}" for r, n in s["dropped"].items()), f"{s['seconds']:.3f}",
         "; ".join(f"{k}: {note_text(v)}" for k, v in s["notes"].items())]
        for s in report["steps"]
    ]  # fmt: skip
    domains = sorted(report["dropped_by_domain"])
    reasons = [
        [r, n, *[report["dropped_by_domain"].get(d, {}).get(r, 0) for d in domains]]
        for r, n in report["dropped_by_reason"].items()
    ]
    examples = "".join(
        f"<h3>{html.escape(reason)}</h3>"
        + _table(["id", "step", "matched", "where it matched", "question (start)", "matched item (start)"],
                 [[e["id"], e["step"], e["drop_match"] or "", e.get("context") or "", e["question"],
                   e.get("matched_text") or ""] for e in rows])
        for reason, rows in report["examples"].items()
    )
    skipped = "".join(
        f"<p class=warn>{html.escape(k)} did not run: {html.escape(str(v.get('skipped', v)))}</p>"
        for k, v in report.get("skipped_steps", {}).items()
    )
    parts = [
        "<!doctype html><meta charset=utf-8><title>ringdata curation report</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;"
        "font-size:.9em;text-align:left;vertical-align:top}th{background:#f3f3f3}.warn{color:#b00}</style>",
        "<h1>ringdata curation report</h1>",
        f"<p>{report['rows_in']:,} problems in, <b>{report['rows_kept']:,} kept</b>, "
        f"{report['rows_dropped']:,} dropped; {report['timings'].get('total', 0):.2f} s; {html.escape(report['created'])}</p>",
        skipped,
        f"<img alt='curation funnel' src='data:image/png;base64,{base64.b64encode(png).decode()}'>",
        "<h2>Inputs</h2>",
        _table(["file", "format", "rows"], [[i["file"], i["format"], f"{i['rows']:,}"] for i in report["inputs"]]),
        "<h2>Domains</h2>",
        _table(["domain", "in", "kept"], [[d, v["in"], v["kept"]] for d, v in report["domains"].items()]),
        (f"<img alt='question lengths' src='data:image/png;base64,{base64.b64encode(lengths).decode()}'>" if lengths else ""),
        "<h2>Sources</h2>",
        _table(["source", "in", "kept", "dropped", "reasons"], _sources_rows(report)),
        "<h2>Funnel by step</h2>",
        _table(["step", "in", "out", "dropped", "reasons", "seconds", "notes"], steps),
        "<h2>Drops by reason and domain</h2>",
        _table(["reason", "total", *domains], reasons),
        "<h2>Dropped examples</h2>",
        examples or "<p>nothing was dropped</p>",
        "<h2>Config</h2>",
        f"<pre>{html.escape(json.dumps(report['config'], indent=2, default=str))}</pre>",
    ]
    return "\n".join(parts)


def write_report(report: dict[str, Any], out_dir: Path) -> Path:
    """Write report.json, funnel.png and report.html; returns the HTML path."""
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    return write_html(report, out_dir)


def write_html(report: dict[str, Any], out_dir: Path) -> Path:
    png = funnel_png(report)
    (out_dir / "funnel.png").write_bytes(png)
    path = out_dir / "report.html"
    path.write_text(render_html(report, png, lengths_png(report)), encoding="utf-8")
    return path


# ---- reading ---------------------------------------------------------------------------------


def load_report(out_dir: Path) -> dict[str, Any]:
    path = out_dir / "report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RingdataError(f"{out_dir}: no report.json here; run `ringdata curate ... --out {out_dir}` first") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RingdataError(f"{path}: not a readable report ({exc}); re-run `ringdata curate`") from None
    if not isinstance(report, dict) or report.get("version") != REPORT_VERSION or "steps" not in report:
        raise RingdataError(f"{path}: not a ringdata curation report (version {REPORT_VERSION}); re-run `ringdata curate`")
    return report


def print_summary(report: dict[str, Any], console: Console) -> None:
    """The funnel per step and the drops by reason and domain, as rich tables."""
    console.print(
        f"[bold]{report['rows_in']:,}[/] problems in, [bold green]{report['rows_kept']:,} kept[/], "
        f"[red]{report['rows_dropped']:,} dropped[/] in {report['timings'].get('total', 0):.2f} s"
    )
    for name, note in report.get("skipped_steps", {}).items():
        console.print(f"[yellow]{name} did not run:[/] {note.get('skipped', note)}")
    funnel = Table(title="Funnel", title_justify="left")
    # Fits 80 columns: a step's "in" is the previous step's "out" (the first's is the line above).
    funnel.add_column("step", no_wrap=True)
    for col in ("out", "dropped", "left"):
        funnel.add_column(col, justify="right", no_wrap=True)
    funnel.add_column("dropped, to scale", no_wrap=True, min_width=12)
    funnel.add_column("s", justify="right", no_wrap=True)
    top = max(report["rows_in"], 1)
    # The bar is what the step dropped, scaled to the biggest drop: "left" bars scaled to the
    # input all look full when steps drop a few percent each.
    most = max([s["rows_in"] - s["rows_out"] for s in report["steps"]] + [1])
    for s in report["steps"]:
        gone = s["rows_in"] - s["rows_out"]
        bar = "█" * round(12 * gone / most) or ("▏" if gone else "")
        funnel.add_row(s["name"], f"{s['rows_out']:,}", f"[red]{gone:,}[/]" if gone else "0",
                       f"{100 * s['rows_out'] / top:.1f}%", f"[red]{bar}[/]", f"{s['seconds']:.2f}")  # fmt: skip
    console.print(funnel)
    for s in report["steps"]:
        for line in _note_lines(s):
            console.print(line, highlight=False)
    domains = sorted(report["dropped_by_domain"])
    reasons = Table(title="Drops by reason and domain", title_justify="left")
    reasons.add_column("reason")
    reasons.add_column("total", justify="right")
    for d in domains:
        reasons.add_column(d, justify="right")
    for r, n in report["dropped_by_reason"].items():
        reasons.add_row(r, f"{n:,}", *[f"{report['dropped_by_domain'].get(d, {}).get(r, 0):,}" for d in domains])
    console.print(reasons if report["dropped_by_reason"] else "nothing was dropped")
    kept = Table(title="Domains", title_justify="left")
    for col in ("domain", "in", "kept"):
        kept.add_column(col, justify="left" if col == "domain" else "right")
    for d, v in report["domains"].items():
        kept.add_row(d, f"{v['in']:,}", f"{v['kept']:,}")
    console.print(kept)
    if report.get("sources"):
        sources = Table(title="Sources", title_justify="left")
        for col in ("source", "in", "kept", "dropped", "top reasons"):
            sources.add_column(col, justify="left" if col in ("source", "top reasons") else "right", overflow="fold")
        for row in _sources_rows(report):
            sources.add_row(*row[:4], ", ".join(row[4].split(", ")[:2]))
        console.print(sources)


def _note_lines(step: dict[str, Any]) -> list[str]:
    """A step's notes as terminal sentences a user reads without the source: what the step
    checked, what it dropped and why, what it kept and why, how much came from a cache. The
    difficulty step's unrated count is yellow when most problems had no pass rate (a table from
    another run keeps everything). A note no sentence below knows is printed as "step key: value"."""
    notes = dict(step["notes"])
    name, gone = step["name"], step["rows_in"] - step["rows_out"]
    lines = []
    if name == "difficulty" and "not_in_table" in notes:
        unrated = notes.pop("unrated", notes["not_in_table"])
        notes.pop("not_in_table")
        notes.pop("not_in_table_by_domain", None)
        what = notes.pop("unrated_were", "kept")
        share = unrated / max(step["rows_in"], 1)
        style = "bold yellow" if share > 0.5 else "yellow"
        lines.append(f"[{style}]difficulty: {unrated:,} of {step['rows_in']:,} problems ({100 * share:.0f}%) "
                     f"had no pass rate; {what}[/]")
    work = notes.pop(WORK_NOTES, None) or {}
    if name == "unparsable_gold" and "distinct answers" in work:
        lines.append(f"unparsable_gold: {work['distinct answers']:,} distinct math gold answers checked for a form "
                     f"the math grader can read: {work.get('simple (no parser)', 0):,} in simple forms read without the parser, "
                     f"{work.get('from cache', 0):,} known from earlier runs (the cache), {work.get('parsed', 0):,} "
                     f"parsed now; {gone:,} problems dropped (no response could earn their reward)")
    elif work:
        lines.append(f"{name}: " + ", ".join(f"{k} {note_text(v)}" for k, v in work.items()))
    if name == "near_dedup" and "rows kept by them" in notes:
        answers, figures = notes.pop("pairs kept apart: different gold answers"), notes.pop("pairs kept apart: different figures", 0)
        kept = notes.pop("rows kept by them")
        lines.append(f"near_dedup: {gone:,} dropped as near copies of a problem kept; {kept:,} near copies kept "
                     f"because they ask something else: {answers:,} pairs differ in gold answer, {figures:,} in figure")
    if name == "decontaminate" and "dropped by evalset" in notes:
        by_set = notes.pop("dropped by evalset")
        template = notes.pop("kept: template-only overlap", 0)
        hit = ", ".join(f"{k} {v:,}" for k, v in by_set.items() if v)
        clean = [k for k, v in by_set.items() if not v]
        lines.append(f"decontaminate: checked against {len(by_set)} evaluation sets; {gone:,} dropped for overlapping "
                     f"one{f' ({hit})' if hit else ''}{'; none overlap ' + ', '.join(clean) if clean else ''}; "
                     f"{template:,} kept whose only overlap is template wording")
    if name == "validate_tests" and "validated" in notes:
        run, errors = notes.pop("solutions_run", 0), notes.pop("sandbox_errors", 0)
        sandbox = notes.pop("sandbox", None)
        unvalidated = notes.pop("unvalidated", 0)
        notes.pop("unvalidated_by_domain", None)
        notes.pop("solutions_passed_by_language", None)
        lines.append(f"validate_tests: {run:,} reference solutions run{f' in the {sandbox} sandbox' if sandbox else ''}: "
                     f"{notes.pop('validated'):,} problems' tests validated, {gone:,} dropped (no reference passes "
                     f"them), {unvalidated:,} kept unvalidated (no runnable reference, or a sandbox error: {errors:,})")
    lines += [f"[yellow]{name}[/] {key}: {note_text(value)}" for key, value in notes.items()]
    return lines
