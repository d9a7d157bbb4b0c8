"""`ringdata grade`: grade model responses against problems; per-response verdicts, per-problem
pass rates (the input of `curate --pass-rates`) and a summary."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ringdata.core.console import make_console
from ringdata.cli.interrupt import Kept, on_interrupt, this_command
from ringdata.cli.options import ProblemsFile, Sandbox, Workers
from ringdata.core.errors import RingdataError
from ringdata.core.logs import native_lines_dropped
from ringdata.core.outputs import check_outputs, remove_stale
from ringdata.core.progress import make_progress
from sandboxes.choice import SandboxChoice

EXAMPLES = """Examples:

\b
ringdata grade --problems out/curated/problems.parquet \\
    --responses data/demo/responses.jsonl --out out/grades.parquet
ringdata grade -p out/curated -r out/responses.jsonl -o out/g.parquet \\
    --sandbox local --k 8 --overwrite
"""


def grade(
    problems: ProblemsFile,
    responses: Annotated[Path, typer.Option("--responses", "-r", help="Responses: JSONL or Parquet rows {problem_id, response, sample?} (what `ringdata rollout` writes).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet of verdicts; <stem>.pass_rates.parquet and <stem>.rejected.jsonl are written beside it.")],
    workers: Workers = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds one math/science verification may take before it counts as a timeout.")] = 5.0,
    sandbox: Sandbox = SandboxChoice(),
    rel_tol: Annotated[float, typer.Option("--rel-tol", help="Relative tolerance for numeric science answers.")] = 0.01,
    k: Annotated[Optional[list[int]], typer.Option("--k", metavar="<int>", min=1, help="k for pass@k (repeatable; default 1 and the fewest samples any problem has).")] = None,
    detail: Annotated[bool, typer.Option("--detail/--no-detail", help="Write each verdict's detail (for code: expected outputs and assert text of the failing test); --no-detail leaves the column empty.")] = True,
    ray: Annotated[Optional[str], typer.Option("--ray", metavar="auto|ADDRESS", help="Grade on a Ray cluster: auto (the running one, else start Ray here) or its address (host:6379, ray://host:10001). Needs the [ray] extra.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a run that stopped: rows whose verdicts were written are not graded again.")] = False,
    chunk_rows: Annotated[int, typer.Option("--chunk-rows", min=1, help="Responses read, graded and written at a time (memory is flat in the file's size).")] = 4096,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the outputs of an earlier run.")] = False,
) -> None:
    """Grade responses: verdict per response (reward, reason, extracted answer), pass rates, summary."""
    from rewards.grade import GradeConfig, Grader
    from rewards.science import ScienceConfig
    from rewards.stream import grade_file, has_run, stopped_run
    from ringdata.core.io.problems import read_problem_records
    from ringdata.core.io.runs import GradeOutputs

    if timeout <= 0:
        raise RingdataError("--timeout must be positive")
    if resume and overwrite:
        raise RingdataError("--resume continues the outputs in --out and --overwrite replaces them: pass one")
    stopped = stopped_run(out)
    if stopped and not resume and not overwrite:  # never silently grade again what a stopped run kept
        raise RingdataError(f"{stopped.dir} holds {stopped.rows:,} verdicts ({stopped.parts} chunks) of a run that "
                            "stopped; pass --resume to continue it, or --overwrite to grade everything again")
    if not resume:  # --resume continues the outputs already there
        outputs = GradeOutputs.beside(out)
        check_outputs([outputs.verdicts, outputs.pass_rates, outputs.rejected], dirs=[out.parent], overwrite=overwrite)
        remove_stale([outputs.rejected])  # an earlier run's rejected rows are not this run's
    by_id = {p.id: p for p in read_problem_records(problems)}
    config = GradeConfig(timeout_s=timeout, workers=workers or os.cpu_count() or 1, sandbox=sandbox,
                         science=ScienceConfig(rel_tol=rel_tol))
    console = make_console(stderr=True)
    if resume and not has_run(out):
        console.print(f"nothing to resume in {out}: grading every row", highlight=False)
    on_interrupt(lambda: _kept(out))
    with make_progress(console) as progress:
        # the wait before the first row has a name: starting (or joining) Ray, counting the rows
        task = progress.add_task("grade (starting Ray)" if ray is not None else "grade (counting rows)", total=None,
                                 unit="responses")
        hooks = {"chunk_rows": chunk_rows, "resume": resume, "detail": detail,
                 "on_total": lambda n: progress.update(task, total=n, description="grade"),
                 "on_done": lambda n: progress.advance(task, n)}
        if ray is not None:  # Ray Data reads, the cluster grades, this process writes
            from rewards.ray_executor import RayConfig
            from rewards.ray_stream import grade_file_on_ray

            with native_lines_dropped():  # Ray's C++ log lines on this process's stderr (shown with -v)
                run = grade_file_on_ray(by_id, responses, out, config, RayConfig(address=ray), **hooks)
        else:
            with Grader(config) as grader:
                run = grade_file(by_id, responses, out, grader, **hooks)
    warning = run.check_coverage(str(responses), str(problems))
    if warning:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    _print_summary(make_console(), run.tally, run.rejected, k)
    if run.resumed:
        make_console().print(f"resumed: {run.resumed} rows graded by the earlier run, {run.graded} now")
    make_console().print(f"wrote {', '.join(str(p) for p in run.written)}")


def _kept(out: Path) -> Kept:
    """On Ctrl-C: the finished chunks, and the command that grades only the rest."""
    from rewards.stream import stopped_run

    stopped = stopped_run(out)
    if stopped is None:
        return Kept(f"nothing (no chunk was finished; {out} was not written)", this_command(), resumes=False)
    return Kept(f"{stopped.rows:,} verdicts ({stopped.parts} finished chunks) in {stopped.dir}",
                this_command(add=["--resume"], drop=["--overwrite"]))


def _print_summary(console: Console, tally, rejected, ks: list[int] | None) -> None:
    ks = tally.default_ks(ks)
    table = Table(title="accuracy by domain")
    for col in ("domain", "problems", "responses", "correct", "accuracy", *[f"pass@{k}" for k in ks]):
        table.add_column(col, justify="left" if col == "domain" else "right")
    fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
    for row in tally.accuracy_by_domain(ks):
        table.add_row(row.domain, str(row.problems), str(row.responses), str(row.correct), fmt(row.accuracy),
                      *[fmt(row.pass_at[k]) for k in ks], style="bold" if row.domain == "all" else None)
    console.print(table)
    reasons = Table(title="verdicts by reason")
    reasons.add_column("reason")
    reasons.add_column("responses", justify="right")
    for reason, count in tally.reasons.most_common():
        reasons.add_row(reason, str(count))
    for what, count in rejected.most_common():
        reasons.add_row(f"[yellow]not graded: {what}[/]", str(count))
    console.print(reasons)
