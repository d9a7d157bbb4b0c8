"""Attacks through what the kernel grants any process of the harness's uid, or lets outlive a
process: an earlier program's source in the zygote's heap, sockets in flight that hold whatever rides in them after every process of a case is
dead, message queues and keys left for the next case, and signals the runner, the zygote and init answer. Shared by both backends like
attacks.py (test_attacks_docker.py and test_attacks_local.py bind `sandbox`); attacks_kernel.py's
`assert_nothing_left` runs after each. One property per test; each failed before its mechanism.
"""

from __future__ import annotations

import pytest

from ringdata.core.records import TestCase
from sandboxes import CaseStatus, Limits, Submission

QUICK = Limits(time_s=2.0, wall_factor=3.0)
DOUBLE = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in (1, 5, 21, 50))


def why(result) -> str:
    case = result.cases[-1] if result.cases else None
    return f"{result.status.value}: {case.detail if case else result.error} | {case.stdout_tail[-300:] if case else ''}"


# --------------------------------------------------------------------------- what the zygote held

# The zygote received each program's source and freed it; the bytes stayed in its heap, which
# every later child inherits. This program computes nothing: it reads its own memory for the
# program before it (a correct solution, with its recognisable comment) and runs that.
SOLVED = """
# ringdata-rt solved it
print(2 * int(input()))  # ringdata-rt end
""" + "# " + "padding " * 300 + "\n"
COPY_THE_EARLIER_PROGRAM = """
start, end = "".join(["ringdata-rt ", "solved it"]).encode(), "".join(["# ringdata-rt ", "end"]).encode()
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
    for line in maps:
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        if not line.split()[1].startswith("rw") or hi - lo > 64 << 20:
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except (OSError, ValueError, OverflowError):
            continue
        at = data.find(start)
        while at >= 0:
            copy = data[at + len(start):data.find(end, at)]
            if 0 < len(copy) < 200 and b"\\0" not in copy:
                exec(copy.decode())
                raise SystemExit
            at = data.find(start, at + 1)
print(-1)
"""


def test_a_program_does_not_find_an_earlier_program_in_its_memory(sandbox):
    """In one batch, and (a persistent runner) in the next."""
    solved, copied = sandbox.run_many([Submission(SOLVED, DOUBLE, QUICK), Submission(COPY_THE_EARLIER_PROGRAM, DOUBLE, QUICK)])
    assert solved.status is CaseStatus.PASSED, why(solved)
    assert copied.status is CaseStatus.WRONG_ANSWER, why(copied)
    assert sandbox.run(Submission(COPY_THE_EARLIER_PROGRAM, DOUBLE, QUICK)).status is CaseStatus.WRONG_ANSWER


# --------------------------------------------------------------------------- sockets in flight

# Two sockets that carry each other (SCM_RIGHTS), with a named third one: once the process exits
# no process holds any of them, and the kernel frees the cycle only when its garbage collector next
# runs, which only the release of some unix socket schedules. Until then everything riding in it
# stays open, and its abstract name is listed in /proc/net/unix: a message to the next case.
CYCLE = """
import array, socket
def cycle(name, fds=()):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    named = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    named.bind(b"\\0" + name.encode())
    rights = lambda *f: [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", f))]
    for i in range(0, len(fds), 200):
        a.sendmsg([b"fd"], rights(*fds[i:i + 200]))
    a.sendmsg([b"x"], rights(a.fileno(), b.fileno(), named.fileno()))
    b.sendmsg([b"y"], rights(a.fileno(), b.fileno()))
"""

MESSAGE_TO_THE_NEXT_CASE = CYCLE + """
with open("/proc/net/unix") as f:
    left = [row.split()[-1] for row in f.read().splitlines()[1:] if "ringdata-rt-" in row]
n = int(input())
cycle(f"ringdata-rt-{n}")
print(f"LEAK {left}" if left else 2 * n)
"""


def test_sockets_in_flight_do_not_outlive_their_case(sandbox):
    """A cycle of sockets in flight outlives every process of the case that made it; the next
    case must not find it (nor anything riding in it)."""
    result = sandbox.run(Submission(MESSAGE_TO_THE_NEXT_CASE, DOUBLE, QUICK, stop_on_first_failure=False))
    assert result.status is CaseStatus.PASSED, why(result)


# 48 sealed-off memfds of 16 MiB (RLIMIT_FSIZE) in flight: 768 MiB of the container's memory
# cgroup (1 GiB) held after the program is dead, which an honest program after it needs.
HOLD_MEMORY = CYCLE + """
import os
held = []
for i in range(48):
    fd = os.memfd_create(f"held{i}")
    for _ in range(16):
        os.write(fd, b"\\1" * (1 << 20))
    held.append(fd)
cycle("ringdata-rt-memory", held)
print(2 * int(input()))
"""
NEEDS_MEMORY = """
block = b"\\1" * (300 << 20)  # 300 MiB touched, under the 512 MiB limit
print(2 * int(input()))
"""


def test_memory_held_in_flight_does_not_reach_the_next_submission(sandbox):
    """The held memory OOM-killed the honest submission after it in the same batch (`memory_limit`)."""
    limits = Limits(time_s=3.0, wall_factor=3.0)
    held, result = sandbox.run_many([Submission(HOLD_MEMORY, DOUBLE[:1], limits), Submission(NEEDS_MEMORY, DOUBLE, limits)])
    assert held.status is CaseStatus.PASSED, why(held)
    assert result.status is CaseStatus.PASSED, why(result)


# A POSIX message queue (through libc: Python has no binding) and a SysV one, made in one case and
# looked for in the next: between cases the runner wiped only the work dir (and, under bubblewrap,
# /dev/mqueue was not mounted, so no wipe reached a queue at all).
QUEUES = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
rt = ctypes.CDLL("librt.so.1", use_errno=True)
n = int(input())
posix = rt.mq_open(b"/ringdata-rt", os.O_RDWR, 0o600, None)
sysv = libc.msgget(0x52494E47, 0o600)
if posix >= 0 or sysv >= 0:
    print(f"LEAK posix {posix} sysv {sysv}")
else:
    rt.mq_open(b"/ringdata-rt", os.O_CREAT | os.O_RDWR, 0o600, None)
    libc.msgget(0x52494E47, 0o1600)  # IPC_CREAT
    print(2 * n)
"""


def test_message_queues_do_not_outlive_their_case(sandbox):
    result = sandbox.run(Submission(QUEUES, DOUBLE, QUICK, stop_on_first_failure=False))
    assert result.status is CaseStatus.PASSED, why(result)



# The runner keeps /proc/net/unix and /proc/sysvipc/* open and reads them again from offset 0 in
# pieces of 64 KiB (`_read_file`): tables many pieces long must be read whole. 3000 connections
# wait, unaccepted, on a listening socket with a long abstract name (each a socket of its own,
# listed with that name, held by no descriptor: ~460 KB of /proc/net/unix), and the listener rides
# in a cycle in flight; 2500 SysV message queues and 1500 semaphore sets (~300 KB and ~130 KB).
MANY_PAGES = CYCLE + """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
with open("/proc/net/unix") as f:
    left = f.read().count("ringdata-rt-pages")
for table in ("msg", "sem"):
    with open(f"/proc/sysvipc/{table}") as f:
        left += len(f.read().splitlines()[1:])
n = int(input())
name = b"\\0ringdata-rt-pages-" + b"q" * 80 + str(n).encode()
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(name)
listener.listen(4096)
for _ in range(3000):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(name)
cycle(f"ringdata-rt-pages-{n}", [listener.fileno()])
made = sum(libc.msgget(0x5000 + i, 0o1600) >= 0 for i in range(2500))
made += sum(libc.semget(0x9000 + i, 1, 0o1600) >= 0 for i in range(1500))
with open("/proc/net/unix") as f:
    size = len(f.read())
print(f"LEAK {left}" if left else 2 * n, "made", made, "table", size)
"""  # a wrong answer (one token expected): the case's output is what the test reads


def test_tables_many_pages_long_are_scrubbed_whole(sandbox):
    result = sandbox.run(Submission(MANY_PAGES, DOUBLE, Limits(time_s=3.0, wall_factor=3.0), stop_on_first_failure=False))
    assert len(result.cases) == len(DOUBLE), why(result)
    for i, case in zip((1, 5, 21, 50), result.cases):
        assert case.stdout_tail.startswith(f"{2 * i} made 4000 table "), why(result)
        assert int(case.stdout_tail.split()[-1]) > 4 << 16, case.stdout_tail  # the table was many pieces long


# A key in the uid's user keyring (add_key), read back in the next case: keyrings belong to the
# uid (in its user namespace), not to a process, and outlive every one. Docker's default seccomp
# profile refuses the key calls; under bubblewrap nothing did until the zygote's filter did.
KEYRING = """
import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
add_key, keyctl = {"x86_64": (248, 250), "aarch64": (217, 219)}[platform.machine()]
USER_KEYRING, KEYCTL_SEARCH = ctypes.c_int(-4), 10
n = int(input())
found = libc.syscall(keyctl, KEYCTL_SEARCH, USER_KEYRING, b"user", b"ringdata-rt", 0)
made = libc.syscall(add_key, b"user", b"ringdata-rt", str(n).encode(), len(str(n)), USER_KEYRING)
print(f"LEAK key {found} from an earlier case" if found > 0 else 2 * n)
"""


def test_a_keyring_does_not_outlive_its_case(sandbox):
    result = sandbox.run(Submission(KEYRING, DOUBLE, QUICK, stop_on_first_failure=False))
    assert result.status is CaseStatus.PASSED, why(result)


# --------------------------------------------------------------------------- signals

# Any process of the uid may signal the runner, the zygote and init. SIGKILL and SIGSTOP are
# answered already (the program "killed the harness"); a signal the harness's Python answers is
# different: SIGINT raised KeyboardInterrupt in the runner (a traceback on its stderr: "the runner
# failed", `sandbox_error`) and in the container's init (the container died with it).
INTERRUPT = """
import os, signal, time
zygote = os.getppid()
with open(f"/proc/{zygote}/stat") as f:
    runner = int(f.read().rsplit(")", 1)[1].split()[1])
signal.signal(signal.SIGINT, signal.SIG_IGN)
os.kill({target}, signal.SIGINT)
time.sleep(0.3)
print(0)
"""


@pytest.mark.parametrize("target", ["runner", "zygote", "1", "-1"], ids=["runner", "zygote", "init", "everyone"])
def test_an_interrupt_sent_to_the_harness_fails_the_program_not_the_sandbox(sandbox, target):
    """A program that signals the harness fails on its own account (killed the harness, or its
    wrong answer); `sandbox_error` would call it the infrastructure's fault and grade it again."""
    result = sandbox.run(Submission(INTERRUPT.replace("{target}", target), DOUBLE, QUICK))
    assert result.status not in (CaseStatus.SANDBOX_ERROR, CaseStatus.PASSED), why(result)


# The runner's wall cap for a test's own code is a SIGALRM, which the program can send it too,
# while it keeps itself runnable: five of them made the runner give up on a "starved" case, and a
# wrong answer became `sandbox_error` (starved of CPU) in 50 ms.
FAKE_ALARMS = """
import os, signal, time
zygote = os.getppid()
with open(f"/proc/{zygote}/stat") as f:
    runner = int(f.read().rsplit(")", 1)[1].split()[1])
def add(a, b):
    for _ in range(8):
        os.kill(runner, signal.SIGALRM)
        t = time.perf_counter()
        while time.perf_counter() - t < 0.005:  # runnable: what the starvation rule looks for
            pass
    return a + b + 1
"""


def test_the_program_cannot_sound_the_runners_alarm(sandbox):
    result = sandbox.run(Submission(FAKE_ALARMS, (TestCase(assert_="assert add(1, 2) == 3"),), QUICK))
    assert result.status is CaseStatus.WRONG_ANSWER, why(result)
