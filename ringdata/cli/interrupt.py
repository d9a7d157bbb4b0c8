"""What a command kept when Ctrl-C stopped it, and the exact command that continues it.

A command that runs for long calls `on_interrupt` before its long work with a function that looks
at what is on disk when the interrupt comes and returns a `Kept`; `ringdata.cli.main` prints it
("interrupted: kept ...; continue with: ringdata ... --resume") and exits 130. A command that
registers nothing kept nothing (its outputs are written whole or not at all), and the message
says so with the same command to run again.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from typing import Callable, Sequence

__all__ = ["Kept", "interrupted_message", "on_interrupt", "this_command"]


@dataclass(frozen=True)
class Kept:
    what: str  # what the stopped run left that the next one uses, or "nothing" and why
    command: str  # the exact command line that continues (or restarts) it
    resumes: bool = True  # False: the command starts again from the beginning


_describe: Callable[[], Kept] | None = None


def on_interrupt(describe: Callable[[], Kept] | None) -> None:
    """Register what to say if Ctrl-C stops this command (None: the default message)."""
    global _describe
    _describe = describe


def this_command(*, add: Sequence[str] = (), drop: Sequence[str] = ()) -> str:
    """The command line as the user typed it (as `ringdata ...`), flags in `drop` removed and those
    in `add` appended unless already there."""
    args = [a for a in sys.argv[1:] if a not in drop]
    args += [a for a in add if a not in args]
    return shlex.join(["ringdata", *args])


def interrupted_message() -> str:
    """The lines main prints on Ctrl-C."""
    kept = None
    if _describe is not None:
        try:
            kept = _describe()
        except Exception:  # noqa: BLE001 - the interrupt message must never become a traceback
            kept = None
    if kept is None:
        kept = Kept("nothing (this command writes its outputs whole or not at all)", this_command(), resumes=False)
    verb = "continue with" if kept.resumes else "run it again with"
    return f"interrupted: kept {kept.what}\n{verb}: {kept.command}"
