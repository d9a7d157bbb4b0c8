"""The Docker backend on the real engine: outcomes, hardening, pool behaviour, clear errors."""

from __future__ import annotations

import pytest

from ringdata.core.errors import RingdataError
from ringdata.core.records import TestCase
from sandboxes import CaseStatus, Limits, Submission
from sandboxes.docker_backend import LABEL, UID
from sandboxes.image import client

DOUBLE = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in range(5))
QUICK = Limits(time_s=1.0, wall_factor=2.0)


@pytest.mark.parametrize(
    "program,status,n_cases",
    [
        ("print(int(input()) * 2)", CaseStatus.PASSED, 5),
        ("n = int(input())\nprint(n * 2 if n < 3 else n)", CaseStatus.WRONG_ANSWER, 4),  # fails test 4
        ("print(1 / 0)", CaseStatus.RUNTIME_ERROR, 1),
        ("import sys\nsys.exit(3)", CaseStatus.RUNTIME_ERROR, 1),
        ("import sys\nprint(int(input()) * 2)\nsys.exit(0)", CaseStatus.PASSED, 5),
        ("while True:\n    pass", CaseStatus.TIME_LIMIT, 1),
        ("x = bytearray(4 * 2**30)", CaseStatus.MEMORY_LIMIT, 1),
        ("print('x' * (40 << 20))", CaseStatus.OUTPUT_LIMIT, 1),
    ],
)
def test_outcomes(docker_pool, program, status, n_cases):
    result = docker_pool.run(Submission(program, DOUBLE, QUICK))
    assert result.status is status, result
    assert len(result.cases) == n_cases
    assert result.n_tests == 5


def test_all_cases_run_when_asked(docker_pool):
    program = "n = int(input())\nprint(n * 2 if n % 2 else -1)"
    result = docker_pool.run(Submission(program, DOUBLE, QUICK, stop_on_first_failure=False))
    assert [c.status for c in result.cases] == [CaseStatus.WRONG_ANSWER, CaseStatus.PASSED] * 2 + [CaseStatus.WRONG_ANSWER]
    assert result.n_passed == 2 and result.status is CaseStatus.WRONG_ANSWER


def test_function_call_tests_need_the_asserts_to_finish(docker_pool):
    tests = (TestCase(assert_="assert add(1, 2) == 3"), TestCase(assert_="assert add(2, 2) == 5"))
    assert docker_pool.run(Submission("def add(a, b): return a + b", tests[:1])).passed
    failed = docker_pool.run(Submission("def add(a, b): return a + b", tests))
    assert failed.status is CaseStatus.WRONG_ANSWER
    assert "assert add(2, 2) == 5" in failed.cases[1].detail
    early = docker_pool.run(Submission("import sys\ndef add(a, b): return 0\nsys.exit(0)", tests))
    assert early.status is CaseStatus.RUNTIME_ERROR, early
    hard = docker_pool.run(Submission("import os\ndef add(a, b): return 0\nos._exit(0)", tests))
    assert hard.status is CaseStatus.RUNTIME_ERROR, hard


def test_stdin_larger_than_a_pipe_buffer(docker_pool):
    numbers = " ".join(str(i) for i in range(200_000))
    tests = (TestCase(input=f"{numbers}\n", output=f"{sum(range(200_000))}\n"),)
    result = docker_pool.run(Submission("print(sum(map(int, input().split())))", tests, Limits(time_s=5)))
    assert result.passed, result


def test_run_many_keeps_order_across_the_pool(docker_pool):
    subs = [Submission(f"input()\nprint({k})", (TestCase(input="\n", output=f"{k}\n"),)) for k in range(8)]
    subs[3] = Submission("print('nope')", subs[3].tests)
    results = docker_pool.run_many(subs)
    assert [r.passed for r in results] == [k != 3 for k in range(8)]


def test_containers_are_hardened(docker_pool):
    c = client()
    containers = c.containers.list(filters={"label": LABEL})
    ours = [ct for ct in containers if ct.labels.get(LABEL) == docker_pool._owner]
    assert len(ours) == docker_pool.config.pool_size
    host = ours[0].attrs["HostConfig"]
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert "no-new-privileges" in host["SecurityOpt"]
    assert host["PidsLimit"] == docker_pool.config.pids
    assert host["Memory"] == host["MemorySwap"] == docker_pool.config.memory_mb << 20
    assert host["NanoCpus"] == int(docker_pool.config.cpus * 1e9)
    assert host["CpuShares"] == docker_pool.config.cpu_shares  # weighed against host processes:
    assert host["CgroupParent"] == docker_pool._cgroup_parent  # "/" with cgroupfs, not docker's one group
    assert "nr_inodes=" in host["Tmpfs"]["/work"]
    assert host["IpcMode"] == "none" and host["LogConfig"]["Type"] == "none"
    assert not host["Binds"] and list(host["Tmpfs"]) == ["/work"]
    assert ours[0].attrs["Config"]["User"] == UID


def test_a_missing_engine_says_how_to_start_it(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(RingdataError, match="dockerd --iptables=false"):
        client()


def test_a_missing_image_says_how_to_build_it(docker_pool):
    from sandboxes.docker_backend import DockerConfig, DockerSandbox

    with pytest.raises(RingdataError, match="ringdata sandbox build"):
        DockerSandbox(DockerConfig(image="ringdata-sandbox-does-not-exist"))


def test_periodic_recycling_replaces_containers():
    from sandboxes.docker_backend import DockerConfig, DockerSandbox

    try:
        sandbox = DockerSandbox(DockerConfig(pool_size=1, recycle_every=2))
    except RingdataError as exc:
        from tests.conftest import skip_or_fail

        skip_or_fail("Docker engine", "RINGDATA_REQUIRE_DOCKER", str(exc))
    with sandbox:
        sub = Submission("print(int(input()) * 2)", DOUBLE[:2])
        assert all(sandbox.run(sub).passed for _ in range(5))
        assert sandbox.recycled == 2


KILL_HARNESS = """
import os, signal
zygote = os.getppid()
with open(f"/proc/{zygote}/stat") as f:
    runner = int(f.read().rsplit(")", 1)[1].split()[1])
os.kill(zygote, signal.SIGKILL)
os.kill(runner, signal.SIGKILL)
"""
STOP_HARNESS_LATER = """
import os, signal, subprocess, sys
zygote = os.getppid()
subprocess.Popen([sys.executable, "-c", f"import os, time; time.sleep(0.3); os.kill({zygote}, 19)"], start_new_session=True)
print(int(input()) * 2)
"""
LEAVE_TRACES = """
import os, subprocess
subprocess.Popen(["sleep", "1000"], start_new_session=True)
open("/work/trace", "w").write("x")
print(int(input()) * 2)
"""
FIND_TRACES = """
import os
procs = [p for p in os.listdir("/proc") if p.isdigit() and open(f"/proc/{p}/cmdline").read().startswith("sleep")]
print(int(input()) * 2 if not procs and not os.path.exists("/work/trace") else "TRACES")
"""
RIGHT = "print(int(input()) * 2)"


def test_one_batch_attacker_does_not_change_its_neighbours_results(docker_solo):
    """Several submissions share one exec in run_many: attackers get their own verdicts, the
    others theirs, exactly as if each ran alone."""
    programs = [RIGHT, LEAVE_TRACES, FIND_TRACES, STOP_HARNESS_LATER, RIGHT, KILL_HARNESS, RIGHT,
                "while True:\n    pass", RIGHT]  # fmt: skip
    subs = [Submission(p, DOUBLE[:3], QUICK) for p in programs]
    results = docker_solo.run_many(subs)
    assert [r.status for r in results] == [
        CaseStatus.PASSED, CaseStatus.PASSED, CaseStatus.PASSED,
        CaseStatus.PASSED,  # it finished before its helper stopped the harness
        CaseStatus.PASSED, CaseStatus.RUNTIME_ERROR, CaseStatus.PASSED, CaseStatus.TIME_LIMIT, CaseStatus.PASSED,
    ], [(r.status, r.cases[-1].detail if r.cases else r.error) for r in results]  # fmt: skip
    assert not any(r.error for r in results)


KILL_ITS_ZYGOTE = """
import os, signal
print(int(input()) * 2, flush=True)
os.kill(os.getppid(), signal.SIGKILL)  # the zygote: every later program of the batch would need it
"""


def test_a_failed_harness_check_means_a_fresh_container_and_a_regrade_alone(docker_solo):
    """The runner's check after the attacker fails (its zygote is dead; lowering the zygote's
    limits, the older way to fail it, is refused by the kernel now): the attacker fails on its
    own, everything after it in the batch is graded again alone, in fresh containers, and the
    tainted container is discarded."""
    recycled = docker_solo.recycled
    neighbours = ("print(2 * int(input()))", "n = int(input())\nprint(n + n)")  # distinct: the batch keeps its order
    subs = [Submission(p, DOUBLE[:2], QUICK) for p in (RIGHT, KILL_ITS_ZYGOTE, *neighbours)]
    results = docker_solo.run_many(subs)
    statuses = [r.status for r in results]
    assert statuses == [CaseStatus.PASSED, CaseStatus.RUNTIME_ERROR, CaseStatus.PASSED, CaseStatus.PASSED], results
    assert not any(r.error for r in results), results
    assert docker_solo.recycled >= recycled + 2  # the batch's container, then the attacker's own
    # Last in its batch, the same: a zygote seen as its socket's end of file is dead, not kept
    # (the runner read its state too early once: a persistent runner then served the next batch
    # with a dead zygote).
    recycled = docker_solo.recycled
    last = docker_solo.run_many([Submission(p, DOUBLE[:2], QUICK) for p in (RIGHT, KILL_ITS_ZYGOTE)])
    assert [r.status for r in last] == [CaseStatus.PASSED, CaseStatus.RUNTIME_ERROR], last
    assert docker_solo.recycled >= recycled + 2


RUNNER_PID = """
import os
zygote = os.getppid()
with open(f"/proc/{zygote}/stat") as f:
    print(int(f.read().rsplit(")", 1)[1].split()[1]))
"""


def test_a_persistent_runner_serves_batch_after_batch_and_one_shot_still_grades():
    """`persistent` (the default): the same runner answers consecutive batches, each from a
    scrub; one that a program killed is replaced with the container. `persistent=False`: one
    exec per batch, the same verdicts."""
    from sandboxes.docker_backend import DockerConfig, DockerSandbox

    run_pid = Submission(RUNNER_PID, (TestCase(input="", output=None),), Limits(compare=False))
    outcomes = [(RIGHT, CaseStatus.PASSED), (LEAVE_TRACES, CaseStatus.PASSED), (FIND_TRACES, CaseStatus.PASSED),
                ("while True:\n    pass", CaseStatus.TIME_LIMIT)]  # fmt: skip
    for persistent in (True, False):
        try:
            sandbox = DockerSandbox(DockerConfig(pool_size=1, persistent=persistent, exec_grace_s=3.0))
        except RingdataError as exc:
            from tests.conftest import skip_or_fail

            skip_or_fail("Docker engine", "RINGDATA_REQUIRE_DOCKER", str(exc))
        with sandbox:
            pids = {sandbox.run(run_pid).cases[0].stdout_tail for _ in range(3)}
            assert len(pids) == (1 if persistent else 3), pids
            for program, status in outcomes:
                assert sandbox.run(Submission(program, DOUBLE[:3], QUICK)).status is status, (persistent, program)
            recycled = sandbox.recycled
            assert sandbox.run(Submission(KILL_HARNESS, DOUBLE[:1], QUICK)).status is CaseStatus.RUNTIME_ERROR
            assert sandbox.run(Submission(RIGHT, DOUBLE[:3], QUICK)).passed and sandbox.recycled > recycled
