"""Sandboxes that run untrusted programs: `open_sandbox("docker" | "local" | "auto")`.

See base.py for the interface and the isolation every backend guarantees, docker_backend.py and
local.py for each backend's own guarantees and gaps, runner.py for what runs inside.
"""

from __future__ import annotations

import warnings

from sandboxes.base import CaseResult, CaseStatus, ExecResult, Limits, Sandbox, Submission

__all__ = [
    "CaseResult",
    "CaseStatus",
    "ExecResult",
    "Limits",
    "Sandbox",
    "SandboxFallbackWarning",
    "Submission",
    "open_sandbox",
    "KINDS",
]

KINDS = ("auto", "docker", "local")


class SandboxFallbackWarning(UserWarning):
    """`auto` fell back to the local (bubblewrap) sandbox because Docker is not usable."""


def open_sandbox(kind: str = "auto", *, docker=None, local=None) -> Sandbox:
    """A ready sandbox. `docker`/`local` are the backends' configs (None = defaults).

    "auto" takes Docker when the engine runs and the image exists, else the local bubblewrap
    backend with a `SandboxFallbackWarning` naming why: its isolation is weaker (local.py).
    """
    from ringdata.errors import RingdataError

    if kind not in KINDS:
        raise RingdataError(f"unknown sandbox {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "docker":
        from sandboxes.docker_backend import DockerSandbox

        return DockerSandbox(docker)
    if kind == "local":
        from sandboxes.local import LocalSandbox

        return LocalSandbox(local)
    try:
        from sandboxes.docker_backend import DockerSandbox

        return DockerSandbox(docker)
    except RingdataError as exc:
        from sandboxes.local import LocalSandbox

        sandbox = LocalSandbox(local)
        warnings.warn(
            f"using the local bubblewrap sandbox (weaker isolation, see sandboxes/local.py): {exc}",
            SandboxFallbackWarning,
            stacklevel=2,
        )
        return sandbox
