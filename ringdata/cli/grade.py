"""`ringdata grade`: grade model responses against problems; per-response verdicts, per-problem
pass rates (the input of `curate --pass-rates`) and a summary."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ringdata.errors import RingdataError


def grade(
    problems: Annotated[Path, typer.Option("--problems", "-p", help="Problems: curated problems.parquet, or any file `ringdata curate` reads.")],
    responses: Annotated[Path, typer.Option("--responses", "-r", help="Responses: JSONL or Parquet rows {problem_id, response, sample?}.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet of verdicts; <stem>.pass_rates.parquet and <stem>.rejected.jsonl are written beside it.")],
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", help="Verifier processes (default: all cores).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds one math/science verification may take before it counts as a timeout.")] = 5.0,
    sandbox: Annotated[str, typer.Option("--sandbox", help="Sandbox for code problems: docker, local (bubblewrap) or auto.")] = "auto",
    rel_tol: Annotated[float, typer.Option("--rel-tol", help="Relative tolerance for numeric science answers.")] = 0.01,
    k: Annotated[Optional[list[int]], typer.Option("--k", help="k for pass@k (repeatable; default 1 and the fewest samples any problem has).")] = None,
    detail: Annotated[bool, typer.Option("--detail/--no-detail", help="Write each verdict's detail (for code: expected outputs and assert text of the failing test); --no-detail leaves the column empty.")] = True,
) -> None:
    """Grade responses: verdict per response (reward, reason, extracted answer), pass rates, summary."""
    from rewards.grade import GradeConfig, Grader, read_responses
    from rewards.science import ScienceConfig
    from ringdata.io import read_problems
    from ringdata.records import Problem

    if sandbox not in ("docker", "local", "auto"):
        raise RingdataError(f"--sandbox is {sandbox!r}; expected docker, local or auto")
    if workers is not None and workers < 1:
        raise RingdataError("--workers must be at least 1")
    if timeout <= 0:
        raise RingdataError("--timeout must be positive")
    if k and min(k) < 1:
        raise RingdataError("--k must be at least 1")
    console = Console(stderr=True)
    frame = read_problems([problems]).frame
    by_id = {row["id"]: Problem.from_row(row) for row in frame.iter_rows(named=True)}
    batch = read_responses(responses, set(by_id))
    items = [(by_id[pid], text) for pid, _, text in batch.rows]
    config = GradeConfig(timeout_s=timeout, workers=workers or os.cpu_count() or 1, sandbox=sandbox,
                         science=ScienceConfig(rel_tol=rel_tol))
    columns = (TextColumn("grade"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress, Grader(config) as grader:
        task = progress.add_task("grade", total=len(items))
        results = grader.grade_many_timed(items, on_done=lambda n: progress.advance(task, n))
    paths = _write(out, batch, items, results, detail)
    _summary(Console(), batch, items, results, k)
    Console().print(f"wrote {', '.join(str(p) for p in paths)}")


def _write(out: Path, batch, items, results, detail: bool = True) -> list[Path]:
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {"problem_id": pid, "sample": sample, "domain": problem.domain, "reward": v.reward, "correct": v.correct,
         "reason": v.reason.value, "extracted": v.extracted, "detail": v.detail if detail else None, "pass_fraction": v.pass_fraction,
         "seconds": seconds}
        for (pid, sample, _), (problem, _), (v, seconds) in zip(batch.rows, items, results)
    ]
    schema = pa.schema([("problem_id", pa.string()), ("sample", pa.int64()), ("domain", pa.string()),
                        ("reward", pa.float64()), ("correct", pa.bool_()), ("reason", pa.string()),
                        ("extracted", pa.string()), ("detail", pa.string()), ("pass_fraction", pa.float64()),
                        ("seconds", pa.float64())])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out)
    stem = out.with_suffix("") if out.suffix == ".parquet" else out
    rates: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        rates[row["problem_id"]].append(row["reward"])
    rate_table = pa.table({
        "problem_id": pa.array(list(rates), pa.string()),
        "pass_rate": pa.array([sum(r) / len(r) for r in rates.values()], pa.float64()),
        "n_samples": pa.array([len(r) for r in rates.values()], pa.int64()),
    })
    rates_path = stem.parent / f"{stem.name}.pass_rates.parquet"
    pq.write_table(rate_table, rates_path)
    paths = [out, rates_path]
    if batch.rejected:
        rejected_path = stem.parent / f"{stem.name}.rejected.jsonl"
        with open(rejected_path, "w", encoding="utf-8") as fh:
            for r in batch.rejected:
                fh.write(json.dumps({"line": r.line, "problem_id": r.problem_id, "why": r.why}) + "\n")
        paths.append(rejected_path)
    return paths


def _summary(console: Console, batch, items, results, ks: list[int] | None) -> None:
    from rewards.grade import pass_at_k

    per_problem: dict[str, list[bool]] = defaultdict(list)
    domain_of: dict[str, str] = {}
    for (pid, _, _), (problem, _), (v, _) in zip(batch.rows, items, results):
        per_problem[pid].append(v.correct)
        domain_of[pid] = problem.domain
    min_n = min((len(v) for v in per_problem.values()), default=1)
    ks = sorted(set(ks or [1, min_n]))
    table = Table(title="accuracy by domain")
    for col in ("domain", "problems", "responses", "correct", "accuracy", *[f"pass@{k}" for k in ks]):
        table.add_column(col, justify="left" if col == "domain" else "right")
    for domain in [*sorted(set(domain_of.values())), "all"]:
        pids = [p for p, d in domain_of.items() if domain in ("all", d)]
        n = sum(len(per_problem[p]) for p in pids)
        c = sum(sum(per_problem[p]) for p in pids)
        cells = []
        for k in ks:
            eligible = [p for p in pids if len(per_problem[p]) >= k]
            value = sum(pass_at_k(len(per_problem[p]), sum(per_problem[p]), k) for p in eligible) / len(eligible) if eligible else None
            cells.append(f"{value:.3f}" if value is not None else "-")
        table.add_row(domain, str(len(pids)), str(n), str(c), f"{c / n:.3f}" if n else "-", *cells,
                      style="bold" if domain == "all" else None)
    console.print(table)
    reasons = Counter(v.reason.value for v, _ in results)
    rt = Table(title="verdicts by reason")
    rt.add_column("reason")
    rt.add_column("responses", justify="right")
    for reason, count in reasons.most_common():
        rt.add_row(reason, str(count))
    rejected = Counter(r.why if not r.why.startswith("not JSON") else "not JSON" for r in batch.rejected)
    for why, count in rejected.most_common():
        rt.add_row(f"[yellow]not graded: {why}[/]", str(count))
    console.print(rt)
