"""Sandboxes that run untrusted programs: `open_sandbox(SandboxChoice(...))` or `open_sandbox("docker")`.

See base.py for the interface and the isolation every backend guarantees, docker_backend.py and
local.py for each backend's own guarantees and gaps, runner.py for what runs inside, choice.py for
the one value (kind plus settings) that says which sandbox a command uses.
"""

from __future__ import annotations

import threading
import warnings

from sandboxes.base import CaseResult, CaseStatus, ExecResult, Limits, Sandbox, Submission
from sandboxes.choice import KINDS, SandboxChoice

__all__ = [
    "CaseResult",
    "CaseStatus",
    "ExecResult",
    "Limits",
    "Sandbox",
    "SandboxChoice",
    "SandboxFallbackWarning",
    "SandboxLease",
    "Submission",
    "open_sandbox",
    "KINDS",
]


class SandboxFallbackWarning(UserWarning):
    """`auto` fell back to the local (bubblewrap) sandbox because Docker is not usable."""


def open_sandbox(choice: SandboxChoice | str = SandboxChoice()) -> Sandbox:
    """A ready sandbox for `choice` (a `SandboxChoice`, or a kind with default settings).

    "auto" takes Docker when the engine runs and the image exists, else the local bubblewrap
    backend with a `SandboxFallbackWarning` naming why: its isolation is weaker (local.py).
    """
    from ringdata.core.errors import RingdataError

    choice = SandboxChoice.of(choice)
    if choice.kind == "docker":
        from sandboxes.docker_backend import DockerSandbox

        return DockerSandbox(choice.docker)
    if choice.kind == "local":
        from sandboxes.local import LocalSandbox

        return LocalSandbox(choice.local)
    try:
        from sandboxes.docker_backend import DockerSandbox

        return DockerSandbox(choice.docker)
    except RingdataError as exc:
        from sandboxes.local import LocalSandbox

        sandbox = LocalSandbox(choice.local)
        warnings.warn(
            f"using the local bubblewrap sandbox (weaker isolation, see sandboxes/local.py): {exc}",
            SandboxFallbackWarning,
            stacklevel=2,
        )
        return sandbox


class SandboxLease:
    """A sandbox its user either borrows or opens itself, the one rule for both: an open `Sandbox`
    is used as given and never closed here (its owner shares it); a `SandboxChoice` or a kind is
    opened on first use (thread-safe) and closed by `close()`. The code grader holds one for its
    lifetime; curation's validate_tests holds one for a `with` block."""

    def __init__(self, sandbox: SandboxChoice | str | Sandbox = SandboxChoice()) -> None:
        self.owned = not isinstance(sandbox, Sandbox)  # opened (and so closed) here
        self._choice = SandboxChoice.of(sandbox) if self.owned else None
        self._sandbox: Sandbox | None = None if self.owned else sandbox
        self._lock = threading.Lock()

    @property
    def sandbox(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                self._sandbox = open_sandbox(self._choice)
            return self._sandbox

    def close(self) -> None:
        """Close the sandbox if it was opened here; a borrowed one is left open."""
        with self._lock:
            if self.owned and self._sandbox is not None:
                self._sandbox.close()
                self._sandbox = None

    def __enter__(self) -> Sandbox:
        return self.sandbox

    def __exit__(self, *exc: object) -> None:
        self.close()
