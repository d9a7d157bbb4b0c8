"""`ringdata report DIR`: summarise a curate output directory or a training run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ringdata.core.console import make_console
from ringdata.core.errors import RingdataError
from ringdata.curate.report import load_report, print_summary, write_html

EXAMPLES = """Examples:

\b
ringdata report out/curated   # the funnel; out/curated/report.html
ringdata report runs/demo     # per stage; runs/demo/report.html
ringdata report runs/compare  # METHOD-SEED runs side by side
"""


def report(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A `ringdata curate --out` directory or a training run directory.")],
) -> None:
    """Print a curation funnel or a training run's figures, and point to the HTML page."""
    console = make_console()
    if not directory.is_dir():
        raise RingdataError(f"{directory}: not a directory; pass a `ringdata curate --out` or training run directory")
    if (directory / "report.json").is_file():
        data = load_report(directory)
        print_summary(data, console)
        html = directory / "report.html"
        if not html.is_file():
            html = write_html(data, directory)
        console.print(f"HTML report: {html.resolve()}", soft_wrap=True)
        return
    from train.report import is_comparison_dir, is_run_dir, print_comparison, print_run_summary, render_comparison, render_run

    if is_comparison_dir(directory):  # METHOD-SEED runs side by side (benchmarks/bench_train.py)
        page = render_comparison(directory)
        print_comparison(directory, console)
        console.print(f"HTML report: {page.resolve()}", soft_wrap=True)
        return
    if is_run_dir(directory):
        page = render_run(directory)
        print_run_summary(directory, console)
        console.print(f"HTML report: {page.resolve()}", soft_wrap=True)
        return
    raise RingdataError(
        f"{directory}: neither a curate output (report.json) nor a training run (metrics.jsonl); "
        "run `ringdata curate ... --out DIR` first"
    )
