"""The `ringdata` command's entry point. The CLI's libraries (polars, pyarrow, typer, rich, ...)
take seconds to load on a busy machine, before `ringdata.cli.main` and its Ctrl-C handling exist;
they load here inside a guard, so a Ctrl-C while the command starts ends it with one line, not an
import traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from ringdata.cli.main import main as run
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: kept nothing (the command was still starting)\n")
        sys.exit(130)
    run()
