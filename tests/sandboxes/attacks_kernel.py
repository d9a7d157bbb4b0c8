"""Attacks on what the kernel now enforces (sandboxes/base.py): CPU charged from the sandbox's
cgroup, every process of a case gone whatever its state, nothing of a submission in the tables of
a warm container's namespaces, a test layer closed to the program's names, Java's main class found
from what javac produced. One property per test; test_attacks_docker.py and test_attacks_local.py
bind `sandbox` to their backend, and check `assert_nothing_left` after every attack test.

Each attack here passed (earned reward, or zeroed a right program) before the mechanism it names.
"""

from __future__ import annotations

import pytest

from ringdata.core.records import TestCase
from sandboxes import CaseStatus, Limits, Submission
from tests.conftest import skip_or_fail

QUICK = Limits(time_s=1.0, wall_factor=3.0)


def observed(result) -> str:
    case = result.cases[0] if result.cases else None
    return f"{result.status.value}: {case.detail if case else result.error} {case.stdout_tail[-300:] if case else ''}"


# What the next submission in the same sandbox may see of an earlier one: nothing. Its own
# ancestors (the zygote, the runner) and pid 1 aside, no process; no file in the writable places;
# no row in the network namespace's socket tables; no SysV IPC object.
LOOK_AROUND = r"""
import os
chain, pid = set(), os.getpid()
while pid > 1:
    chain.add(pid)
    with open(f"/proc/{pid}/stat") as f:
        pid = int(f.read().rsplit(")", 1)[1].split()[1])
found = []
for name in os.listdir("/proc"):
    if name.isdigit() and int(name) not in chain and name != "1":
        try:
            with open(f"/proc/{name}/comm") as f:
                found.append(f"process {name} {f.read().strip()}")
        except OSError:
            pass
for d in ("/work", "/dev/shm", "/dev/mqueue"):
    try:
        if os.listdir(d):
            found.append(f"files in {d}: {os.listdir(d)[:3]}")
    except OSError:
        pass
for table in ("net/tcp", "net/tcp6", "net/udp", "net/udp6", "net/raw", "net/raw6", "sysvipc/shm", "sysvipc/msg", "sysvipc/sem"):
    try:
        with open(f"/proc/{table}") as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        continue
    if rows:
        found.append(f"{len(rows)} rows in /proc/{table}")
try:
    with open("/proc/net/unix") as f:  # the harness's own sockets have no name
        named = [row.split()[7] for row in f.read().splitlines()[1:] if len(row.split()) > 7]
    if named:
        found.append(f"named unix sockets {named[:3]}")
except OSError:
    pass
print("LEAK " + "; ".join(found) if found else "SAFE")
"""


@pytest.fixture(autouse=True)
def nothing_left_after(request):
    """After every attack, the next submission in the same sandbox sees nothing of it (a test
    module that star-imports this one runs it after each of its tests that use `sandbox`)."""
    sandbox = request.getfixturevalue("sandbox") if "sandbox" in request.fixturenames else None
    yield
    if sandbox is not None:
        assert_nothing_left(sandbox)


def assert_nothing_left(sandbox) -> None:
    """The post-attack property: a fresh submission in the same sandbox sees nothing of the last."""
    result = sandbox.run(Submission(LOOK_AROUND, (TestCase(input="", output="SAFE\n"),), Limits(time_s=2.0)))
    assert result.status is CaseStatus.PASSED, f"after the attack: {observed(result)}"


def _needs(sandbox, language: str) -> None:
    if language not in sandbox.languages:
        skip_or_fail(f"{language} in the {sandbox.name} sandbox", "RINGDATA_REQUIRE_DOCKER",
                     f"it runs {', '.join(sorted(sandbox.languages))}")  # fmt: skip


# --------------------------------------------------------------------------- (1) CPU the kernel counts

# Workers forked while SIGCHLD is ignored are reaped by the kernel: no RUSAGE_CHILDREN, and each is
# gone before a poll of /proc could add it up. 4 s of work in 0.2 s pieces under a 1 s limit.
REAPED_WORKERS_PY = """
import os, signal, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
for _ in range(20):
    pid = os.fork()
    if pid == 0:
        t = time.process_time()
        while time.process_time() - t < 0.2:
            pass
        os._exit(0)
    while True:
        try:
            os.kill(pid, 0)
            time.sleep(0.01)
        except ProcessLookupError:
            break
print("SAFE")
"""
REAPED_WORKERS_CPP = r"""
#include <csignal>
#include <cstdio>
#include <ctime>
#include <unistd.h>
int main() {
    signal(SIGCHLD, SIG_IGN);
    for (int i = 0; i < 20; i++) {
        pid_t pid = fork();
        if (pid == 0) { clock_t t = clock(); while (clock() - t < CLOCKS_PER_SEC / 5) {} _exit(0); }
        while (kill(pid, 0) == 0) usleep(10000);
    }
    puts("SAFE");
}
"""


@pytest.mark.parametrize("language,program", [("python", REAPED_WORKERS_PY), ("cpp", REAPED_WORKERS_CPP)],
                         ids=["python", "cpp"])
def test_cpu_of_workers_the_kernel_reaps_is_charged(sandbox, language, program):
    _needs(sandbox, language)
    result = sandbox.run(Submission(program, (TestCase(input="", output="SAFE\n"),), QUICK, language=language))
    assert result.status is CaseStatus.TIME_LIMIT, observed(result)


def test_the_cpu_charged_is_the_programs_own(sandbox):
    """The cgroup's count less the harness's own: 0.4 s of work is charged about 0.4 s, not the
    runner's polling or the zygote's forking on top, nor less."""
    program = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4:\n    pass\nprint('SAFE')\n"
    result = sandbox.run(Submission(program, (TestCase(input="", output="SAFE\n"),), QUICK))
    assert result.status is CaseStatus.PASSED, observed(result)
    assert 0.38 <= result.cases[0].time_s <= 0.6, result.cases[0].time_s


def test_a_bomb_of_reaped_workers_ends_at_its_cpu_limit(sandbox):
    """Four workers at a time, each replaced as it ends: starved or not, the kernel's count reaches
    the limit, so the case never earns the starvation rule's extra walls."""
    program = REAPED_WORKERS_PY.replace("range(20)", "range(1000)").replace(
        "    while True:\n", "    if _ % 4:\n        continue\n    while True:\n")
    result = sandbox.run(Submission(program, (TestCase(input="", output="SAFE\n"),), QUICK))
    assert result.status is CaseStatus.TIME_LIMIT, observed(result)


# --------------------------------------------------------------------------- (2) every process gone

# A daemon whose main thread exits while another thread runs: its leader shows state Z in /proc.
# It names its thread, so a later case (or submission) can look for it.
ZOMBIE_LEADER = r"""
import ctypes, os, threading, time
def present():
    for pid in os.listdir("/proc"):
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    if f.read().strip() == "ringdaemon":
                        return True
        except OSError:
            continue
    return False
if present():
    print("LEAK")
else:
    if os.fork() == 0:
        os.setsid()
        libc = ctypes.CDLL(None)
        def live():
            libc.prctl(15, b"ringdaemon", 0, 0, 0)
            while True:
                time.sleep(0.05)
        threading.Thread(target=live).start()
        time.sleep(0.2)
        libc.syscall(60, 0)  # SYS_exit: only the main thread ends
    time.sleep(0.5)
    print("SAFE")
"""


def test_a_daemon_with_a_zombie_leader_dies_with_its_case(sandbox):
    two = (TestCase(input="", output="SAFE\n"), TestCase(input="", output="SAFE\n"))
    result = sandbox.run(Submission(ZOMBIE_LEADER, two, Limits(time_s=2.0)))
    assert result.status is CaseStatus.PASSED, observed(result)
    again = sandbox.run(Submission(ZOMBIE_LEADER, two[:1], Limits(time_s=2.0)))
    assert again.status is CaseStatus.PASSED, observed(again)


# The same daemon, turned against its neighbours: it SIGKILLs every process newer than itself (the
# later programs of its batch), which their verdicts would read as the OOM killer's work.
KILLER = ZOMBIE_LEADER.replace("ringdaemon", "ringkiller").replace(
    "time.sleep(0.05)\n",
    "for p in os.listdir('/proc'):\n"
    "                    if p.isdigit() and int(p) > os.getpid():\n"
    "                        try:\n                            os.kill(int(p), 9)\n"
    "                        except OSError:\n                            pass\n"
    "                time.sleep(0.005)\n")


def test_a_zombie_leader_daemon_does_not_zero_the_later_programs_of_its_batch(sandbox):
    one = (TestCase(input="", output="SAFE\n"),)
    right = Submission("import time\ntime.sleep(0.3)\nprint(int(input()) * 2)", (TestCase(input="21\n", output="42\n"),), QUICK)
    results = sandbox.run_many([Submission(KILLER, one, Limits(time_s=2.0)), right, right, right])
    assert all(r.status is CaseStatus.PASSED for r in results[1:]), [observed(r) for r in results[1:]]


# --------------------------------------------------------------------------- (3) no kernel table carries state

TIME_WAIT = r"""
import socket
made = []
for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    try:
        server = socket.socket(family)
        server.bind((host, 0))
        server.listen()
        client = socket.create_connection(server.getsockname()[:2])
        conn, _ = server.accept()
        client.close(); conn.close(); server.close()  # the side that closes first keeps a TIME_WAIT
        made.append(host)
    except OSError:
        pass
for family in (16, 17):  # netlink, packet
    try:
        socket.socket(family, socket.SOCK_RAW)
        made.append(f"family {family}")
    except OSError:
        pass
print("LEAK " + " ".join(made) if made else "SAFE")
"""


def test_no_socket_but_unix_can_be_made(sandbox):
    result = sandbox.run(Submission(TIME_WAIT, (TestCase(input="", output="SAFE\n"),), QUICK))
    assert result.status is CaseStatus.PASSED, observed(result)


# A daemon holding an abstract Unix socket (a name in the network namespace, no file) and a new
# host name (the UTS namespace a warm container keeps): neither may reach the next submission.
NAMESPACE_MARKS = r"""
import os, socket, time
marks = []
try:
    socket.sethostname("ringleak")
    marks.append("hostname")
except OSError:
    pass
if os.fork() == 0:
    os.setsid()
    s = socket.socket(socket.AF_UNIX)
    s.bind("\0ringleak")
    s.listen()
    time.sleep(30)
    os._exit(0)
time.sleep(0.3)
print("LEAK " + " ".join(marks) if marks else "SAFE")
"""


def test_names_in_the_namespaces_do_not_outlive_the_submission(sandbox):
    result = sandbox.run(Submission(NAMESPACE_MARKS, (TestCase(input="", output="SAFE\n"),), QUICK))
    assert result.status is CaseStatus.PASSED, observed(result)
    look = sandbox.run(Submission("import socket\nprint('LEAK' if socket.gethostname() == 'ringleak' else 'SAFE')",
                                  (TestCase(input="", output="SAFE\n"),), QUICK))  # fmt: skip
    assert look.status is CaseStatus.PASSED, observed(look)


def test_unix_sockets_and_pipes_still_work(sandbox):
    program = ("import os, socket\na, b = socket.socketpair()\nr, w = os.pipe()\n"
               "if os.fork() == 0:\n    os.write(w, b.recv(4))\n    os._exit(0)\n"
               "a.send(b'SAFE')\nprint(os.read(r, 4).decode())\n")
    result = sandbox.run(Submission(program, (TestCase(input="", output="SAFE\n"),), Limits(time_s=2.0)))
    assert result.status is CaseStatus.PASSED, observed(result)


# --------------------------------------------------------------------------- (4) the test layer's names

# The program defines `math` (a class whose isclose is always true); the test uses `math` without
# importing it: it must be the runner's math, never the program's.
@pytest.mark.parametrize("name,shadow,test", [
    ("math", "class math:\n    isclose = staticmethod(lambda *a, **k: True)\n", "assert math.isclose(f(), 2.0)"),
    ("collections", "class collections:\n    Counter = staticmethod(lambda *a: 1)\n",
     "assert collections.Counter(f()) == 1"),
], ids=["math", "collections"])  # fmt: skip
def test_a_standard_module_in_a_test_is_the_runners(sandbox, name, shadow, test):
    program = shadow + "def f():\n    return [0.0]\n"
    result = sandbox.run(Submission(program, (TestCase(assert_=test),), QUICK))
    assert result.status in (CaseStatus.WRONG_ANSWER, CaseStatus.RUNTIME_ERROR), observed(result)
    honest = sandbox.run(Submission("def f():\n    return 2.0 if True else [0]\n", (TestCase(assert_=test),), QUICK))
    if name == "math":
        assert honest.status is CaseStatus.PASSED, observed(honest)


def test_a_function_the_test_calls_may_share_a_modules_name(sandbox):
    """An entry point called like a function (`array(...)`) is the program's, stdlib name or not."""
    program = "def array(n):\n    return list(range(n))\n"
    result = sandbox.run(Submission(program, (TestCase(assert_="assert array(3) == [0, 1, 2]"),), QUICK))
    assert result.status is CaseStatus.PASSED, observed(result)


# --------------------------------------------------------------------------- (5) Java's main class

JAVA_RIGHT = {
    "public class nested in Main": """
import java.util.*;
public class Main {
    public static class Pair { int a; Pair(int a) { this.a = a; } }
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(new Pair(in.nextInt()).a * 2);
    }
}
""",
    "annotated class": """
import java.util.*;
@SuppressWarnings("unchecked") public class Solution {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(in.nextInt() * 2);
    }
}
""",
    "generic class, comments naming another": """
// public class Decoy { }
/* class Main */
import java.util.*;
final class Helper<T extends Comparable<T>> { T max(T a, T b) { return a.compareTo(b) >= 0 ? a : b; } }
public class Answer<T> {
    static String s = "public class Fake {";
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(new Helper<Integer>().max(in.nextInt() * 2, 0));
    }
}
""",
    "main in a non-public class after another": """
import java.util.*;
class Util { static int twice(int x) { return 2 * x; } }
class Runner {
    public static void main(String[] args) {
        System.out.println(Util.twice(new Scanner(System.in).nextInt()));
    }
}
""",
}


@pytest.mark.parametrize("shape", sorted(JAVA_RIGHT))
def test_right_java_programs_run_whatever_their_class_layout(sandbox, shape):
    _needs(sandbox, "java")
    tests = (TestCase(input="21\n", output="42\n"),)
    result = sandbox.run(Submission(JAVA_RIGHT[shape], tests, Limits(time_s=2.0), language="java"))
    assert result.status is CaseStatus.PASSED, observed(result)
