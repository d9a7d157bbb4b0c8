"""Sandboxes that run untrusted programs: `open_sandbox(SandboxChoice(...))` or `open_sandbox("docker")`.

See base.py for the interface and the isolation every backend guarantees, docker_backend.py and
local.py for each backend's own guarantees and gaps, runner.py for what runs inside, choice.py for
the one value (kind plus settings) that says which sandbox a command uses.
"""

from __future__ import annotations

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
    from ringdata.errors import RingdataError

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
