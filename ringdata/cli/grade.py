"""`ringdata grade`: grade model responses against problems; per-response verdicts, per-problem
pass rates (the input of `curate --pass-rates`) and a summary."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ringdata.cli.options import ProblemsFile, Sandbox, Workers
from ringdata.errors import RingdataError
from sandboxes.choice import SandboxChoice


def grade(
    problems: ProblemsFile,
    responses: Annotated[Path, typer.Option("--responses", "-r", help="Responses: JSONL or Parquet rows {problem_id, response, sample?} (what `ringdata rollout` writes).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet of verdicts; <stem>.pass_rates.parquet and <stem>.rejected.jsonl are written beside it.")],
    workers: Workers = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds one math/science verification may take before it counts as a timeout.")] = 5.0,
    sandbox: Sandbox = SandboxChoice(),
    rel_tol: Annotated[float, typer.Option("--rel-tol", help="Relative tolerance for numeric science answers.")] = 0.01,
    k: Annotated[Optional[list[int]], typer.Option("--k", help="k for pass@k (repeatable; default 1 and the fewest samples any problem has).")] = None,
    detail: Annotated[bool, typer.Option("--detail/--no-detail", help="Write each verdict's detail (for code: expected outputs and assert text of the failing test); --no-detail leaves the column empty.")] = True,
) -> None:
    """Grade responses: verdict per response (reward, reason, extracted answer), pass rates, summary."""
    from rewards.grade import GradeConfig, Grader
    from rewards.results import Graded, pass_rates, verdict_rows
    from rewards.science import ScienceConfig
    from ringdata.io.problems import read_problem_records
    from ringdata.io.runs import GradeOutputs, read_responses, write_pass_rates, write_rejected, write_verdicts

    if workers is not None and workers < 1:
        raise RingdataError("--workers must be at least 1")
    if timeout <= 0:
        raise RingdataError("--timeout must be positive")
    if k and min(k) < 1:
        raise RingdataError("--k must be at least 1")
    by_id = {p.id: p for p in read_problem_records(problems)}
    batch = read_responses(responses, set(by_id))
    config = GradeConfig(timeout_s=timeout, workers=workers or os.cpu_count() or 1, sandbox=sandbox,
                         science=ScienceConfig(rel_tol=rel_tol))
    columns = (TextColumn("grade"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress, Grader(config) as grader:
        task = progress.add_task("grade", total=len(batch.rows))
        items = [(by_id[r.problem_id], r.response) for r in batch.rows]
        results = grader.grade_many_timed(items, on_done=lambda n: progress.advance(task, n))
    graded = [Graded(r, by_id[r.problem_id], v, seconds) for r, (v, seconds) in zip(batch.rows, results)]
    paths = GradeOutputs.beside(out)
    written = [write_verdicts(paths.verdicts, verdict_rows(graded, detail=detail)), write_pass_rates(paths.pass_rates, pass_rates(graded))]
    if batch.rejected:
        written.append(write_rejected(paths.rejected, batch.rejected))
    _print_summary(Console(), graded, batch.rejected, k)
    Console().print(f"wrote {', '.join(str(p) for p in written)}")


def _print_summary(console: Console, graded, rejected, ks: list[int] | None) -> None:
    from collections import Counter

    from rewards.results import accuracy_by_domain, default_ks, reason_counts

    ks = default_ks(graded, ks)
    table = Table(title="accuracy by domain")
    for col in ("domain", "problems", "responses", "correct", "accuracy", *[f"pass@{k}" for k in ks]):
        table.add_column(col, justify="left" if col == "domain" else "right")
    fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
    for row in accuracy_by_domain(graded, ks):
        table.add_row(row.domain, str(row.problems), str(row.responses), str(row.correct), fmt(row.accuracy),
                      *[fmt(row.pass_at[k]) for k in ks], style="bold" if row.domain == "all" else None)
    console.print(table)
    reasons = Table(title="verdicts by reason")
    reasons.add_column("reason")
    reasons.add_column("responses", justify="right")
    for reason, count in reason_counts(graded):
        reasons.add_row(reason, str(count))
    why = Counter(r.why if not r.why.startswith("not JSON") else "not JSON" for r in rejected)
    for what, count in why.most_common():
        reasons.add_row(f"[yellow]not graded: {what}[/]", str(count))
    console.print(reasons)
