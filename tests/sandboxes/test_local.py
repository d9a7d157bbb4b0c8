"""The local bubblewrap backend and the automatic choice between backends."""

from __future__ import annotations

import warnings

import pytest

from ringdata.records import TestCase
from sandboxes import CaseStatus, Limits, Submission, SandboxFallbackWarning, open_sandbox
from sandboxes.local import LocalSandbox, bwrap_problem

DOUBLE = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in range(3))


@pytest.mark.parametrize(
    "program,status",
    [
        ("print(int(input()) * 2)", CaseStatus.PASSED),
        ("print(int(input()) * 3)", CaseStatus.WRONG_ANSWER),
        ("raise ValueError('boom')", CaseStatus.RUNTIME_ERROR),
        ("while True:\n    pass", CaseStatus.TIME_LIMIT),
    ],
)
def test_outcomes(local_solo, program, status):
    result = local_solo.run(Submission(program, DOUBLE, Limits(time_s=1.0, wall_factor=2.0)))
    assert result.status is status, result


def test_auto_falls_back_to_local_with_a_warning(monkeypatch):
    if bwrap_problem():
        pytest.skip(f"local sandbox unavailable here: {bwrap_problem()}")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.warns(SandboxFallbackWarning, match="Docker engine is not running"):
        sandbox = open_sandbox("auto")
    with sandbox:
        assert isinstance(sandbox, LocalSandbox)
        assert sandbox.run(Submission("print(int(input()) * 2)", DOUBLE)).passed


def test_unknown_kind_is_a_clear_error():
    from ringdata.errors import RingdataError

    with pytest.raises(RingdataError, match="choose auto, docker, local"):
        open_sandbox("firecracker")


def test_local_uids_never_share_the_docker_sandbox_uid():
    """RLIMIT_NPROC counts a uid's processes host-wide: a local sandbox under the Docker image's uid
    could not fork (not even start bwrap) while warm containers or a containerised fork bomb ran."""
    from sandboxes.docker_backend import UID
    from sandboxes.local import BASE_UID, LocalConfig

    docker_uid = int(UID.split(":")[0])
    local_uids = range(BASE_UID, BASE_UID + max(LocalConfig().workers, 64))
    assert docker_uid not in local_uids
