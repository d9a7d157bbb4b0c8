"""The `ringdata` command: wires the command modules together and is the one error boundary.

Every failure is one line on stderr and a non-zero exit: known errors (`RingdataError`: bad input,
a missing engine, ...) and anything unexpected exit 1, bad usage (an unknown option, an invalid
value) exits 2 as click's do. Set RINGDATA_DEBUG=1 to see the traceback instead.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Annotated

import typer
from rich.markup import escape

import ringdata
from ringdata.cli import curate, grade, report, rollout, sandbox, select_checkpoint, serve, train
from ringdata.core.console import make_console
from ringdata.cli.interrupt import interrupted_message
from ringdata.core.errors import RingdataError
from ringdata.core.logs import quiet_libraries

EXAMPLES = """The tour (README.md), in order:

\b
ringdata curate data/problems --out out/curated
ringdata report out/curated
ringdata grade --problems out/curated/problems.parquet \\
    --responses data/demo/responses.jsonl --out out/grades.parquet
ringdata train --config configs/tiny.toml --stage math-then-code \\
    --out runs/demo
ringdata report runs/demo

Every command explains its options: ringdata COMMAND --help. RINGDATA_DEBUG=1 shows tracebacks.
"""

try:  # typer >= 0.26 vendors its own click; older typer uses the click package
    from typer._click.exceptions import ClickException as _TyperClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import ClickException as _TyperClickException
import click

USAGE_ERRORS = (click.ClickException, _TyperClickException)

app = typer.Typer(
    name="ringdata",
    help="Clean RL training data, trustworthy rewards and a C3PO trainer for reasoning models.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich markup would eat "[stages.*]" in option help, show a "<bool>"
    # placeholder on flags and cut long values with "..." at 80 columns instead of wrapping them.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"ringdata {ringdata.__version__}")
        raise typer.Exit()


@app.callback()
def options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show vLLM's, transformers' and Ray's own log lines and warnings.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Clean RL training data, trustworthy rewards and a C3PO trainer for reasoning models."""
    quiet_libraries(verbose)


# Each command's short help is what the command list shows: click would cut the docstring's first
# sentence with "..." to fit 80 columns. In the order the list shows them.
COMMANDS = (
    ("curate", curate, "Raw problem files in, clean RL problems out."),
    ("grade", grade, "Rewards with reasons, and pass rates."),
    ("report", report, "Summarise a curate output or a training run."),
    ("sandbox", sandbox, None),  # a group of its own
    ("train", train, "Train a policy with C3PO (Ring-lite)."),
    ("rollout", rollout, "Sample K responses per problem."),
    ("select-checkpoint", select_checkpoint, "Choose the checkpoint RL starts from."),
    ("serve", serve, "The sandbox and graders as an HTTP service."),
)
for name, module, short_help in COMMANDS:
    if short_help is None:
        app.add_typer(module.app, name=name)
    else:
        app.command(name, no_args_is_help=True, epilog=module.EXAMPLES,
                    short_help=short_help)(getattr(module, name.replace("-", "_")))


def _fail(message: str, code: int) -> None:
    make_console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True, markup=True)
    sys.exit(code)


def _interrupted() -> None:
    """Ctrl-C: what the command kept and the command that continues it (ringdata.cli.interrupt)."""
    make_console(stderr=True).print(interrupted_message(), highlight=False, markup=False, soft_wrap=True)
    sys.exit(130)


_thread_errors: list = []  # background threads' uncaught exceptions, shown when the command ends


def main() -> None:
    # A background thread that dies of a Ctrl-C (its sandbox or worker children got the SIGINT too)
    # printed a traceback above the interrupted message; its error is held until the command ends
    # and shown then, unless Ctrl-C ended it.
    _thread_errors.clear()
    threading.excepthook = _thread_errors.append
    interrupted = False
    try:
        _main()
    except SystemExit as exc:
        interrupted = exc.code == 130
        raise
    finally:
        threading.excepthook = threading.__excepthook__
        for args in [] if interrupted else _thread_errors:
            threading.__excepthook__(args)
        _thread_errors.clear()


def _main() -> None:
    try:
        # Without standalone mode, click returns a command's `typer.Exit(code)` instead of exiting.
        code = app(standalone_mode=False)
        if code == 130:  # typer turns Ctrl-C (KeyboardInterrupt) into this exit code before we see it
            _interrupted()
        if isinstance(code, int) and code:
            sys.exit(code)
    except (typer.Abort, KeyboardInterrupt):
        _interrupted()
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("RINGDATA_DEBUG"):
            raise
        if isinstance(exc, USAGE_ERRORS):  # bad options or commands: click's message, on one line
            where = getattr(getattr(exc, "ctx", None), "command_path", None) or "ringdata"
            message = exc.format_message()
            option = getattr(exc, "option_name", None)  # click's NoSuchOption
            hint = train.set_hint(option) if option and where.endswith(" train") else None
            if hint:  # `train --lr`: a config key, which --set reaches, not one of click's guesses
                message = f"No such option: {option}; it is a config key: {hint}"
            _fail(f"{escape(message)} (see `{where} --help`)", exc.exit_code)
        if isinstance(exc, RingdataError):
            _fail(escape(str(exc)), 1)
        # a bug, or a library failure nobody translated: still one line, and how to see more
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        _fail(escape(f"unexpected {type(exc).__name__}: {first}") + " (RINGDATA_DEBUG=1 shows the traceback)", 1)


if __name__ == "__main__":
    main()
