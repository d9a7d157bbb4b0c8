"""The attack tests can fail: against the runner with no isolation at all (a plain subprocess on
the host), the leak-detecting ones do. Only attacks harmless to the host are replayed here."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from sandboxes.base import ExecResult, Sandbox, Submission, parse_reports, payload, result_from_report, runner_command
from tests.sandboxes import attacks


class NoSandbox(Sandbox):
    """The runner as a plain host subprocess: the same protocol, none of the isolation."""

    name = "none"

    def __init__(self, workdir) -> None:
        self.workdir = workdir

    def run(self, submission: Submission) -> ExecResult:
        nonce = uuid.uuid4().hex
        proc = subprocess.run(  # no --sandboxed: the runner kills nothing and deletes nothing
            runner_command(sys.executable),  # as the backends start it (the source outgrew one argv string)
            input=payload([submission], nonce), capture_output=True, timeout=60, cwd=self.workdir,
        )  # fmt: skip
        return result_from_report(parse_reports(proc.stdout, nonce)[0], submission, 0.0)


@pytest.mark.parametrize(
    "attack",
    [attacks.test_network_tcp_connect_fails, attacks.test_host_marker_file_is_not_readable],
    ids=lambda f: f.__name__,
)
def test_attack_detects_a_missing_sandbox(attack, tmp_path):
    kwargs = {"tmp_path": tmp_path} if "tmp_path" in attack.__code__.co_varnames else {}
    with pytest.raises(AssertionError, match="LEAK"):
        attack(NoSandbox(tmp_path), **kwargs)
