"""Which sandbox runs untrusted code, and with what settings: one frozen value.

`SandboxChoice` is made once, where the user says it (`--sandbox`, a training config's
`sandbox = "..."`), validated there with one message, and carried unchanged by curation
(`--validate-tests`), grading and training down to the code grader, which opens it.

Kinds
- "auto" (the default everywhere): Docker when the engine runs and the `ringdata-sandbox` image
  exists, else the local bubblewrap sandbox with a `SandboxFallbackWarning` that says why.
- "docker": the warm container pool (docker_backend.py); fails when Docker is not usable.
- "local": bubblewrap on this host (local.py); weaker isolation, no engine needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ringdata.core.errors import RingdataError
from sandboxes.docker_backend import DockerConfig
from sandboxes.local import LocalConfig

__all__ = ["KINDS", "SandboxChoice"]

KINDS = ("auto", "docker", "local")
HELP = ("Sandbox for untrusted code: auto (Docker when the engine and image are ready, else "
        "bubblewrap with a warning), docker, or local (bubblewrap, weaker isolation).")


@dataclass(frozen=True)
class SandboxChoice:
    kind: str = "auto"  # auto | docker | local (see the module docstring)
    docker: DockerConfig = field(default_factory=DockerConfig)  # used when the kind resolves to docker
    local: LocalConfig = field(default_factory=LocalConfig)  # used when the kind resolves to local

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RingdataError(f"unknown sandbox {self.kind!r}; choose {', '.join(KINDS)}")

    @classmethod
    def of(cls, value: "SandboxChoice | str") -> "SandboxChoice":
        """`value` itself, or the choice of that kind with default settings."""
        return value if isinstance(value, SandboxChoice) else cls(value)

    def __str__(self) -> str:
        return self.kind
