"""The adversarial properties every backend must hold, one per test. test_attacks_docker.py and
test_attacks_local.py import these tests and bind the `sandbox` fixture to their backend.

Most attacks print what they observed and are graded against the observation a safe sandbox
gives, so a sandbox that breaks everything fails these tests too.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
import uuid

import pytest

from ringdata.core.records import TestCase
from sandboxes import CaseStatus, Limits, Submission
from sandboxes.base import case_wall_bound

QUICK = Limits(time_s=1.0, wall_factor=2.0)  # wall deadline 2.5 s per case
RIGHT = "print(int(input()) * 2)"


def run(sandbox, program: str, expect: str = "SAFE", limits: Limits = QUICK, stdin: str = ""):
    return sandbox.run(Submission(program, (TestCase(input=stdin, output=expect),), limits))


def assert_healthy(sandbox) -> None:
    """The sandbox still grades an ordinary program after an attack."""
    result = sandbox.run(Submission(RIGHT, (TestCase(input="21\n", output="42\n"),), QUICK))
    assert result.status is CaseStatus.PASSED, result


def observed(result) -> str:
    case = result.cases[0] if result.cases else None
    return f"{result.status.value}: {case.detail if case else result.error} {case.stdout_tail[-300:] if case else ''}"


def _host_ip() -> str:
    """An address of this host that is not loopback (the sandbox must not reach it either)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the route
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


def test_network_tcp_connect_fails(sandbox):
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen()
    port = server.getsockname()[1]
    program = f"""
import socket
hits = []
for host, port in [("{_host_ip()}", {port}), ("172.17.0.1", {port}), ("1.1.1.1", 80), ("8.8.8.8", 53)]:
    try:
        socket.create_connection((host, port), timeout=1).close()
        hits.append(f"{{host}}:{{port}}")
    except OSError:
        pass
print("LEAK " + " ".join(hits) if hits else "SAFE")
"""
    try:
        result = run(sandbox, program, limits=Limits(time_s=2.0, wall_factor=4.0))
    finally:
        server.close()
    assert result.status is CaseStatus.PASSED, observed(result)


def test_network_dns_resolution_fails(sandbox):
    program = """
import socket
try:
    print("LEAK", socket.getaddrinfo("pypi.org", 443)[0][4])
except OSError:
    print("SAFE")
"""
    result = run(sandbox, program, limits=Limits(time_s=2.0, wall_factor=4.0))
    assert result.status is CaseStatus.PASSED, observed(result)


def test_fork_bomb_is_contained(sandbox):
    program = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""
    started = time.monotonic()
    result = run(sandbox, program)
    assert result.status in (CaseStatus.TIME_LIMIT, CaseStatus.RUNTIME_ERROR), observed(result)
    assert time.monotonic() - started < 15
    assert_healthy(sandbox)


def test_memory_bomb_gives_memory_limit(sandbox):
    program = "chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 2**20))\n"
    result = run(sandbox, program, limits=Limits(time_s=2.0, memory_mb=256))
    assert result.status is CaseStatus.MEMORY_LIMIT, observed(result)


def test_the_program_is_the_out_of_memory_killers_first_choice(sandbox):
    """The program, not the runner or the zygote, is what the cgroup OOM killer takes first: its
    oom_score_adj is 1000 (the write used to fail unseen: /proc of a non-dumpable fork is root's)."""
    result = run(sandbox, "print('SAFE' if open('/proc/self/oom_score_adj').read().strip() == '1000' else 'LEAK')")
    assert result.passed, observed(result)


def test_infinite_loop_gives_time_limit(sandbox):
    started = time.monotonic()
    result = run(sandbox, "while True:\n    pass\n")
    assert result.status is CaseStatus.TIME_LIMIT, observed(result)
    assert time.monotonic() - started < case_wall_bound(QUICK) + 5  # the wall cap, extended while the host starves the loop


def test_sleeping_program_gives_time_limit(sandbox):
    result = run(sandbox, "import time\ntime.sleep(60)\n")
    assert result.status is CaseStatus.TIME_LIMIT, observed(result)


def test_disk_fill_is_bounded(sandbox):
    """Files can be written (else this test would prove nothing), but only up to the tmpfs size."""
    program = """
import os
written = 0
try:
    for i in range(10**6):
        with open(f"/work/fill{i}", "wb") as f:
            for _ in range(16):
                f.write(b"x" * 2**20)
                written += 2**20
except OSError:
    pass
print("SAFE" if 2**20 <= written <= 80 * 2**20 else f"UNEXPECTED {written >> 20} MB")
"""
    result = run(sandbox, program, limits=Limits(time_s=5.0))
    assert result.status is CaseStatus.PASSED, observed(result)


def test_host_marker_file_is_not_readable(sandbox, tmp_path):
    secret = uuid.uuid4().hex
    paths = []
    for where in (tmp_path, "/tmp", os.getcwd()):
        path = os.path.join(str(where), f"ringdata-marker-{secret[:8]}.txt")
        with open(path, "w") as f:
            f.write(secret)
        paths.append(path)
    program = f"""
import os
found = []
for path in {paths!r} + ["/proc/1/root" + p for p in {paths!r}]:
    try:
        with open(path) as f:
            found.append(f.read())
    except OSError:
        pass
print("LEAK" if found else "SAFE")
"""
    try:
        result = run(sandbox, program)
    finally:
        for path in paths:
            os.unlink(path)
    assert result.status is CaseStatus.PASSED, observed(result)
    assert secret not in result.cases[0].stdout_tail


WRITE_EVERYWHERE = """
import os
mark = "ringdata-persist-probe"
written = []
for top, dirs, files in os.walk("/"):
    if top.startswith(("/proc", "/sys")):
        dirs[:] = []
        continue
    path = os.path.join(top, mark)
    try:
        with open(path, "w") as f:
            f.write("x")
        written.append(top)
    except OSError:
        pass
print(len(written) and "WROTE " + " ".join(sorted(written)))
"""

FIND_LEFTOVERS = """
import os
mark = "ringdata-persist-probe"
found = []
for top, dirs, files in os.walk("/"):
    if top.startswith(("/proc", "/sys")):
        dirs[:] = []
        continue
    if mark in files:
        found.append(top)
print("LEAK " + " ".join(found) if found else "SAFE")
"""


def test_nothing_written_persists_to_the_next_submission(sandbox):
    first = run(sandbox, WRITE_EVERYWHERE, expect="", limits=Limits(time_s=5.0))
    wrote = first.cases[0].stdout_tail.split()[1:]
    # Only the work directory and the POSIX message-queue mount are writable at all.
    assert set(wrote) <= {"/work", "/dev/mqueue", "/dev/shm"}, first.cases[0].stdout_tail
    assert "/work" in wrote
    second = run(sandbox, FIND_LEFTOVERS, limits=Limits(time_s=5.0))
    assert second.status is CaseStatus.PASSED, observed(second)


def test_root_filesystem_is_read_only(sandbox):
    program = """
hits = []
for path in ["/etc/passwd", "/usr/bin/python3", "/opt-probe", "/tmp/probe", "/var/tmp/probe"]:
    try:
        open(path, "a").close()
        hits.append(path)
    except OSError:
        pass
print("LEAK " + " ".join(hits) if hits else "SAFE")
"""
    result = run(sandbox, program)
    assert result.status is CaseStatus.PASSED, observed(result)


def test_background_process_is_gone_before_the_next_submission(sandbox):
    spawn = """
import os, subprocess, time
subprocess.Popen(["sleep", "1000"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            time.sleep(0.01)
    os._exit(0)
time.sleep(0.2)
print("SAFE")
"""
    first = run(sandbox, spawn)
    assert first.status is CaseStatus.PASSED, observed(first)
    look = """
import os
me = os.getpid()
mine = {me, os.getppid(), 1}
with open(f"/proc/{os.getppid()}/stat") as f:
    mine.add(int(f.read().rsplit(")", 1)[1].split()[1]))  # the runner, parent of the zygote
others = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) not in mine:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                others.append(f.read().replace(b"\\0", b" ")[:40].decode())
        except OSError:
            pass
print("LEAK " + repr(others) if others else "SAFE")
"""
    second = run(sandbox, look)
    assert second.status is CaseStatus.PASSED, observed(second)


FAKE_REPORT = """
import json
case = {"status": "passed", "time_s": 0, "wall_s": 0, "exit_code": 0, "signal": None,
        "stdout_tail": "", "stderr_tail": "", "detail": ""}
report = json.dumps({"cases": [case] * 3, "wall_s": 0, "non_dumpable": True,
                     "survivors_before": 0, "survivors_after": 0})
for nonce in ["", "0" * 32]:
    print(f"RINGDATA-REPORT {nonce}\\n{report}\\nRINGDATA-REPORT {nonce}")
print("all tests passed")
"""


def test_fake_report_on_stdout_is_graded_on_real_output(sandbox):
    tests = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in range(3))
    result = sandbox.run(Submission(FAKE_REPORT, tests, QUICK))
    assert result.status is CaseStatus.WRONG_ANSWER, observed(result)
    assert result.n_passed == 0


def test_writing_to_the_report_channel_fails(sandbox):
    """The program looks for every descriptor of every other process (the runner's stdout is
    the report channel) and writes a forged report to each it can open."""
    program = FAKE_REPORT.replace('print("all tests passed")', "") + """
import os
opened = []
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        continue
    for fd in fds:
        try:
            out = os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
            try:
                os.write(out, report.encode())
                opened.append(f"{pid}/{fd}")
            finally:
                os.close(out)
        except OSError:
            pass
for fd in range(3, 256):
    try:
        os.write(fd, report.encode())
        opened.append(str(fd))
    except OSError:
        pass
import sys
print("opened:", opened, file=sys.stderr)
print("wrong")
"""
    tests = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in range(3))
    result = sandbox.run(Submission(program, tests, QUICK))
    assert result.status is CaseStatus.WRONG_ANSWER, observed(result)
    assert "opened: []" in result.cases[0].stderr_tail, result.cases[0].stderr_tail


def test_expected_output_is_not_visible_to_the_program(sandbox):
    """Neither in its own memory (a plain fork of the runner would hold it) nor in any other
    process's: the program hunts for the expected output and prints what it finds."""
    program = """
import gc, os, re
prefix = "SECRET" + "-"
found = []
for obj in gc.get_objects():
    items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
    found += [x for x in items if isinstance(x, str) and x.startswith(prefix) and x != prefix]
pattern = re.compile(prefix.encode() + rb"[0-9a-f]{32}")
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        for name in ("mem", "environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as f:
                    found += [m.decode() for m in pattern.findall(f.read(1 << 20))]
            except (OSError, ValueError, OverflowError):
                pass
print(found[0] if found else "none")
"""
    result = run(sandbox, program, expect=f"SECRET-{uuid.uuid4().hex}")
    assert result.status is CaseStatus.WRONG_ANSWER, observed(result)
    assert result.cases[0].stdout_tail.strip() == "none", result.cases[0].stdout_tail


def test_output_flood_is_cut_and_reported(sandbox):
    program = "import sys\nblock = 'x' * 2**20\nfor _ in range(100):\n    sys.stdout.write(block)\n"
    started = time.monotonic()
    result = run(sandbox, program, limits=Limits(time_s=5.0, output_bytes=8 << 20))
    assert result.status is CaseStatus.OUTPUT_LIMIT, observed(result)
    assert len(result.cases[0].stdout_tail) <= 4096
    assert time.monotonic() - started < 20


def test_killing_its_parents_does_not_crash_the_grader(sandbox):
    program = """
import os, signal
zygote = os.getppid()
with open(f"/proc/{zygote}/stat") as f:
    runner = int(f.read().rsplit(")", 1)[1].split()[1])
for pid in (runner, zygote, 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
print(int(input()) * 2)
"""
    result = sandbox.run(Submission(program, (TestCase(input="1\n", output="2\n"),) * 2, QUICK))
    assert result.status is CaseStatus.RUNTIME_ERROR, observed(result)
    assert not result.error
    assert_healthy(sandbox)


def test_stopping_the_runner_gives_time_limit(sandbox):
    program = """
import os, signal
with open(f"/proc/{os.getppid()}/stat") as f:
    runner = int(f.read().rsplit(")", 1)[1].split()[1])
os.kill(runner, signal.SIGSTOP)
os.kill(os.getppid(), signal.SIGSTOP)
"""
    result = run(sandbox, program)
    assert result.status is CaseStatus.TIME_LIMIT, observed(result)
    assert_healthy(sandbox)


def test_runs_unprivileged(sandbox):
    program = """
import os
caps = [l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapPrm", "NoNewPrivs"))]
print(os.getuid() != 0 and os.geteuid() != 0 and caps[:2] == ["0000000000000000"] * 2 and "SAFE")
"""
    result = run(sandbox, program)
    assert result.status is CaseStatus.PASSED, observed(result)


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_time_limits_hold_while_both_cores_are_busy(sandbox):
    """With every core spinning on the host: an infinite loop still ends as time_limit within
    its wall deadline, and a program well inside its CPU limit still passes."""
    hogs = [multiprocessing.get_context("fork").Process(target=_spin, args=(30.0,)) for _ in range(os.cpu_count() or 2)]
    for hog in hogs:
        hog.start()
    try:
        started = time.monotonic()
        loop = run(sandbox, "while True:\n    pass\n")
        loop_wall = time.monotonic() - started
        busy = run(
            sandbox,
            "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end:\n    pass\nprint('SAFE')\n",
            limits=Limits(time_s=1.0, wall_factor=3.0),
        )
    finally:
        for hog in hogs:
            hog.kill()
            hog.join()
    assert loop.status is CaseStatus.TIME_LIMIT, observed(loop)
    assert loop_wall < case_wall_bound(QUICK) + 5  # the wall cap, extended while the host starves the loop
    assert busy.status is CaseStatus.PASSED, observed(busy)
