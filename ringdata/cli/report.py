"""`ringdata report DIR`: summarise a curate output directory or a training run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ringdata.errors import RingdataError
from ringdata.report import load_report, print_summary, write_html


def report(
    directory: Annotated[Path, typer.Argument(help="A `ringdata curate --out` directory or a training run directory.")],
) -> None:
    """Print the curation funnel (or render a training run's report) and point to the HTML page."""
    console = Console()
    if not directory.is_dir():
        raise RingdataError(f"{directory}: not a directory; pass a `ringdata curate --out` or training run directory")
    if (directory / "report.json").is_file():
        data = load_report(directory)
        print_summary(data, console)
        html = directory / "report.html"
        if not html.is_file():
            html = write_html(data, directory)
        console.print(f"HTML report: {html.resolve()}")
        return
    from train.report import is_run_dir, render_run

    if is_run_dir(directory):
        console.print(f"training run report: {render_run(directory)}")
        return
    raise RingdataError(
        f"{directory}: neither a curate output (report.json) nor a training run (metrics.jsonl); "
        "run `ringdata curate ... --out DIR` first"
    )
