"""The `ringdata` command: wires the command modules together and is the one error boundary.

Every failure is one line on stderr and a non-zero exit: known errors (`RingdataError`: bad input,
a missing engine, ...) and anything unexpected exit 1, bad usage (an unknown option, an invalid
value) exits 2 as click's do. Set RINGDATA_DEBUG=1 to see the traceback instead.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console
from rich.markup import escape

from ringdata.cli import curate, grade, report, rollout, sandbox, select_checkpoint, train
from ringdata.errors import RingdataError

try:  # typer >= 0.26 vendors its own click; older typer uses the click package
    from typer._click.exceptions import ClickException as _TyperClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import ClickException as _TyperClickException
import click

USAGE_ERRORS = (click.ClickException, _TyperClickException)

app = typer.Typer(
    name="ringdata",
    help="Clean RL training data, trustworthy rewards and a C3PO trainer for reasoning models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("curate", no_args_is_help=True)(curate.curate)
app.command("grade", no_args_is_help=True)(grade.grade)
app.command("report", no_args_is_help=True)(report.report)
app.add_typer(sandbox.app, name="sandbox")
app.command("train", no_args_is_help=True)(train.train)
app.command("rollout", no_args_is_help=True)(rollout.rollout)
app.command("select-checkpoint", no_args_is_help=True)(select_checkpoint.select_checkpoint)


def _fail(message: str, code: int) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True, markup=True)
    sys.exit(code)


def main() -> None:
    try:
        # Without standalone mode, click returns a command's `typer.Exit(code)` instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except (typer.Abort, KeyboardInterrupt):
        Console(stderr=True).print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("RINGDATA_DEBUG"):
            raise
        if isinstance(exc, USAGE_ERRORS):  # bad options or commands: click's message, on one line
            where = getattr(getattr(exc, "ctx", None), "command_path", None) or "ringdata"
            _fail(f"{escape(exc.format_message())} (see `{where} --help`)", exc.exit_code)
        if isinstance(exc, RingdataError):
            _fail(escape(str(exc)), 1)
        # a bug, or a library failure nobody translated: still one line, and how to see more
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        _fail(escape(f"unexpected {type(exc).__name__}: {first}") + " (RINGDATA_DEBUG=1 shows the traceback)", 1)


if __name__ == "__main__":
    main()
