"""`ringdata report DIR`: summarise a curate output directory or a training run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ringdata.errors import RingdataError
from ringdata.report import load_report, print_summary, write_html


def is_run_dir(path: Path) -> bool:
    """A training run: metrics.jsonl here or in a stage subdirectory."""
    return (path / "metrics.jsonl").is_file() or any(path.glob("*/metrics.jsonl"))


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
    if is_run_dir(directory):
        try:
            from train.report import render_run
        except ImportError as exc:
            raise RingdataError(f"{directory}: is a training run, but train.report is not available ({exc})") from None

        console.print(f"training run report: {render_run(directory)}")
        return
    raise RingdataError(
        f"{directory}: neither a curate output (report.json) nor a training run (metrics.jsonl); "
        "run `ringdata curate ... --out DIR` first"
    )
