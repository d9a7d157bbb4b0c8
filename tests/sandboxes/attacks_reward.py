"""Attacks on the reward itself, shared by both backends like attacks.py: earning a pass without
solving the task, and making an innocent program lose one. One property per test, grouped by
the seven classes of issue 9: (1) function tests, (2) exact integers, (3) a warm pool that
forgets, (4) CPU of every process, (5) fair time limits under load, (6) the bubblewrap pid 1 and
environment, (7) `detail` out of the program's reach. Each attack is paired, where it makes
sense, with the honest program that must still pass.

test_attacks_docker.py and test_attacks_local.py bind `sandbox` (one worker, so consecutive
submissions share a container) and `sandbox_pair` (two at once) to their backend.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid

import pytest

from ringdata.core.records import TestCase
from sandboxes import CaseStatus, Limits, Submission

QUICK = Limits(time_s=1.0, wall_factor=3.0)
RIGHT = "print(int(input()) * 2)"
DOUBLE = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in (1, 5, 21))


def asserts(*blocks: str) -> tuple[TestCase, ...]:
    return tuple(TestCase(assert_=b) for b in blocks)


def why(result) -> str:
    case = result.cases[-1] if result.cases else None
    return f"{result.status.value}: {case.detail if case else result.error} | {case.stderr_tail[-400:] if case else ''}"


# --------------------------------------------------------------------------- (1) function tests

ADD_TESTS = asserts("assert add(1, 2) == 3", "assert add(20, 22) == 42\nassert add(-1, 1) == 0")

ALWAYS_EQUAL = """
class Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __hash__(self): return 0
def add(a, b):
    return Anything()
"""

LYING_INT = """
class Int(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
def add(a, b):
    return Int(0)
"""

READ_THE_TEST = """
import gc, re, sys
def add(a, b):
    found = []
    frame = sys._getframe()
    while frame is not None:  # the caller's frames: the harness, the assert's code object
        found += [c for c in frame.f_code.co_consts if isinstance(c, (int, str))]
        found += [str(v) for v in frame.f_locals.values()]
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, str) and "assert" in obj:
            found += re.findall(r"== (-?\\d+)", obj)
    for path in ("/proc/self/cmdline", "/proc/1/cmdline", f"/proc/{__import__('os').getppid()}/cmdline"):
        try:
            found += re.findall(r"== (-?\\d+)", open(path).read())
        except OSError:
            pass
    numbers = [int(x) for x in found if str(x).lstrip("-").isdigit() and int(x) not in (a, b)]
    print("found", numbers[:20], file=sys.stderr)
    return numbers[-1] if numbers else -999
"""

PATCH_EVERYTHING = """
import builtins, math, sys
builtins.abs = lambda x: 0
builtins.isinstance = lambda *a: True
builtins.AssertionError = type("Never", (Exception,), {})
math.isclose = lambda *a, **k: True
sys.modules["math"] = math
def add(a, b):
    return a - b
"""

EXIT_EARLY = """
import os, sys
def add(a, b):
    try:  # the old harness's completion token: copied from fd 3 to fd 4
        os.set_blocking(3, False)
        os.write(4, os.read(3, 64))
    except OSError:
        pass
    os.write(4, b"\\0" * 8)
    os._exit(0)
"""

STOP_ITERATION = """
def double(x):
    raise StopIteration
"""


@pytest.mark.parametrize(
    "program",
    [ALWAYS_EQUAL, LYING_INT, READ_THE_TEST, PATCH_EVERYTHING, EXIT_EARLY],
    ids=["always-equal", "int-subclass", "read-the-test", "patch-builtins", "exit-early"],
)
def test_function_tests_cannot_be_passed_without_computing(sandbox, program):
    tests = ADD_TESTS + asserts(
        "import math\nassert math.isclose(add(0.1, 0.2), 0.3)",
        "assert abs(add(1, 2) - 3) < 1e-9",
        "assert isinstance(add(1, 2), int) and add(1, 2) == 3",
    )
    result = sandbox.run(Submission(program, tests, QUICK, stop_on_first_failure=False))
    assert result.n_passed == 0, [(c.status.value, c.detail) for c in result.cases]


def test_stop_iteration_from_the_program_does_not_end_a_test_loop(sandbox):
    """In process, StopIteration out of `map` ends the loop and the asserts pass vacuously."""
    test = "for got, want in zip(map(double, [1, 2, 3]), [2, 4, 6]):\n    assert got == want\nassert double(0) == 0"
    result = sandbox.run(Submission(STOP_ITERATION, asserts(test), QUICK))
    assert result.status is CaseStatus.RUNTIME_ERROR, why(result)


def test_an_exit_inside_a_call_fails(sandbox):
    result = sandbox.run(Submission("import sys\ndef add(a, b):\n    sys.exit(0)\n", ADD_TESTS, QUICK))
    assert result.status is CaseStatus.RUNTIME_ERROR, why(result)


def test_a_program_object_is_never_compared_even_when_the_test_swallows_errors(sandbox):
    test = "try:\n    assert add(1, 2) == 3\nexcept Exception:\n    pass\ntry:\n    assert add(1, 2)\nexcept:\n    pass"
    result = sandbox.run(Submission(ALWAYS_EQUAL, asserts(test), QUICK))
    assert result.status is CaseStatus.WRONG_ANSWER and "not plain data" in result.cases[0].detail, why(result)


# Shapes of function tests that must keep working: (program, test). Each honest program passes;
# the same test against `WRONG` (a function returning something else) fails.
SHAPES = {
    "equality": ("def f(x): return x * 2", "assert f(2) == 4"),
    "not": ("def f(x): return x % 2 == 1", "assert not f(2)\nassert f(3)"),
    "in": ("def f(x): return [x, x + 1]", "assert 3 in f(2)\nassert f(2) in ([2, 3], [0])"),
    "isclose": ("def f(x): return x / 3", "import math\nassert math.isclose(f(1), 0.3333333333, rel_tol=1e-6)"),
    "tolerance": ("def f(x): return x ** 0.5", "assert abs(f(2) - 1.41421356) < 1e-6"),
    "several calls": ("def f(x): return x + 1", "assert f(1) == 2 and f(f(1)) == 3 and [f(i) for i in range(3)] == [1, 2, 3]"),
    "humaneval check": ("def f(x): return x * 2", "def check(candidate):\n    assert candidate(3) == 6\n    assert candidate(0) == 0\n\ncheck(f)"),
    "helper and loop": ("def f(x): return sorted(x)", "import random\ndef ref(x): return sorted(x)\nrng = random.Random(1)\nfor _ in range(20):\n    xs = [rng.randint(0, 9) for _ in range(5)]\n    assert f(xs) == ref(xs)"),
    "expected exception": ("def f(x):\n    if x < 0: raise ValueError('negative')\n    return x", "try:\n    f(-1)\n    assert False\nexcept ValueError:\n    pass\nassert f(2) == 2"),
    "in-place": ("def f(xs): xs.sort()", "a = [3, 1, 2]\nf(a)\nassert a == [1, 2, 3]"),
    "generator": ("def f(n): return (i * i for i in range(n))", "assert list(f(3)) == [0, 1, 4]\nassert sorted(f(2)) == [0, 1]"),
    "class": ("class Solution:\n    def f(self, x): return x * 2", "assert Solution().f(4) == 8"),
    "kwargs": ("def f(a, b=1): return a - b", "assert f(5, b=2) == 3 and f(a=5) == 4"),
    "types": ("def f(): return ({1: (2, 3)}, {4}, frozenset([5]), b'x', 1 + 2j, None, True, 10 ** 30, 'é')",
              "assert f() == ({1: (2, 3)}, {4}, frozenset([5]), b'x', 1 + 2j, None, True, 10 ** 30, 'é')\nassert f()[5] is None\nassert isinstance(f()[0], dict)"),
    "namedtuple": ("import collections\nP = collections.namedtuple('P', 'x y')\ndef f(): return P(1, 2)", "assert f() == (1, 2)"),
    "module name": ("import math\ndef f(x): return math.floor(x)", "assert f(2.5) == math.floor(2.5)"),
}
WRONG = "def f(*a, **k): return -1\nclass Solution:\n    def f(self, x): return -1\n"


@pytest.mark.parametrize("shape", list(SHAPES))
def test_supported_assert_shapes_pass_honest_programs_only(sandbox, shape):
    program, test = SHAPES[shape]
    right = sandbox.run(Submission(program, asserts(test), QUICK))
    assert right.status is CaseStatus.PASSED, why(right)
    wrong = sandbox.run(Submission(WRONG, asserts(test), QUICK))
    assert wrong.status is not CaseStatus.PASSED, why(wrong)


def test_a_test_that_passes_a_lambda_is_unsupported_not_wrong(sandbox):
    result = sandbox.run(Submission("def apply(f, x): return f(x)", asserts("assert apply(lambda v: v + 1, 1) == 2"), QUICK))
    assert result.status is CaseStatus.UNSUPPORTED_TEST, why(result)


# --------------------------------------------------------------------------- (2) exact integers


@pytest.mark.parametrize(
    "program,expected,status",
    [
        ("print(123456789012345678 + 1)", "123456789012345678", CaseStatus.WRONG_ANSWER),  # off by one
        ("print(int(1.23456789012345678e17))", "123456789012345678", CaseStatus.WRONG_ANSWER),  # float formula
        ("print(2 ** 60 / 2)", "576460752303423488", CaseStatus.WRONG_ANSWER),  # a float where an integer is due
        ("print(2 ** 59)", "576460752303423488", CaseStatus.PASSED),
        ("print(1 / 3)", "0.333333333", CaseStatus.PASSED),  # floats: within the tolerance
        ("print(1 / 3 + 1e-3)", "0.333333333", CaseStatus.WRONG_ANSWER),
    ],
)
def test_integers_compare_exactly_floats_within_tolerance(sandbox, program, expected, status):
    result = sandbox.run(Submission(program, (TestCase(input="", output=expected + "\n"),), QUICK))
    assert result.status is status, why(result)


# --------------------------------------------------------------------------- (3) the pool forgets

LOWER_THE_HARNESS = """
import os, resource
zygote = os.getppid()
with open(f"/proc/{zygote}/stat") as f:
    runner = int(f.read().rsplit(")", 1)[1].split()[1])
changed = []
for pid in (zygote, runner, 1):
    for limit, value in ((resource.RLIMIT_NOFILE, 4), (resource.RLIMIT_AS, 8 << 20), (resource.RLIMIT_NPROC, 1),
                         (resource.RLIMIT_CPU, 0), (resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_STACK, 1 << 16)):
        try:
            resource.prlimit(pid, limit, (value, value))
            changed.append(pid)
        except (OSError, ValueError):
            pass
    for call in (lambda: os.setpriority(os.PRIO_PROCESS, pid, 19), lambda: os.sched_setaffinity(pid, {0})):
        try:
            call()
        except OSError:
            pass
print(int(input()) * 2)
"""


def test_lowered_limits_of_the_harness_do_not_reach_later_submissions(sandbox):
    subs = [Submission(p, DOUBLE, QUICK) for p in (RIGHT, LOWER_THE_HARNESS, RIGHT, RIGHT, RIGHT)]
    results = sandbox.run_many(subs)
    statuses = [r.status for r in results]
    assert statuses[0] is statuses[2] is statuses[3] is statuses[4] is CaseStatus.PASSED, [why(r) for r in results]
    assert not any(r.error for r in results), [why(r) for r in results]
    assert sandbox.run(Submission(RIGHT, DOUBLE, QUICK)).passed  # and in the next exec


REACH_THE_HARNESS = """
import ctypes, os, platform, resource
zygote = os.getppid()
with open(f"/proc/{zygote}/stat") as f:
    fields = f.read().rsplit(")", 1)[1].split()
runner, group = int(fields[1]), int(fields[2])
libc = ctypes.CDLL(None, use_errno=True)
numbers = {"x86_64": (302, 141, 251, 314), "aarch64": (261, 140, 30, 274)}.get(platform.machine())
reached = []

def attempt(name, call):  # a raw call answers -1 when refused, a library call raises
    try:
        if call() != -1:
            reached.append(name)
    except OSError:
        pass

class Limit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_ulong), ("max", ctypes.c_ulong)]

for pid in (runner, zygote, 1):
    attempt(f"prlimit {pid}", lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (64, 64)))
    attempt(f"nice {pid}", lambda: os.setpriority(os.PRIO_PROCESS, pid, 19))
    attempt(f"affinity {pid}", lambda: os.sched_setaffinity(pid, {0}))
    attempt(f"scheduler {pid}", lambda: os.sched_setscheduler(pid, os.SCHED_BATCH, os.sched_param(0)))
    attempt(f"param {pid}", lambda: os.sched_setparam(pid, os.sched_param(0)))
    if numbers:  # the raw calls, with the pid's upper 32 bits set (the kernel reads an int)
        prlimit64, setpriority, ioprio_set, sched_setattr = numbers
        wide = ctypes.c_long(pid | (1 << 32))
        attempt(f"raw prlimit {pid}", lambda: libc.syscall(prlimit64, wide, 7, ctypes.byref(Limit(64, 64)), None))
        attempt(f"raw nice {pid}", lambda: libc.syscall(setpriority, 0, wide, 19))
        attempt(f"ioprio {pid}", lambda: libc.syscall(ioprio_set, 1, wide, (3 << 13) | 7))
        attempt(f"sched_setattr {pid}", lambda: libc.syscall(sched_setattr, wide, (ctypes.c_uint32 * 14)(56, 3), 0))
attempt("group nice", lambda: os.setpriority(os.PRIO_PGRP, group, 19))
attempt("user nice", lambda: os.setpriority(os.PRIO_USER, 0, 19))
attempt("user nice by uid", lambda: os.setpriority(os.PRIO_USER, os.getuid(), 19))
if numbers:
    attempt("user ioprio", lambda: libc.syscall(numbers[2], 3, 0, (3 << 13) | 7))
# its own process stays its own to tune, however it names itself
resource.prlimit(0, resource.RLIMIT_NOFILE, (128, 128))
resource.prlimit(os.getpid(), resource.RLIMIT_NOFILE, (100, 100))
resource.setrlimit(resource.RLIMIT_STACK, resource.getrlimit(resource.RLIMIT_STACK))
os.sched_setaffinity(os.getpid(), os.sched_getaffinity(0))
os.nice(1)
print(int(input()) * 2 if not reached else "REACHED " + ", ".join(reached))
"""


def test_the_harness_limits_priority_and_scheduling_are_out_of_reach(sandbox):
    """The kernel lets a process change the limits, priority and scheduling of any process of its
    uid; the runner, the zygote and init share the program's. Every spelling of those calls on
    them is refused (not merely noticed afterwards), while the program keeps tuning its own."""
    result = sandbox.run(Submission(REACH_THE_HARNESS, DOUBLE, QUICK))
    assert result.status is CaseStatus.PASSED, why(result)


NAMESPACES_OF_ITS_OWN = """
import ctypes, os, platform, threading
libc = ctypes.CDLL(None, use_errno=True)
made = []
for name, flags in (("user+net", 0x10000000 | 0x40000000), ("net", 0x40000000), ("mount", 0x20000), ("ipc", 0x08000000)):
    if libc.unshare(flags) == 0:
        made.append(name)
clone3 = {"x86_64": 435, "aarch64": 435}.get(platform.machine())
if clone3 and libc.syscall(clone3, None, 0) != -1:
    made.append("clone3 answered")
if os.path.exists("/proc/self/ns/net") and libc.setns(os.open("/proc/self/ns/net", os.O_RDONLY), 0) == 0:
    made.append("setns")
threading.Thread(target=lambda: None).start()  # threads and forks still work (glibc falls back to clone)
if os.fork() == 0:
    os._exit(0)
os.wait()
print(int(input()) * 2 if not made else "MADE " + ", ".join(made))
"""


def test_a_program_makes_no_namespace_of_its_own(sandbox):
    """A user or network namespace of its own would put the program's sockets, mounts and
    processes outside what the harness checks between cases (red team: possible under bubblewrap)."""
    result = sandbox.run(Submission(NAMESPACES_OF_ITS_OWN, DOUBLE, QUICK))
    assert result.status is CaseStatus.PASSED, why(result)


LEAVE_EVERYTHING = """
import os, sys
os.makedirs("/work/cache/deep", exist_ok=True)
with open("/work/cache/deep/answers", "w") as f:
    f.write("42")
os.chmod("/work/cache/deep/answers", 0)
os.chmod("/work/cache/deep", 0o500)
os.chmod("/work/cache", 0)
path = "/work"
for i in range(300):  # deeper than a recursive wipe goes
    path += "/d"
    os.mkdir(path)
os.chmod("/work", 0o777)
os.utime("/work", (1234567, 7654321))
try:
    os.setxattr("/work", "user.note", b"42")
except OSError:
    pass
print(int(input()) * 2)
"""

FIND_ANYTHING = """
import os
found = []
st = os.stat("/work")
if os.listdir("/work"):
    found.append("files")
if st.st_mode & 0o777 == 0o777 or int(st.st_mtime) in (1234567, 7654321):
    found.append("mode or times")
try:
    if os.listxattr("/work"):
        found.append("xattr")
except OSError:
    pass
print("LEAK " + " ".join(found) if found else int(input()) * 2)
"""


@pytest.mark.parametrize("batched", [True, False], ids=["same-exec", "next-exec"])
def test_nothing_a_submission_leaves_reaches_the_next(sandbox, batched):
    first, second = Submission(LEAVE_EVERYTHING, DOUBLE, QUICK), Submission(FIND_ANYTHING, DOUBLE, QUICK)
    results = sandbox.run_many([first, second]) if batched else [sandbox.run(first), sandbox.run(second)]
    assert results[0].status is CaseStatus.PASSED, why(results[0])
    assert results[1].status is CaseStatus.PASSED, why(results[1])


SYSV_WITH_ANOTHER_OWNER = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT, IPC_SET, IPC_STAT = 0o1000, 1, 2
made = []
for get, ctl, args in (("shmget", "shmctl", (4096,)), ("msgget", "msgctl", ()), ("semget", "semctl", (1,))):
    ident = getattr(libc, get)(0x5EED + len(made), *args, IPC_CREAT | 0o600)
    if ident < 0:
        continue
    buf = ctypes.create_string_buffer(512)
    stat = (ident, 0, IPC_STAT, buf) if ctl == "semctl" else (ident, IPC_STAT, buf)
    getattr(libc, ctl)(*stat)
    buf[4:8] = (12345).to_bytes(4, "little")  # ipc_perm.uid: someone else owns it now
    set_ = (ident, 0, IPC_SET, buf) if ctl == "semctl" else (ident, IPC_SET, buf)
    made.append((get, getattr(libc, ctl)(*set_)))
print("made", made)
"""

FIND_SYSV = """
rows = []
for table in ("shm", "msg", "sem"):
    try:
        rows += open(f"/proc/sysvipc/{table}").read().splitlines()[1:]
    except OSError:
        pass
print("LEAK " + str(rows) if rows else "SAFE")
"""


def test_sysv_ipc_given_to_another_owner_is_removed(sandbox):
    """(In a user namespace with one uid, as under bubblewrap, the owner cannot change: the
    objects are made all the same.)"""
    first = sandbox.run(Submission(SYSV_WITH_ANOTHER_OWNER, (TestCase(input="", output="x"),), QUICK))
    assert first.cases[0].stdout_tail.count("get',") == 3, why(first)
    second = sandbox.run(Submission(FIND_SYSV, (TestCase(input="", output="SAFE"),), QUICK))
    assert second.status is CaseStatus.PASSED, why(second)


LEARNER = """
import glob, os
notes = glob.glob("/work/**/note*", recursive=True) + glob.glob("/dev/mqueue/*")
answer = "NO" if notes else "YES"  # what an earlier attempt learnt from stopping at test 1
os.makedirs("/work/.l", exist_ok=True)
open(f"/work/.l/note{os.getpid()}", "w").write(answer)
os.chmod("/work/.l", 0o500)
print(answer)
"""


def test_a_learner_using_leftovers_stays_at_chance(sandbox):
    """Yes/no tests whose answer is NO: the learner's first guess is YES; if any attempt's note
    survived, every later attempt would answer NO and pass."""
    subs = [Submission(LEARNER, (TestCase(input="", output="NO"),) * 2, QUICK) for _ in range(6)]
    results = sandbox.run_many(subs)
    assert [r.status for r in results] == [CaseStatus.WRONG_ANSWER] * 6, [why(r) for r in results]


# --------------------------------------------------------------------------- (4) CPU of every process

SPIN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end:\n    pass\n"

ORPHANS = """
import os
r, w = os.pipe()
for _ in range(3):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:  # a grandchild nobody waits for
""" + "\n".join("            " + line for line in SPIN.format(s=0.6).splitlines()) + """
            os.write(w, b"x")
            os._exit(0)
        os._exit(0)
done = b""
while len(done) < 3:  # the work is needed: it waits for the results, never for the processes
    done += os.read(r, 3)
print(int(input()) * 2)
"""

SHORT_LIVED = """
import os
r, w = os.pipe()
for _ in range(12):
    if os.fork() == 0:
""" + "\n".join("        " + line for line in SPIN.format(s=0.15).splitlines()) + """
        os.write(w, b"x")
        os._exit(0)
done = b""
while len(done) < 12:
    done += os.read(r, 12)
print(int(input()) * 2)
"""

WAITED = """
import subprocess, sys
code = {spin!r}
procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
for p in procs:
    p.wait()
print(int(input()) * 2)
"""


@pytest.mark.parametrize(
    "program,status",
    [
        (ORPHANS, CaseStatus.TIME_LIMIT),  # 1.8 s of CPU in orphans that setsid and are never waited for
        (SHORT_LIVED, CaseStatus.TIME_LIMIT),  # 1.8 s in children that exit before anyone looks
        (WAITED.format(spin=SPIN.format(s=0.6)), CaseStatus.TIME_LIMIT),  # 1.2 s in waited children
        (WAITED.format(spin=SPIN.format(s=0.1)), CaseStatus.PASSED),  # 0.2 s: within the limit
    ],
    ids=["orphans", "short-lived", "waited", "honest-children"],
)
def test_cpu_of_every_descendant_is_charged(sandbox, program, status):
    result = sandbox.run(Submission(program, DOUBLE[:1], QUICK))
    assert result.status is status, why(result)


# --------------------------------------------------------------------------- (5) fair time limits

BUSY_RIGHT = SPIN.format(s=0.6) + RIGHT  # 60% of the 1 s limit, then the right answer

SETSID_BOMB = """
import os
for _ in range(40):
    try:
        if os.fork() == 0:
            os.setsid()
            while True:
                pass
    except OSError:
        break
while True:
    pass
"""
FORK_BOMB = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_correct_programs_pass_under_host_cpu_load(sandbox_pair):
    """Two busy host processes per core (a trainer beside the grader): correct programs at 60% of
    their CPU limit all pass."""
    hogs = [multiprocessing.get_context("fork").Process(target=_spin, args=(40.0,)) for _ in range(2 * (os.cpu_count() or 2))]
    for hog in hogs:
        hog.start()
    try:
        results = sandbox_pair.run_many([Submission(BUSY_RIGHT, DOUBLE[:2], QUICK) for _ in range(4)])
    finally:
        for hog in hogs:
            hog.kill()
            hog.join()
    assert [r.status for r in results] == [CaseStatus.PASSED] * 4, [why(r) for r in results]


def test_correct_programs_pass_beside_bombs(sandbox_pair):
    programs = [SETSID_BOMB, BUSY_RIGHT, FORK_BOMB, BUSY_RIGHT, SETSID_BOMB, BUSY_RIGHT]
    started = time.monotonic()
    results = sandbox_pair.run_many([Submission(p, DOUBLE[:1], QUICK) for p in programs])
    assert [r.status for r in results][1::2] == [CaseStatus.PASSED] * 3, [why(r) for r in results]
    assert all(r.status in (CaseStatus.TIME_LIMIT, CaseStatus.RUNTIME_ERROR) for r in results[::2]), [why(r) for r in results]
    assert time.monotonic() - started < 60


# --------------------------------------------------------------------------- (6) pid 1, environment, descriptors

HUNT_ENVIRONMENT = """
import os
secret = {secret!r}
found = [k for k in os.environ if k not in ("LANG", "TMPDIR", "PYTHONDONTWRITEBYTECODE", "PATH", "HOSTNAME", "HOME", "PWD")]
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            data = open(f"/proc/{{pid}}/environ", "rb").read()
            found.append(f"{{pid}}: readable" if int(pid) == 1 or secret.encode() in data else "")
        except OSError:
            pass
found = [f for f in found if f]
print("LEAK " + repr(found) if found else "SAFE")
"""


def test_the_graders_environment_and_pid_1_are_not_readable(sandbox, monkeypatch):
    secret = uuid.uuid4().hex
    monkeypatch.setenv("RINGDATA_GRADER_SECRET", secret)
    result = sandbox.run(Submission(HUNT_ENVIRONMENT.format(secret=secret), (TestCase(input="", output="SAFE"),), QUICK))
    assert result.status is CaseStatus.PASSED, why(result)


TRACE_ANCESTORS = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH, PTRACE_DETACH = 16, 17
ancestors, pid = [], os.getppid()
while pid > 0:
    ancestors.append(pid)
    with open(f"/proc/{pid}/stat") as f:
        pid = int(f.read().rsplit(")", 1)[1].split()[1])
    if pid in ancestors:
        break
hits = []
for pid in set(ancestors) | {1}:
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
        hits.append(f"ptrace {pid}")
        libc.ptrace(PTRACE_DETACH, pid, None, None)
    for name in ("mem", "environ", "fd/1"):
        try:
            open(f"/proc/{pid}/{name}", "rb").close()
            hits.append(f"{name} {pid}")
        except OSError:
            pass
print("LEAK " + repr(hits) if hits else "SAFE")
"""


def test_no_ancestor_can_be_traced_or_read(sandbox):
    result = sandbox.run(Submission(TRACE_ANCESTORS, (TestCase(input="", output="SAFE"),), QUICK))
    assert result.status is CaseStatus.PASSED, why(result)


OPEN_DESCRIPTORS = """
import os
mine = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
print("SAFE" if mine[:3] == [0, 1, 2] and all(fd <= 3 for fd in mine) else f"LEAK {mine}")
"""


def test_no_descriptor_of_the_grader_is_inherited(sandbox, tmp_path):
    marker = tmp_path / "grader-file"
    marker.write_text("grader")
    fd = os.open(marker, os.O_RDONLY)
    os.set_inheritable(fd, True)
    try:
        result = sandbox.run(Submission(OPEN_DESCRIPTORS, (TestCase(input="", output="SAFE"),), QUICK))
    finally:
        os.close(fd)
    assert result.status is CaseStatus.PASSED, why(result)


# --------------------------------------------------------------------------- (7) detail out of reach

HUNT_SECRETS = """
import gc, glob, os, sys
prefix = "SECRET" + "-"
found = [o for o in gc.get_objects() if isinstance(o, str) and prefix in o and o != prefix]
for path in glob.glob("/proc/[0-9]*/*") + glob.glob("/work/**", recursive=True) + glob.glob("/dev/mqueue/*"):
    if path.rsplit("/", 1)[-1] in ("cmdline", "environ", "mem") or path.startswith(("/work", "/dev")):
        try:
            with open(path, "rb") as f:
                data = f.read(1 << 20)
            if prefix.encode() in data and path != f"/proc/{os.getpid()}/cmdline":
                found.append(path)
        except (OSError, ValueError, OverflowError):
            pass
print("found", found, file=sys.stderr)
def f(x):
    return "none" if not found else found[0]
"""


def test_expected_values_and_assert_text_are_out_of_the_programs_reach(sandbox):
    """A failing submission's detail (expected value, assert text) and the next submission's
    expected values: neither can be found by the program, in memory, in /proc or on disk."""
    secret = f"SECRET-{uuid.uuid4().hex}"
    test = asserts(f"assert f(1) == {secret!r}")
    results = sandbox.run_many([Submission("def f(x): return 0", test, QUICK), Submission(HUNT_SECRETS, test, QUICK)])
    assert secret in results[0].cases[0].detail  # the host gets the detail ...
    hunt = results[1].cases[0]
    assert hunt.status is CaseStatus.WRONG_ANSWER, why(results[1])
    assert "found []" in hunt.stderr_tail and secret not in hunt.stderr_tail + hunt.stdout_tail, hunt.stderr_tail


# --------------------------------------------------------------------------- how an honest program ends

# Each ends as `python3 solution.py` would, with 0 and its answer: the interpreter waits for
# non-daemon threads (a deep-recursion `main` run in a thread), runs atexit functions (output
# written at exit), has exit() and quit() (from the site module), and skips a standard stream the
# program closed or dropped when it flushes at the end. Each of these failed in the sandbox.
ENDINGS = {
    "thread": "import sys, threading, time\nsys.setrecursionlimit(10**5)\nthreading.stack_size(1 << 26)\n"
    "def main():\n    time.sleep(0.05)\n    print(int(input()) * 2)\nthreading.Thread(target=main).start()\n",
    "atexit": "import atexit, io, sys\nout = io.StringIO()\natexit.register(lambda: sys.__stdout__.write(out.getvalue()))\n"
    "out.write(str(int(input()) * 2))\n",
    "exit": "print(int(input()) * 2)\nexit()\n",
    "quit": "print(int(input()) * 2)\nquit(0)\n",
    "closed stdout": "import sys\nprint(int(input()) * 2)\nsys.stdout.close()\n",
    "stdout None": "import sys\nprint(int(input()) * 2)\nsys.stdout.flush()\nsys.stdout = None\n",
}


def test_an_honest_program_ends_as_under_python3(sandbox):
    results = sandbox.run_many([Submission(source, DOUBLE[:1], QUICK) for source in ENDINGS.values()])
    assert [r.status for r in results] == [CaseStatus.PASSED] * len(ENDINGS), {
        name: why(r) for name, r in zip(ENDINGS, results) if r.status is not CaseStatus.PASSED
    }


# What `python3 solution.py` with its standard streams on pipes sees (the zygote makes the streams
# once, on pipes: made on its /dev/null they would say seekable, with a position), case after case.
STREAMS_PROGRAM = """
import sys
def tell(stream):
    try:
        return stream.tell()
    except OSError as exc:
        return type(exc).__name__
print(*(s.seekable() for s in (sys.stdin, sys.stdout, sys.stderr)), sys.stdout.line_buffering,
      sys.stderr.line_buffering, sys.stdin.encoding, tell(sys.stdin), tell(sys.stdout), sys.stdin.read())
"""
STREAMS_SEEN = "False False False False True utf-8 UnsupportedOperation UnsupportedOperation {}"


def test_standard_streams_are_fresh_pipes_in_every_case(sandbox):
    tests = tuple(TestCase(input=f"{i}\n", output=STREAMS_SEEN.format(i)) for i in range(3))
    result = sandbox.run(Submission(STREAMS_PROGRAM, tests, QUICK))
    assert result.passed and len(result.cases) == 3, result


def test_stdin_lines_are_python3s(sandbox):
    """python3's sys.stdin ends a line at "\\n" alone and keeps "\\r" (no universal newlines)."""
    program = "import sys\nprint(repr(input()), repr(input()), repr(sys.stdin.read()))"
    case = TestCase(input="a\rb\r\nc\rd\ne\r", output=r"'a\rb\r' 'c\rd' 'e\r'")
    result = sandbox.run(Submission(program, (case,), QUICK))
    assert result.status is CaseStatus.PASSED, why(result)


def test_a_program_gets_no_future_flags_of_the_runner(sandbox):
    """python3 evaluates annotations (3.11: no PEP 563 unless the program asks for it): the runner's
    own `from __future__ import annotations` reached the program through compile()."""
    program = "def f(x: int) -> int:\n    return x\nprint(f.__annotations__['x'] is int, f(int(input())))"
    result = sandbox.run(Submission(program, (TestCase(input="7\n", output="True 7\n"),), QUICK))
    assert result.status is CaseStatus.PASSED, why(result)


# The first case of a submission compiles the program and sends the runner its code, which the
# later cases load instead of compiling (sandboxes/runner.py `_compile`): they must not tell.
def test_every_case_starts_with_the_standard_streams_alone(sandbox):
    """The pipe the first case sends its code on is closed before the program runs: no case holds a
    descriptor the others do not, or one that reaches the runner."""
    program = "import os\nprint(int(input()), *sorted(os.listdir('/proc/self/fd')))\n"  # 3: listdir's own
    tests = tuple(TestCase(input=f"{i}\n", output=f"{i} 0 1 2 3\n") for i in range(3))
    result = sandbox.run(Submission(program, tests, QUICK))
    assert result.passed and len(result.cases) == 3, why(result)


def test_a_compile_warning_is_printed_in_every_case(sandbox):
    """python3 prints a SyntaxWarning every time it compiles the program; a case that loaded the
    first case's code would print none."""
    program = "x = 5\nprint(int(input()) * 2 if x is 5 else 0)\n"
    tests = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in range(3))
    result = sandbox.run(Submission(program, tests, QUICK))
    assert result.passed and len(result.cases) == 3, why(result)
    assert all("SyntaxWarning" in case.stderr_tail for case in result.cases), [c.stderr_tail for c in result.cases]


def test_a_literal_set_iterates_in_the_same_order_in_every_case(sandbox):
    """compile() folds a literal set that a loop iterates into a frozenset constant; marshal writes
    its elements sorted and loads rebuild it in that order, so the cases that loaded the first
    case's code printed -20 76 15 where python3 (and the first case) print -20 15 76."""
    program = "n = int(input())\nprint(*[x for x in {15, -20, 76}], *(y for y in {-24, 101, 191, 31}))\n" \
              "for x in {60, 105, 145, 146, -50, 128, 64, 18}:\n    print(x, end=' ')\nprint(n)\n"  # fmt: skip
    expected = "-20 15 76 -24 191 101 31\n128 64 105 -50 145 146 18 60 "  # python3 3.11, whose hashes of ints are fixed
    tests = tuple(TestCase(input=f"{i}\n", output=f"{expected}{i}\n") for i in range(3))
    result = sandbox.run(Submission(program, tests, QUICK))
    assert result.passed and len(result.cases) == 3, why(result)


def test_a_syntax_error_is_printed_as_python3_prints_it(sandbox):
    """No frame of the runner's (`_compile`) above the error, in the first case or the later."""
    tests = tuple(TestCase(input=f"{i}\n", output="") for i in range(3))
    result = sandbox.run(Submission("x = (\n", tests, QUICK, stop_on_first_failure=False))
    assert len(result.cases) == 3, why(result)
    for case in result.cases:
        assert case.stderr_tail.startswith('  File "solution.py", line 1\n'), case.stderr_tail
        assert "Traceback" not in case.stderr_tail and "SyntaxError: '(' was never closed" in case.stderr_tail


def test_future_flags_and_line_numbers_hold_in_every_case(sandbox):
    """The code a later case loads is the first case's: its `from __future__` flags (which code the
    program compiles at run time inherits) and the line numbers of its tracebacks included."""
    program = (
        "from __future__ import annotations, barry_as_FLUFL\n"
        "n = int(input())\n"
        "exec('def f(x: Undefined) -> Nowhere: pass')\n"  # inherits annotations: no NameError
        "print(f.__annotations__['x'], eval('1 <> 2'), 2 * n)\n"  # inherits barry_as_FLUFL
        "def g():\n"
        "    return 1 / (n - n)\n"
        "g()\n"
    )  # fmt: skip
    tests = tuple(TestCase(input=f"{i}\n", output=f"Undefined True {2 * i}\n") for i in range(3))
    result = sandbox.run(Submission(program, tests, QUICK, stop_on_first_failure=False))
    assert len(result.cases) == 3, why(result)
    for i, case in enumerate(result.cases):
        assert case.stdout_tail == f"Undefined True {2 * i}\n", why(result)
        assert 'line 7, in <module>\n    g()\n' in case.stderr_tail, case.stderr_tail
        assert 'line 6, in g\n    return 1 / (n - n)\n' in case.stderr_tail, case.stderr_tail


# The first case's code is forged: a program whose compile() warns (so the first case sends no code)
# writes a well-formed frame of other code to every descriptor it might have been given.
FORGE_THE_CODE = """
import marshal, os, struct
x = 5
warned = x is 5
forged = marshal.dumps(compile("print('FORGED')", "solution.py", "exec"))
for fd in range(3, 1024):
    try:
        os.write(fd, struct.pack("<I", len(forged)) + forged)
    except OSError:
        pass
print(2 * int(input()))
"""


def test_a_case_cannot_send_the_code_the_next_case_runs(sandbox):
    result = sandbox.run(Submission(FORGE_THE_CODE, DOUBLE, QUICK))
    assert result.passed and len(result.cases) == 3, why(result)


def test_a_program_too_large_for_the_code_pipe_runs_in_every_case(sandbox):
    """Its marshal (~150 KB) does not fit the pipe it is sent on: the write is partial and the
    runner drops it; every case compiles the program."""
    program = "".join(f"v{i} = 'constant number {i}'\n" for i in range(3000)) + "print(2 * int(input()), v2999[-4:])\n"
    tests = tuple(TestCase(input=f"{i}\n", output=f"{2 * i} 2999\n") for i in range(3))
    result = sandbox.run(Submission(program, tests, QUICK))
    assert result.passed and len(result.cases) == 3, why(result)


def test_a_program_pickles_what_it_defines(sandbox):
    """python3 runs the program as sys.modules["__main__"], where pickle looks its names up."""
    program = "import pickle, sys\ndef f(x):\n    return 2 * x\nclass C:\n    v = 1\n" \
        "print(pickle.loads(pickle.dumps(f))(int(input())) * pickle.loads(pickle.dumps(C())).v, sys.modules['__main__'].C.v)"
    result = sandbox.run(Submission(program, (TestCase(input="21\n", output="42 1\n"),), QUICK))
    assert result.status is CaseStatus.PASSED, why(result)


def test_a_program_that_starts_with_a_byte_order_mark_runs(sandbox):
    """python3 reads a source file's UTF-8 byte-order mark as an encoding mark, not as code (an
    editor on Windows writes one); compile() of the text was a SyntaxError on U+FEFF."""
    program = "\ufeffn = int(input())\nprint(2 * n)"
    tests = tuple(TestCase(input=f"{i}\n", output=f"{2 * i}\n") for i in range(2))
    result = sandbox.run(Submission(program, tests, QUICK, stop_on_first_failure=False))
    assert result.status is CaseStatus.PASSED, why(result)
