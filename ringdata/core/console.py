"""The one way ringdata makes a rich `Console`: messages are the lines they are, off a terminal.

Off a terminal (`| tee`, a batch job's log, a test's captured stream) rich lays text out at
`$COLUMNS` or 80 columns and breaks long lines mid-sentence, so a one-line error or notice with a
long path arrived as two lines, and what greps a log missed it. Here a console that is not a
terminal soft-wraps: text is written as it is and the reader's viewer wraps it. Tables keep their
layout (they still use the width). In a terminal rich's own wrapping stays: it is what a person
sees. `tests/ringdata/core/test_console.py` keeps every other module from making its own `Console`.
"""

from __future__ import annotations

from rich.console import Console

__all__ = ["make_console"]


def make_console(*, stderr: bool = False, quiet: bool = False) -> Console:
    """A console on stdout (or stderr) that never wraps text when it is not a terminal."""
    console = Console(stderr=stderr, quiet=quiet)
    if not console.is_terminal:
        console.soft_wrap = True
    return console
