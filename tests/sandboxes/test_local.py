"""The local bubblewrap backend and the automatic choice between backends."""

from __future__ import annotations

import warnings

import pytest

from ringdata.core.records import TestCase
from sandboxes import CaseStatus, Limits, Submission, SandboxFallbackWarning, open_sandbox
from sandboxes.local import LocalSandbox, bwrap_problem

DOUBLE = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in range(3))
QUICK = Limits(time_s=1.0, wall_factor=2.0)


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
    from ringdata.core.errors import RingdataError

    with pytest.raises(RingdataError, match="choose auto, docker, local"):
        open_sandbox("firecracker")


def test_local_uids_never_share_the_docker_sandbox_uid():
    """RLIMIT_NPROC counts a uid's processes host-wide: a local sandbox under the Docker image's uid
    could not fork (not even start bwrap) while warm containers or a containerised fork bomb ran."""
    from sandboxes.docker_backend import UID
    from sandboxes.local import BASE_UID, LocalConfig

    docker_uid = int(UID.split(":")[0])
    from sandboxes.local import UID_RANGE

    assert docker_uid not in range(BASE_UID, BASE_UID + UID_RANGE)


def _need_root_bwrap():
    import os

    if bwrap_problem():
        pytest.skip(f"local sandbox unavailable here: {bwrap_problem()}")
    if os.geteuid() != 0:
        pytest.skip("uids are leased only when the grader runs as root")


def test_no_two_sandboxes_on_the_host_share_a_uid():
    """RLIMIT_NPROC counts a uid's processes host-wide: two sandboxes under one uid (two grading
    processes, two Ray actors on a node) let one's fork bomb stop the other from starting. Each
    slot leases its uid (an exclusive flock) from other sandboxes in this process and in others."""
    import subprocess
    import sys

    from sandboxes.local import LocalConfig

    _need_root_bwrap()
    first, second = LocalSandbox(LocalConfig(workers=3)), LocalSandbox(LocalConfig(workers=2))
    try:
        assert len(set(first.uids)) == 3 and not set(first.uids) & set(second.uids)
        other = subprocess.run(
            [sys.executable, "-c", "from sandboxes.local import LocalSandbox, LocalConfig; "
             "s = LocalSandbox(LocalConfig(workers=2)); print(*s.uids); s.close()"],
            capture_output=True, text=True, timeout=60, check=True)
        theirs = {int(u) for u in other.stdout.split()}
        assert len(theirs) == 2 and not theirs & (set(first.uids) | set(second.uids))
        assert second.run(Submission("print(int(input()) * 2)", DOUBLE)).passed
        freed = first.uids
    finally:
        first.close()
        second.close()
    import fcntl
    import os

    from sandboxes.local import UID_LOCKS

    for uid in freed:  # a closed sandbox's uids are free again
        fd = os.open(UID_LOCKS / str(uid), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
