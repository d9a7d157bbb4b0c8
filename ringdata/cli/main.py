"""The `ringdata` command: wires the command modules together and is the one error boundary.

Known errors (`RingdataError`) become one red line and exit code 1; set RINGDATA_DEBUG=1 to see
the traceback instead.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

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


def main() -> None:
    try:
        # Without standalone mode, click returns a command's `typer.Exit(code)` instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except RingdataError as exc:
        if os.environ.get("RINGDATA_DEBUG"):
            raise
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        Console(stderr=True).print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except USAGE_ERRORS as exc:  # bad options or commands: click's own message and exit code
        exc.show()
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
