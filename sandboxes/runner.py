"""The runner: executes submissions' test cases inside the sandbox (stdlib only, builtin modules).

Every backend starts it as `python3 -I -S -c <this file> --sandboxed` inside the isolated
environment (a warm container, a bubblewrap namespace), writes one marshal payload (a batch of
submissions) to its stdin and reads framed reports from its stdout: one per submission as it
finishes, then an end frame. The host imports this module too, for `compare_outputs` and the
plain-data codec.

Why the report cannot be forged by the submission
- The runner is non-dumpable before any secret arrives (the image's interpreter is execute-only
  for the sandbox uid, which makes the kernel start it so; elsewhere `prctl(PR_SET_DUMPABLE, 0)`):
  a process of the same uid without CAP_SYS_PTRACE (all capabilities are dropped) can then
  neither open `/proc/<runner>/fd/*` (its stdout, the report channel) nor read its memory.
- Programs run in children of a *zygote* that the runner forks before it reads the payload, so no
  child ever holds expected outputs, test code or the report nonce, even in memory. Each child
  gets its own pipes and no other descriptor of the runner, and its program's source as a sealed
  memfd it reads itself: a source the zygote had received stayed in its freed heap, which every
  later child inherits, and a program found the one before it there.
- Reports are framed with a per-exec nonce from the payload; the host ignores anything else and
  reads them as JSON (written by `to_json`: no json import here).

Function-call tests never run in the program's interpreter. The test block (`assert f(2) == 4`,
HumanEval's `check(candidate)`, ...) is executed by the runner, in its own trusted interpreter;
each name the test takes from the program (a free name that is neither a builtin nor assigned by
the test) is a `Remote` there. Calling a `Remote` sends the arguments to the child as plain data
(`encode`), the child calls the program's function and sends back its result as plain data, which
the runner decodes into fresh builtin objects (`decode`: None, bool, int, float, complex, str,
bytes, list, tuple, dict, set, frozenset; subclasses arrive as their builtin base). So `==`,
`not`, `in`, `isclose`, `abs(a - b) < tol`, `sorted(...)`, loops over many calls, helper functions
and imports of the test all run on values the program cannot give behaviour to; the program's
frames, builtins and modules are out of reach. What does not cross:
- a result that is not plain data (a generator, an instance of the program's class) stays in the
  child as a handle: the test may call it, read its attributes, iterate it or take its `len`, but
  comparing it or taking its truth value fails the case (`wrong_answer`, "not plain data");
- arguments that are not plain data (a lambda or an object of the test's own) cannot be sent: the
  case is `unsupported_test` (the data's fault, never the program's);
- a program exception raised through a call is re-raised in the test as the builtin exception of
  the same name (so `try: f(-1) except ValueError` works), any other as `ProgramError`; never as
  StopIteration or an exception that is not an `Exception`.
Arguments mutated by a call are copied back (lists, dicts, sets), so `f(a); assert a == [...]`
works as it does in process.

CPU accounting is the kernel's where the backend gives the sandbox a cgroup of its own (the
payload's `cgroup`: the container's under Docker, one per bubblewrap sandbox): a case's CPU is the
cgroup's CPU counter since the case began, less the runner's and the zygote's own CPU; while the
case runs the runner reads it every `CPU_POLL_S` and kills the case at the limit. Processes are
listed from the cgroup's `cgroup.procs` (a thread group whose leader exited while a thread runs is
listed) and killed until none but the harness is left. Without a cgroup (a backend run without
root) the zygote is a child subreaper, every orphan is re-parented to it and reaped by it, the
case's CPU is the zygote's `RUSAGE_CHILDREN` growth plus a poll of every live descendant, and a
process counts as alive while any of its threads is: that fallback does not see workers the
kernel reaps (SIGCHLD ignored). The zygote installs a seccomp filter of our own for every program:
sockets of the AF_UNIX family only, no kernel keyrings, no new namespaces (`_restrict_programs`);
each child adds one that keeps the calls changing limits, priority and scheduling to its own
process (`_own_process_only`), since the kernel allows them on any process of the same uid, the
runner's, the zygote's and init's included.
A case that reaches its wall cap well inside its CPU limit while runnable (it was starved of CPU
by the host, not sleeping) keeps running and gets the wall cap again, up to `STARVED_WAITS` times,
and is reported `sandbox_error` if still starved: never `time_limit`.

Why a zygote: forking a warm interpreter costs ~1 ms where starting `python3` costs ~10 ms, and
the tests of one submission run sequentially, so start-up would dominate trivial programs. For the
same reason the runner imports only builtin and C modules (no json, socket, ctypes: `_ctypes`
serves prctl), and the zygote freezes its objects (`gc.freeze`) so that its children's garbage
collections do not copy its memory page by page. A child's cost is mostly copy-on-write faults
(every page of the zygote it writes, refcounts included), so what every child would make alike is
made once by the zygote before it forks any: the compiler's lazily built state, the program's
standard streams (`_prepare_streams`), its seccomp filter (`_Filter`); and the zygote gives back
what the runner freed before the fork (`malloc_trim`), so each fork copies fewer page tables. A
Python program is compiled once per submission: its first case sends the runner the marshal of its
code before the program runs (`_compile`), and the later cases load that instead of compiling.

Compiled languages (C++, Java: the host's sandboxes/languages.py sends the compiler's and the
program's argv, environment and limits): `build` runs the compiler as a case of its own (the same
zygote, accounting and kill rules, its own CPU and memory limits, stdin empty), keeps what it
produced in memory, and scrubs the work dir; each test case then execs the program from the
zygote's child (`_exec`): a binary from a sealed memfd, or a JVM on class files the runner writes
back before every case. Identical sources, which both backends send one after another, compile once
per batch (a persistent runner: once while they stay among the last `BUILT_KEPT` compiled; a binary
can be as large as the work dir). The Java sources of a batch are all compiled first, by one
resident javac (`precompile_java`).

`--sandboxed` (kill every other process, wipe the work dir) is destructive: it is honoured only
for a non-root uid in `/work` (`sandboxed_mode`); without it the runner kills and deletes nothing.

Fidelity to `python3 solution.py`: the program is compiled as `solution.py` and executed with
`__name__ == "__main__"` in a fresh namespace, with stdin/stdout/stderr bound to the test's pipes
and the standard streams' usual buffering; `sys.exit` and uncaught exceptions behave as usual.
"""

from __future__ import annotations

# Only builtin and C modules: the runner starts once per batch, and `json`, `socket`, `signal`
# or `ast` would each add milliseconds of imports to every one of them.
import _signal as signal
import _socket
import marshal
import math
import os
import resource
import select
import struct
import sys
import time

EXIT_MEMORY = 97  # MemoryError: the address-space limit was hit
STDERR_TAIL = 2048  # bytes of stderr kept per case: enough for a traceback's last lines
STDOUT_TAIL = 1024  # characters of stdout kept per case for the report, unless the limits say
#                     `report_stdout` (the service's /run_code returns a program's whole capped stdout)
FRAME = b"RINGDATA-REPORT"
HARNESS_KILLED = "the program killed the test harness"
HARNESS_TIMEOUT = 5.0  # seconds the zygote may take to fork or report; longer means it was stopped
CPU_POLL_S = 0.05  # how often the CPU of all of a case's processes is summed while it runs
STARVED_WAITS = 4  # a starved case gets its wall cap this many more times before it is a sandbox fault
EXIT_NO_EXEC = 127  # `_exec` could not start the program (a shell's "command not found" code)
MAX_DEPTH = 100  # nesting of plain data that crosses between program and test
SANDBOXED_FLAG = "--sandboxed"  # the backends pass it: a private pid namespace and work dir (see scrub)
BUILT_KEPT = 4  # compiled programs kept (least recently used goes): a persistent runner meets a program again
PERSISTENT_FLAG = "--persistent"  # batches one after another on stdin, length-prefixed (see main)
ZYGOTE_PID = 0  # set by main(): the runner resumes it if a program stopped it
CHILD_FDS = 7  # the most descriptors a case's child gets: stdin, stdout, stderr, the call channel's
#                two pipes, the pipe for its compiled code, the program (`_Child.start`)
CLK_TCK = os.sysconf("SC_CLK_TCK")
_SIGNAL_NAMES = {4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM"}


class Status:
    """A case's status as its report says it: the values of the host's `sandboxes.base.CaseStatus`
    (tests/sandboxes/test_runner.py holds them equal), plain strings because the runner imports no
    `enum`, and STARVED, which never leaves the runner (`run_case` makes it SANDBOX_ERROR)."""

    PASSED = "passed"
    WRONG_ANSWER = "wrong_answer"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    RUNTIME_ERROR = "runtime_error"
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"
    UNSUPPORTED_TEST = "unsupported_test"
    COMPILE_ERROR = "compile_error"
    STARVED = "starved"  # kept from the CPU by the host at the wall cap, STARVED_WAITS times over


# --------------------------------------------------------------------------- output comparison


def _is_int(token: str) -> bool:
    digits = token[1:] if token[:1] in "+-" else token
    return digits.isdigit() and digits.isascii()


def _as_float(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def compare_outputs(expected: str, actual: str, tol: float = 1e-6) -> tuple[bool, str]:
    """Token-wise comparison, as contest checkers do: whitespace is a separator only. An expected
    integer token needs the same integer (`+7` = `7`, but `7.0` and `8` are wrong, however long
    the number); an expected float token (a decimal point or exponent) accepts any number within
    `tol` absolute or relative; every other token must match exactly. Returns (equal, one short
    line saying where they first differ)."""
    want, got = expected.split(), actual.split()
    for i, (w, g) in enumerate(zip(want, got)):
        if w == g:
            continue
        if _is_int(w):
            if _is_int(g) and int(w) == int(g):
                continue
        else:
            fw, fg = _as_float(w), _as_float(g)
            if fw is not None and fg is not None and abs(fw - fg) <= tol * max(1.0, abs(fw)):
                continue
        return False, f"token {i + 1}: expected {w[:40]!r}, got {g[:40]!r}"
    if len(want) != len(got):
        return False, f"expected {len(want)} tokens, got {len(got)}"
    return True, ""


# --------------------------------------------------------------------------- plain data


class NotPlain(Exception):
    """A value that has no plain-data encoding."""


_PLAIN_SCALARS = {type(None): b"N", bool: b"B", int: b"i", float: b"f", complex: b"c", str: b"s", bytes: b"b"}
_PLAIN_CONTAINERS = ((list, b"l"), (tuple, b"t"), (dict, b"d"), (frozenset, b"z"), (set, b"S"), (bytearray, b"b"))


def encode(value, handle=None, depth: int = 0) -> bytes:
    """Plain data as bytes. A builtin subclass is encoded as its base type (an int subclass as the
    int), so nothing of a class crosses; `handle(value)` gives the bytes of anything else (a
    reference that only the other side understands), or raises `NotPlain`."""
    out = bytearray()
    _encode(value, out, handle, depth)
    return bytes(out)


def _encode(value, out: bytearray, handle, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    kind = type(value)
    tag = _PLAIN_SCALARS.get(kind)
    if tag is None:
        for base, base_tag in ((bool, b"B"), (int, b"i"), (float, b"f"), (complex, b"c"), (str, b"s"), (bytes, b"b")):
            if isinstance(value, base):
                kind, tag = base, base_tag
                break
    if tag is not None:
        out += tag
        if tag == b"B":
            out += b"\1" if value else b"\0"
        elif tag == b"i":
            n = int.__index__(value)
            raw = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
            out += struct.pack("<I", len(raw)) + raw
        elif tag == b"f":
            out += struct.pack("<d", float.__float__(value))
        elif tag == b"c":
            out += struct.pack("<dd", complex.__complex__(value).real, complex.__complex__(value).imag)
        elif tag in (b"s", b"b"):
            raw = str.encode(value, "utf-8", "surrogatepass") if tag == b"s" else bytes(value)
            out += struct.pack("<I", len(raw)) + raw
        return
    for base, tag in _PLAIN_CONTAINERS:
        if isinstance(value, base):
            if tag == b"b":  # a bytearray crosses as bytes
                _encode(bytes(value), out, handle, depth)
                return
            items = list(dict.items(value)) if tag == b"d" else list(base.__iter__(value))
            out += tag + struct.pack("<I", len(items))
            for item in items:
                if tag == b"d":
                    _encode(item[0], out, handle, depth + 1)
                    _encode(item[1], out, handle, depth + 1)
                else:
                    _encode(item, out, handle, depth + 1)
            return
    if handle is None:
        raise NotPlain(f"a {type(value).__name__} is not plain data")
    out += handle(value)


def decode(data: bytes, handle=None, limit: int = 1 << 26):
    """The value `encode` wrote, built from builtin types only; `handle(tag, data, pos)` turns a
    reference back into an object and returns (object, next position). Raises ValueError on
    anything malformed: the bytes may come from a program."""
    if len(data) > limit:
        raise ValueError("too large")
    value, pos = _decode(memoryview(data), 0, handle, 0)
    if pos != len(data):
        raise ValueError("trailing bytes")
    return value


def _decode(data: memoryview, pos: int, handle, depth: int):
    if depth > MAX_DEPTH + 1:
        raise ValueError("nested too deeply")
    tag = bytes(data[pos : pos + 1])
    pos += 1
    if tag == b"N":
        return None, pos
    if tag == b"B":
        return data[pos] != 0, pos + 1
    if tag == b"f":
        return struct.unpack_from("<d", data, pos)[0], pos + 8
    if tag == b"c":
        re, im = struct.unpack_from("<dd", data, pos)
        return complex(re, im), pos + 16
    if tag in (b"i", b"s", b"b"):
        (n,) = struct.unpack_from("<I", data, pos)
        raw = bytes(data[pos + 4 : pos + 4 + n])
        if len(raw) != n:
            raise ValueError("truncated")
        pos += 4 + n
        if tag == b"i":
            return int.from_bytes(raw, "little", signed=True), pos
        return (raw.decode("utf-8", "surrogatepass") if tag == b"s" else raw), pos
    if tag in (b"l", b"t", b"S", b"z", b"d"):
        (n,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if n > len(data) - pos:
            raise ValueError("truncated")
        items = []
        for _ in range(n * 2 if tag == b"d" else n):
            item, pos = _decode(data, pos, handle, depth + 1)
            items.append(item)
        try:
            if tag == b"d":
                return dict(zip(items[::2], items[1::2])), pos
            return {b"l": list, b"t": tuple, b"S": set, b"z": frozenset}[tag](items), pos
        except TypeError:  # an unhashable key: a well-formed encoder never writes one
            raise ValueError("unhashable key") from None
    if handle is not None and tag in (b"H", b"M"):
        return handle(tag, data, pos)
    raise ValueError(f"unknown tag {tag!r}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _read_file(path: str) -> bytes:
    """A small file's whole content (the kernel's /proc and cgroup tables) through the descriptor
    alone: a file object costs more than the read, and the runner reads about ten per case. A
    table the runner keeps open (`keep_open`: only those the kernel builds anew at every read from
    offset 0) is read again from its start, without an open and a close each time."""
    fd = _KEPT.get(path)
    if fd is not None:
        try:
            chunks, at = [], 0
            while chunk := os.pread(fd, 1 << 16, at):  # to the end of file: a table may come in pieces
                chunks.append(chunk)
                at += len(chunk)
            return b"".join(chunks)
        except OSError:  # a kernel without pread on its tables (ESPIPE): open it each time
            del _KEPT[path]
            os.close(fd)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):  # to the end of file: a table may come in pieces
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


_KEPT: dict[str, int] = {}  # path -> descriptor the runner keeps open on a table it reads every case


def keep_open(paths) -> None:
    """Keep descriptors on the tables the runner reads every case (its zygote's CPU, the sandbox
    cgroup's CPU, the unix socket and SysV IPC tables): only tables the kernel builds anew at each
    read from offset 0. Not cgroup v1's cgroup.procs, which keeps the pid list of an open file's
    first read for a second: kept open, it missed a daemon the last case had just started
    (test_cpp_leftovers_do_not_reach_the_next_test_case). The runner's own, opened after the
    zygote was forked: no program's process ever holds one."""
    for path in paths:
        if path not in _KEPT:
            try:
                _KEPT[path] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                pass


# --------------------------------------------------------------------------- process hygiene


def _prctl_no_dumps() -> bool:
    """Make this process non-dumpable; see the module docstring. False if impossible here.

    The image's python3 is execute-only for the sandbox user, which makes the kernel start every
    process of it non-dumpable; ctypes (10 ms of imports) is only needed elsewhere (bubblewrap).
    """
    if _non_dumpable():
        return True
    try:
        PR_SET_DUMPABLE = 4
        return _libc("prctl")(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 and _non_dumpable()
    except (ImportError, OSError, AttributeError):
        return False


def _libc(name: str):
    """A libc function taking and returning C ints (None is NULL), through `_ctypes` alone: the
    `ctypes` package costs 3 ms more of imports, paid by every exec (the zygote needs prctl)."""
    import _ctypes

    class c_int(_ctypes._SimpleCData):
        _type_ = "i"

    class Function(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL
        _restype_ = c_int

    class Libc:
        _handle = _ctypes.dlopen(None)

    return Function((name, Libc()))


def _non_dumpable() -> bool:
    """/proc/self belongs to root exactly when this process is non-dumpable (and not root)."""
    try:
        return os.getuid() != 0 and os.stat("/proc/self/fd").st_uid == 0
    except OSError:
        return False


def _stat_fields(pid: int) -> list[bytes] | None:
    """/proc/<pid>/stat after the command name: state, ppid, ... (None if it is gone)."""
    try:
        return _read_file(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _live_pids(spare: tuple[int, ...] = ()) -> list[int]:
    """Pids of this sandbox other than init, ourselves and `spare` whose thread group has a live
    thread. From the sandbox's cgroup when the backend gave one (the kernel's list: a leader that
    exited while another thread runs is listed, a dead process awaiting its reaper is not);
    else from /proc, where such a leader shows state Z and its threads must be looked at."""
    skip = {0, 1, os.getpid(), *spare}
    if CGROUP is not None:
        listed = CGROUP.pids()
        if listed is not None:
            return [pid for pid in listed if pid not in skip]
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in skip and _group_alive(int(name)):
            out.append(int(name))
    return out


def _group_alive(pid: int) -> bool:
    """Whether any thread of `pid`'s thread group still runs (its leader may be a zombie)."""
    fields = _stat_fields(pid)
    if not fields:
        return False
    if fields[0] not in (b"Z", b"X"):
        return True
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X"):
                    return True
        except (OSError, IndexError):
            continue
    return False


class Cgroup:
    """The sandbox's own cgroup, as the backend mounted it (read-only) for the runner: the CPU of
    every process it ever held, however the process was created, detached or reaped, and the
    processes it holds now. `cpu` is `cpu.stat` (cgroup v2, usage_usec) or `cpuacct.usage`
    (v1, ns); `procs` its `cgroup.procs`. Both come from the host, which is trusted."""

    def __init__(self, cpu: str, procs: str) -> None:
        self.cpu_path, self.procs_path = cpu, procs
        self.v2 = cpu.endswith("cpu.stat")

    @classmethod
    def find(cls, spec) -> "Cgroup | None":
        """The first of the host's candidate (cpu, procs) pairs that this sandbox can read."""
        for cpu, procs in spec or ():
            found = cls(cpu, procs)
            if found.cpu() is not None and found.pids() is not None:
                return found
        return None

    def cpu(self) -> float | None:
        try:
            data = _read_file(self.cpu_path)
            if self.v2:
                return int(data.split(b"usage_usec", 1)[1].split()[0]) / 1e6
            return int(data) / 1e9
        except (OSError, ValueError, IndexError):
            return None

    def pids(self) -> list[int] | None:
        try:
            return [int(x) for x in _read_file(self.procs_path).split()]
        except (OSError, ValueError):
            return None


CGROUP: Cgroup | None = None  # set by main() from the payload; None: accounting rests on /proc


def _harness_cpu() -> float:
    """CPU seconds the runner and the zygote spent themselves (not their children): what the
    cgroup's figure holds beyond the program's."""
    own = time.clock_gettime(time.CLOCK_PROCESS_CPUTIME_ID)
    if ZYGOTE_PID:
        try:
            return own + int(_read_file(f"/proc/{ZYGOTE_PID}/schedstat").split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            fields = _stat_fields(ZYGOTE_PID)
            if fields and len(fields) > 12:
                return own + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return own


def kill_everything_else(spare: tuple[int, ...] = (), rounds: int = 50) -> int:
    """SIGKILL every process this uid can signal except ourselves, init and `spare`; returns
    how many survived.

    Only called in a private pid namespace (the payload says so): there `kill(-1)` reaches exactly
    the sandbox's processes. Stopping first keeps a fork bomb from outrunning the kills. With
    `spare` (the zygote) the processes `_live_pids` lists (the sandbox's cgroup, where there is
    one) are killed one by one, round after round, until none is listed: the pids limit bounds
    how many a bomb can make between two rounds.
    """
    if not spare:
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.kill(-1, sig)
            except (ProcessLookupError, PermissionError):
                pass
    for _ in range(rounds):
        _reap()
        alive = _live_pids(spare)
        if not alive:
            return 0
        for pid in alive:
            try:
                os.kill(pid, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError):
                pass
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.001)
    _reap()
    return len(_live_pids(spare))


PF_EXITING = 0x4  # /proc/<pid>/stat's flags: the process is in exit(), from its first step


def _alive(pid: int) -> bool:
    """Whether `pid` exists and is neither exiting nor a zombie (after a SIGCONT in case it was
    stopped). A zygote killed by its program is seen by the runner first as its socket's end of
    file, which exit() closes after setting PF_EXITING but before the process is a zombie: the
    state alone would still say alive there, and a persistent runner would keep a dead zygote."""
    try:
        os.kill(pid, signal.SIGCONT)
    except OSError:
        return False
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] not in (b"Z", b"X") and not int(fields[6]) & PF_EXITING


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def wipe(path: str) -> None:
    """Delete everything under `path` (not `path` itself), without following symlinks, whatever
    the permissions the program left (directories are made writable first), however deep."""
    stack, dirs = [path], []
    while stack:
        top = stack.pop()
        try:
            os.chmod(top, 0o700)
        except OSError:
            pass  # not ours (/dev/mqueue itself): it stays as it is
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    dirs.append(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
    for d in reversed(dirs):
        try:
            os.rmdir(d)
        except OSError:
            pass


_SYSV_TABLES = ("shm", "msg", "sem")


def _sysv_rows() -> list[tuple[str, int]]:
    """(table, id) of every SysV shared memory segment, message queue and semaphore set."""
    rows = []
    for table in _SYSV_TABLES:
        try:
            rows += [(table, int(line.split()[1])) for line in _read_file(f"/proc/sysvipc/{table}").splitlines()[1:] if line.strip()]
        except (OSError, ValueError, IndexError):
            continue
    return rows


def _remove_sysv_ipc() -> None:
    """Remove every SysV IPC object: they outlive processes. The IPC namespace is private, so each
    was made by this sandbox's uid, and IPC_RMID is allowed to the creator even when the program
    gave the object another owner."""
    rows = _sysv_rows()
    IPC_RMID = 0
    for table, ident in rows:
        try:
            if table == "sem":
                _libc("semctl")(ident, 0, IPC_RMID)
            else:
                _libc(f"{table}ctl")(ident, IPC_RMID, None)
        except (ImportError, OSError, AttributeError):
            return


def _restore_dir(path: str, mode: int | None) -> None:
    """Give the work directory back its mode, times and (no) extended attributes: each of them
    could carry a message to the next submission."""
    if mode is None:
        return
    for call in (lambda: os.chmod(path, mode), lambda: os.utime(path, (0, 0))):
        try:
            call()
        except OSError:
            pass
    try:
        for name in os.listxattr(path):
            os.removexattr(path, name)
    except OSError:
        pass


OWN_SOCKETS: frozenset[int] = frozenset()  # inodes of the runner's and the zygote's socketpair (set by main)


def _stray_sockets() -> list[int]:
    """Inodes of the unix sockets in this sandbox's network namespace (/proc/net/unix, the
    kernel's table) other than the harness's own."""
    try:
        rows = [row.split() for row in _read_file("/proc/net/unix").splitlines()[1:]]
    except OSError:
        return []
    return [int(row[6]) for row in rows if len(row) > 6 and row[6].isdigit() and int(row[6]) not in OWN_SOCKETS]


def collect_sockets(wait_s: float = 1.0) -> list[int]:
    """Have the kernel free the unix sockets that no process holds; returns those still listed.

    Sockets that carry each other (SCM_RIGHTS) outlive every process that made them: the kernel
    frees such a cycle only when its garbage collector next runs, which the release of some unix
    socket schedules, and until then everything riding in it stays open: memfds holding the
    container's memory (an honest program after it was OOM-killed), a deleted file holding the work
    dir's space, abstract names the next case or submission reads in /proc/net/unix. So the runner
    releases a socket of its own, which schedules the collector (it sees every namespace, one a
    program made included), and waits until the table lists none but the harness's. A table that
    lists none to begin with has nothing in flight (a socket in flight stays listed until freed):
    nothing to collect, which is what almost every case leaves."""
    left = _stray_sockets()
    deadline = time.monotonic() + wait_s
    while left:
        try:
            for end in _socket.socketpair():
                end.close()
        except OSError:
            pass
        left = _stray_sockets()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.002)
    return left


def scrub(workdir: str, sandboxed: bool, spare: tuple[int, ...] = (), mode: int | None = None) -> int:
    """Leave nothing of a previous submission: processes, files, IPC objects. Returns survivors.

    Destructive by design, so only with `--sandboxed` (a private pid namespace and a private,
    disposable work directory): run anywhere else, the runner kills and deletes nothing.
    """
    if not sandboxed:
        return 0
    survivors = kill_everything_else(spare)
    collect_sockets()  # before the wipe: a deleted file held in flight keeps its space until then
    for path in (workdir, "/dev/mqueue", "/dev/shm"):
        wipe(path)
    for path in ("/dev/mqueue", "/dev/shm"):
        try:
            os.utime(path)  # its times said when a program last touched it
        except OSError:
            pass
    _restore_dir(workdir, mode)
    _remove_sysv_ipc()
    return survivors


def residue(workdir: str, mode: int | None) -> list[str]:
    """What a scrub failed to remove (processes aside: `scrub` counts them)."""
    found = []
    for path in (workdir, "/dev/mqueue", "/dev/shm"):
        try:
            if os.listdir(path):
                found.append(f"files left in {path}")
        except OSError:
            pass
    if mode is not None:
        try:
            st = os.stat(workdir)
            if st.st_mode & 0o7777 != mode or st.st_mtime != 0 or os.listxattr(workdir):
                found.append(f"{workdir} mode, times or attributes changed")
        except OSError as exc:
            found.append(f"{workdir}: {exc.strerror}")
    if _stray_sockets():
        found.append("unix sockets outlived their processes")
    if _sysv_rows():
        found.append("SysV IPC objects left")
    return found


_RLIMITS = tuple(getattr(resource, name) for name in sorted(dir(resource)) if name.startswith("RLIMIT_"))


def process_settings(pid: int) -> tuple:
    """What a program of the same uid could change in a process that outlives it and that later
    programs inherit from: resource limits (prlimit), nice, CPU affinity, scheduling policy."""
    try:
        return (
            tuple(resource.prlimit(pid, r) for r in _RLIMITS),
            os.getpriority(os.PRIO_PROCESS, pid),
            tuple(sorted(os.sched_getaffinity(pid))),
            os.sched_getscheduler(pid),
        )
    except OSError as exc:
        return ("unreadable", exc.errno)


# --------------------------------------------------------------------------- messages


def _send(sock, obj: dict, fds: list[int] = ()) -> None:
    """A length-prefixed marshal message, with `fds` passed along (SCM_RIGHTS)."""
    body = marshal.dumps(obj)
    data = struct.pack("!Q", len(body)) + body  # one write: the other side wakes once
    if fds:
        rights = struct.pack(f"{len(fds)}i", *fds)
        data = data[sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)]) :]
    if data:
        sock.sendall(data)


def _recv_within(sock, seconds: float) -> dict | None:
    """The zygote's next message, or None if it is dead or silent for `seconds` (stopped by a
    program: it is sent SIGCONT first, in case)."""
    if ZYGOTE_PID:
        try:
            os.kill(ZYGOTE_PID, signal.SIGCONT)
        except OSError:
            pass
    try:
        ready, _, _ = select.select([sock], [], [], seconds)
        return _recv(sock)[0] if ready else None
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _recv(sock, maxfds: int = 0) -> tuple[dict | None, list[int]]:
    fds: list[int] = []
    if maxfds:
        header, ancdata, _flags, _addr = sock.recvmsg(8, _socket.CMSG_SPACE(maxfds * 4))
        for level, kind, data in ancdata:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds += struct.unpack(f"{len(data) // 4}i", data[: len(data) - len(data) % 4])
    else:
        header = sock.recv(8)
    while header and len(header) < 8:
        more = sock.recv(8 - len(header))
        if not more:
            return None, fds
        header += more
    if not header:
        return None, fds
    (n,) = struct.unpack("!Q", header)
    body = bytearray()
    while len(body) < n:
        chunk = sock.recv(min(1 << 20, n - len(body)))
        if not chunk:
            return None, fds
        body += chunk
    return marshal.loads(bytes(body)), fds


# --------------------------------------------------------------------------- the zygote


def _zygote(sock, sandboxed: bool) -> None:
    """Forks one child per request and reports its pid, then its exit status with the CPU time of
    everything it reaped and whether any descendant the case left still runs (they were
    re-parented here: we are a subreaper); if one does, reaps again once the runner has killed
    them, and reports again."""
    global _PRCTL
    try:
        PR_SET_CHILD_SUBREAPER = 36
        _PRCTL = _libc("prctl")  # the children's too (`_oom_first`)
        _PRCTL(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (ImportError, OSError, AttributeError):
        pass
    if sandboxed:
        _restrict_programs()
    import gc

    # The compiler's state that its first use makes (each Python child compiles its program), made
    # once here instead of in every child: ~0.6 ms and ~100 page faults per case otherwise (the
    # runner's own code arrives compiled, so nothing before the fork had used the compiler).
    compile("pass", "solution.py", "exec", dont_inherit=True)
    # exit() and quit(), which `python3 solution.py` has from the site module (the harness runs
    # with -S): honest programs end with them. Made once here, in the builtins every child inherits.
    try:
        import _sitebuiltins
        import builtins

        builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")
        builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")
    except ImportError:
        pass
    global _STREAMS
    _STREAMS = _prepare_streams()
    # What the runner freed before the fork goes back to the kernel, so every fork copies and every
    # exit tears down fewer page table entries (~1.4 MB of 4.5 MB of heap).
    gc.collect()
    try:
        _libc("malloc_trim")(0)
    except (ImportError, OSError, AttributeError):
        pass
    gc.freeze()  # the children's collections skip everything the zygote holds: no copy-on-write faults
    while True:
        req, fds = _recv(sock, maxfds=CHILD_FDS)
        if req is None:
            os._exit(0)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(req, fds)  # never returns
        for fd in fds:
            os.close(fd)
        _send(sock, {"pid": pid, "base": before.ru_utime + before.ru_stime})
        _, status, usage = os.wait4(pid, 0)
        # What the case left (all of it is re-parented here) is reaped at once and the exit status
        # says whether any still runs: the runner asks again only then, after killing it (a round
        # trip per case less than asking every time).
        left = _reap_all(patient=False)
        _send(sock, {"status": status, "maxrss_kb": usage.ru_maxrss, "cpu": _reaped_cpu(before), "left": left})
        if left:
            req = _recv(sock)[0]
            if req is None:
                os._exit(0)
            left = _reap_all(patient=req["killed"] and sandboxed)
            _send(sock, {"cpu": _reaped_cpu(before), "left": left})


def _reaped_cpu(before) -> float:
    """CPU seconds of the children the zygote reaped since `before` (its RUSAGE_CHILDREN then)."""
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


# seccomp, our own filters on top of the backend's (filters stack; the strictest answer wins).
# The zygote's, which every program inherits: `socket` and `socketpair` only for AF_UNIX, so no
# program can leave an entry in the network namespace's tables (a TCP TIME_WAIT in /proc/net/tcp
# outlives its process by a minute, and a warm container keeps its namespace) or talk netlink; no
# kernel keyrings (`add_key`, `request_key`, `keyctl`: the uid's user keyring outlives every
# process of it, so a key left by one case would reach the next; Docker's default profile refuses
# them too, bubblewrap does not); no new namespaces (`unshare`, `setns`, `clone` with a CLONE_NEW*
# flag; `clone3`, whose flags sit in memory a filter cannot read, answers ENOSYS and glibc falls
# back to `clone`), so a program's sockets, mounts and processes stay where the harness checks
# them (Docker's profile refuses these; under bubblewrap a program could make a user and network
# namespace of its own); no syscall of another ABI (x32, i386), through which the same calls would
# pass unchecked.
# Each child's (`_own_process_only`): the calls that change another process's limits, priority or
# scheduling act on the program's own process only. The kernel lets a process change these for any
# process of its uid (it checks the uid, not dumpability), and the runner, the zygote and the
# container's init share the programs' uid: `prlimit(runner, RLIMIT_CPU, 0)` killed the runner with
# SIGKILL at its next tick, `prlimit(1, RLIMIT_AS, ...)` left a container whose init could die under
# a later submission. A check after the fact cannot undo that, so the kernel refuses it.
_SECCOMP_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_X32_BIT = {"x86_64": 0x40000000}
_SYSCALLS = {  # the numbers of the calls the filters look at, per architecture
    "x86_64": {"socket": 41, "socketpair": 53, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272, "setns": 308, "clone": 56,
               "clone3": 435, "prlimit64": 302, "setpriority": 141, "ioprio_set": 251,
               "sched_setaffinity": 203, "sched_setscheduler": 144, "sched_setparam": 142, "sched_setattr": 314},
    "aarch64": {"socket": 198, "socketpair": 199, "add_key": 217, "request_key": 218, "keyctl": 219, "unshare": 97, "setns": 268, "clone": 220,
                "clone3": 435, "prlimit64": 261, "setpriority": 140, "ioprio_set": 30,
                "sched_setaffinity": 122, "sched_setscheduler": 119, "sched_setparam": 118, "sched_setattr": 274},
}  # fmt: skip
# call -> (the argument holding the target pid, the value of the argument before it that names a
# whole uid (setpriority's PRIO_USER, ioprio_set's IOPRIO_WHO_USER) or None, the argument whose
# NULL makes the call a read, or None)
_OWN_PROCESS_CALLS = {
    "prlimit64": (0, None, 2),
    "sched_setaffinity": (0, None, None),
    "sched_setscheduler": (0, None, None),
    "sched_setparam": (0, None, None),
    "sched_setattr": (0, None, None),
    "setpriority": (1, 2, None),
    "ioprio_set": (1, 3, None),
}
_BPF_LD, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
CLONE_NEW = 0x7E020080  # CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
_SECCOMP_ALLOW, _SECCOMP_ERRNO = 0x7FFF0000, 0x00050000


class _PidSlot:
    """An instruction's constant that each child fills in with its own pid (`_own_process_only`)."""


PID_SLOT = _PidSlot()


def _assemble(prog: list, slots: list[int] | None = None) -> bytes:
    """Classic BPF from a list of instructions (code, jt, jf, k) and labels (str); jt and jf may
    name a label (jumps go forward only) or be 0 (the next instruction). A k of `PID_SLOT` is
    assembled as 0 and its byte offset appended to `slots`."""
    at, n = {}, 0
    for ins in prog:
        if isinstance(ins, str):
            at[ins] = n
        else:
            n += 1
    out, n = [], 0
    for ins in prog:
        if isinstance(ins, str):
            continue
        code, jt, jf, k = ins
        jt, jf = (at[j] - n - 1 if isinstance(j, str) else j for j in (jt, jf))
        if not (0 <= jt < 256 and 0 <= jf < 256):
            raise ValueError(f"a jump of {jt} or {jf} instructions")
        if k is PID_SLOT:
            slots.append(8 * n + 4)  # struct sock_filter: u16 code, u8 jt, u8 jf, u32 k
            k = 0
        out.append(struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF))
        n += 1
    return b"".join(out)


def _arg(i: int, high: bool = False) -> int:
    """seccomp_data's offset of argument `i`'s low (or high) 32 bits: nr 0, arch 4, ip 8, args 16.
    A pid argument is a C int: the kernel reads the low word alone, so that is what is checked."""
    return 16 + 8 * i + (4 if high else 0)


def _prologue(machine: str) -> list:
    """Another ABI or an x32 call -> ENOSYS; else the syscall number is loaded."""
    x32 = _X32_BIT.get(machine, 0)
    return [
        (_BPF_LD, 0, 0, 4), (_BPF_JEQ, 0, "enosys", _SECCOMP_ARCH[machine]),
        (_BPF_LD, 0, 0, 0), (_BPF_JGE, "enosys", 0, x32 or 0xFFFFFFFF),
    ]  # fmt: skip


def _zygote_filter(machine: str) -> bytes:
    """The zygote's filter (see above)."""
    EPERM, EAFNOSUPPORT, ENOSYS, AF_UNIX = 1, 97, 38, 1
    nr = _SYSCALLS[machine]
    return _assemble([
        *_prologue(machine),
        (_BPF_JEQ, "family", 0, nr["socket"]), (_BPF_JEQ, "family", 0, nr["socketpair"]),
        (_BPF_JEQ, "eperm", 0, nr["add_key"]), (_BPF_JEQ, "eperm", 0, nr["request_key"]),
        (_BPF_JEQ, "eperm", 0, nr["keyctl"]), (_BPF_JEQ, "eperm", 0, nr["unshare"]),
        (_BPF_JEQ, "eperm", 0, nr["setns"]), (_BPF_JEQ, "enosys", 0, nr["clone3"]),
        (_BPF_JEQ, 0, "allow", nr["clone"]),
        (_BPF_LD, 0, 0, _arg(0)), (_BPF_JSET, "eperm", "allow", CLONE_NEW),  # clone's flags
        "family", (_BPF_LD, 0, 0, _arg(0)), (_BPF_JEQ, "allow", "refuse", AF_UNIX),
        "allow", (_BPF_RET, 0, 0, _SECCOMP_ALLOW),
        "refuse", (_BPF_RET, 0, 0, _SECCOMP_ERRNO | EAFNOSUPPORT),
        "eperm", (_BPF_RET, 0, 0, _SECCOMP_ERRNO | EPERM),
        "enosys", (_BPF_RET, 0, 0, _SECCOMP_ERRNO | ENOSYS),
    ])  # fmt: skip


def _own_process_filter(machine: str) -> tuple[bytes, list[int]]:
    """A child's filter: each call of `_OWN_PROCESS_CALLS` is allowed when its target is 0 (the
    caller) or the program's own pid (its process, which `setsid` also made its process group),
    or when it only reads; otherwise it fails with EPERM, as it would for another user's process.
    Returns the code with the pid left open, and the offsets where the child writes it."""
    EPERM, ENOSYS = 1, 38
    nr = _SYSCALLS[machine]
    prog = [*_prologue(machine)]
    prog += [(_BPF_JEQ, name, 0, nr[name]) for name in _OWN_PROCESS_CALLS]
    prog.append((_BPF_RET, 0, 0, _SECCOMP_ALLOW))
    for name, (target, whole_uid, read_when_null) in _OWN_PROCESS_CALLS.items():
        prog.append(name)
        if whole_uid is not None:
            prog += [(_BPF_LD, 0, 0, _arg(target - 1)), (_BPF_JEQ, "refuse", 0, whole_uid)]
        prog += [(_BPF_LD, 0, 0, _arg(target)), (_BPF_JEQ, "allow", 0, 0), (_BPF_JEQ, "allow", 0, PID_SLOT)]
        if read_when_null is None:
            prog.append((_BPF_RET, 0, 0, _SECCOMP_ERRNO | EPERM))
        else:
            prog += [(_BPF_LD, 0, 0, _arg(read_when_null)), (_BPF_JEQ, 0, "refuse", 0),
                     (_BPF_LD, 0, 0, _arg(read_when_null, high=True)), (_BPF_JEQ, "allow", "refuse", 0)]  # fmt: skip
    prog += [
        "allow", (_BPF_RET, 0, 0, _SECCOMP_ALLOW),
        "refuse", (_BPF_RET, 0, 0, _SECCOMP_ERRNO | EPERM),
        "enosys", (_BPF_RET, 0, 0, _SECCOMP_ERRNO | ENOSYS),
    ]
    slots: list[int] = []
    return _assemble(prog, slots), slots


class _Filter:
    """A seccomp filter held in C memory, ready to install with one prctl (no_new_privs is the
    zygote's, which every child inherits). The zygote makes the child's too, so a child only
    writes its pid into it and installs it: building and assembling it in each child cost ~0.3 ms
    and ~80 copy-on-write page faults per case. Through `_ctypes` alone, as `_libc`: the `ctypes`
    package would add its modules to the heap every child is forked from."""

    def __init__(self, code: bytes, slots: list[int] = ()) -> None:
        import _ctypes

        class c_char(_ctypes._SimpleCData):
            _type_ = "c"

        class c_void_p(_ctypes._SimpleCData):
            _type_ = "P"

        def array(data: bytes):
            class Array(_ctypes.Array):
                _type_, _length_ = c_char, len(data)

            return Array.from_buffer_copy(data)

        self.code, self.slots = array(code), tuple(slots)
        self.fprog = array(struct.pack("HP", len(code) // 8, _ctypes.addressof(self.code)))  # struct sock_fprog
        self.pointer = c_void_p(_ctypes.addressof(self.fprog))

    def install(self, pid: int = 0) -> bool:
        PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
        for at in self.slots:
            struct.pack_into("I", self.code, at, pid)
        return _PRCTL is not None and _PRCTL(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self.pointer, 0, 0) == 0


_CHILD_FILTER: _Filter | None = None  # made by the zygote (`_restrict_programs`), installed by every child
_FILTERED = False  # the zygote installed its filter: every child installs its own too, or does not run


def _restrict_programs() -> bool:
    """Install `_zygote_filter` on this process (the zygote: every program inherits it), after
    no_new_privs (so no privilege is needed); the children's filter is made first. False where
    it cannot be (another architecture): the sandbox then rests on its backend."""
    global _CHILD_FILTER, _FILTERED
    machine = os.uname().machine
    if machine not in _SECCOMP_ARCH or _PRCTL is None:
        return False
    PR_SET_NO_NEW_PRIVS = 38
    try:
        _CHILD_FILTER = _Filter(*_own_process_filter(machine))
        _FILTERED = _PRCTL(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 and _Filter(_zygote_filter(machine)).install()
    except (ImportError, OSError, AttributeError, TypeError):
        _FILTERED = False
    return _FILTERED


def _own_process_only() -> None:
    """In a child, before the program: install the child's filter with this process's pid. Where
    the zygote's filter went in, this one must too; if it does not, the program does not run."""
    if not _FILTERED:
        return
    try:
        if _CHILD_FILTER.install(os.getpid()):
            return
    except (OSError, AttributeError, TypeError):
        pass
    os.write(2, b"cannot start the program: the sandbox could not restrict it to its own process\n")
    os._exit(EXIT_NO_EXEC)


def _reap_all(patient: bool) -> bool:
    """Reap every zombie child; True if children are still alive. `patient`: they were all just
    killed, so wait (up to 2 s) for them to become zombies."""
    for _ in range(2000):
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                if not patient:
                    return True
                time.sleep(0.001)
        except ChildProcessError:
            return False
    return True


def _child(req: dict, fds: list[int]) -> None:
    """Become the test program: limits, fresh standard streams, then the program (and, for a
    function-call test, the calls the runner asks for)."""
    code = 1
    try:
        if len(fds) != req["nfds"]:  # the zygote took fewer than were sent (more than CHILD_FDS)
            os._exit(EXIT_NO_EXEC)
        os.setsid()
        mem = (req.get("as_mb") or req["memory_mb"]) << 20
        cpu = max(1, math.ceil(req["time_s"]))
        for limit, value in (
            (resource.RLIMIT_AS, (mem, mem)),
            (resource.RLIMIT_CPU, (cpu, cpu + 1)),
            (resource.RLIMIT_FSIZE, (req["file_bytes"], req["file_bytes"])),
            (resource.RLIMIT_CORE, (0, 0)),
        ):
            resource.setrlimit(limit, value)
        if req.get("stack_max"):  # the stack grows up to the address-space limit (threads keep glibc's 2 MiB)
            hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
            resource.setrlimit(resource.RLIMIT_STACK, (hard, hard))
        for target, fd in enumerate(fds):
            if fd != target:
                os.dup2(fd, target)
        os.closerange(len(fds), 1 << 16)
        _oom_first()  # dumpable from here on: the zygote's socket is closed already
        _own_process_only()
        if req.get("argv"):
            _exec(req, len(fds) - 1 if req.get("exe") else -1)  # never returns
        source, compiled = _read_program(len(fds) - 1)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # python's default: EPIPE, not death
        signal.signal(signal.SIGINT, signal.default_int_handler)  # and KeyboardInterrupt (the harness has none)
        sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__ = _STREAMS or _streams()
        sys.argv = ["solution.py"]
        send_fd = len(fds) - 2 if req.get("send_code") else -1  # the pipe for the compiled code (`_compile`)
        if compiled and send_fd >= 0:  # never both (the runner asks while it has none); never open for the program
            os.close(send_fd)
            send_fd = -1
        code = _run_program(req, source, compiled, send_fd)
    except BaseException:  # noqa: BLE001 - the wrapper itself must never raise
        code = 1
    os._exit(code)


_PRCTL = None  # libc's prctl, resolved once by the zygote


def _oom_first() -> bool:
    """Make this child (the program) the OOM killer's first choice in the sandbox's memory cgroup,
    before the runner and the zygote: oom_score_adj 1000, which needs no privilege to raise. The
    runner is non-dumpable, and so is every fork of it, and the kernel gives the /proc files of a
    non-dumpable process to root: the write then fails with EACCES (in Docker it always did, so
    the adjustment silently never happened). So the child turns dumpable first: it holds nothing
    of the runner (it is a fork of the zygote, which holds nothing), the processes that could then
    read or trace it are its own program's, and an exec'd program is made dumpable or not by the
    kernel anyway. Plain descriptors, no file object: this runs for every case. False where it
    still cannot (no prctl): harmless, since the OOM killer then weighs the processes by size
    alone, and the program is the one that grew."""
    PR_SET_DUMPABLE = 4
    try:
        if _PRCTL is not None:
            _PRCTL(PR_SET_DUMPABLE, 1, 0, 0, 0)
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        try:
            return os.write(fd, b"1000") == 4
        finally:
            os.close(fd)
    except OSError:
        return False


def _exec(req: dict, exe_fd: int) -> None:
    """Become a compiler, a compiled program (`exe_fd`: a sealed in-memory binary) or a JVM, with
    the signal dispositions a shell would give it (Python ignores SIGPIPE and SIGXFSZ; an exec
    would keep that)."""
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    argv, env = list(req["argv"]), dict(req["env"])
    try:
        if exe_fd >= 0:
            os.set_inheritable(exe_fd, False)  # the program gets no descriptor of its own binary
            os.execve(exe_fd, argv, env)
        os.execve(argv[0], argv, env)
    except OSError as exc:
        os.write(2, f"cannot start {argv[0]}: {exc.strerror}\n".encode())
    os._exit(EXIT_NO_EXEC)


def _read_program(fd: int) -> tuple[str, bytes | None]:
    """The program from the sealed memfd the runner passed as the child's last descriptor, which
    is then closed: its source, and its compiled code if an earlier case of the submission sent
    it (`_program_file`). Neither ever passes through the zygote's memory: freed, a source stayed
    in the zygote's heap, which every later child inherits, and a program found the one before it
    there (a correct solution of the same problem, run under its own name)."""
    data = bytearray()  # read to its end: no fstat (a stat result is ~20 objects, made in every child)
    while chunk := os.pread(fd, 1 << 20, len(data)):
        data += chunk
    os.close(fd)
    (n,) = struct.unpack_from("<I", data)
    source = data[4 + n :].decode("utf-8", "surrogatepass")
    if source.startswith("\ufeff"):  # a byte-order mark: python3 reads it as the file's encoding, not as code
        source = source[1:]
    return source, (bytes(data[4 : 4 + n]) if n else None)


def _program_file(source: bytes, code: bytes | None) -> bytes:
    """What `_read_program` reads: the length of the compiled code (0: none yet), the code, the source."""
    return struct.pack("<I", len(code or b"")) + (code or b"") + source


class _WarnProbe:
    """sys.stderr while the first case compiles the program: says whether compile() wrote to it
    (a SyntaxWarning), in which case the code is not kept, so every case prints it as python3 would."""

    def __init__(self, stream) -> None:
        self.stream, self.wrote = stream, False

    def write(self, text):
        self.wrote = True
        return self.stream.write(text)

    def flush(self):
        return self.stream.flush()


def _compile(source: str, send_fd: int):
    """The program's code. With `send_fd` (the first case of a submission), also its marshal, in
    one non-blocking write on that pipe, which is closed before the program runs: no code of the
    program has run yet, so what the runner keeps is compile()'s, a function of the source alone,
    and no channel from one case to the next. The later cases of the submission load it instead of
    compiling (~0.15 ms and ~50 copy-on-write faults less for a two-line program; more for more)."""
    if send_fd < 0:
        return compile(source, "solution.py", "exec", dont_inherit=True)
    try:
        stderr = sys.stderr
        sys.stderr = probe = _WarnProbe(stderr)
        try:
            code = compile(source, "solution.py", "exec", dont_inherit=True)
        finally:
            sys.stderr = stderr
        if not probe.wrote:
            try:
                data = marshal.dumps(code)
                sets = _set_constants(code)
                if not sets or _set_constants(marshal.loads(data)) == sets:
                    os.write(send_fd, struct.pack("<I", len(data)) + data)  # what the pipe does not take is dropped
            except (OSError, ValueError):
                pass
        return code
    finally:
        os.close(send_fd)


def _set_constants(code) -> list[tuple]:
    """The elements of every frozenset constant of `code` and of the code it holds, each in its
    iteration order. compile() folds a literal set that a loop iterates or `in` tests into one;
    marshal writes its elements sorted (3.11: deterministic output) and loads rebuild the set in
    that order, which can iterate otherwise: `for x in {15, -20, 76}` printed -20 15 76 in the
    first case, as python3 does, and -20 76 15 in the cases that loaded its code. So the code is
    kept only when the loaded sets iterate as compile()'s do (NaN, unequal to itself, never)."""
    found, todo = [], [code]
    while todo:
        obj = todo.pop()
        if type(obj) is frozenset:
            found.append(tuple(obj))
        elif type(obj) is tuple:
            todo += obj
        elif type(obj) is type(code):
            todo += obj.co_consts
    return found


def _streams() -> tuple:
    """A program's sys.stdin, stdout and stderr on fds 0-2, with the standard streams' buffering
    and newlines: "\n" alone ends a line and nothing is translated, as python3 makes them on
    Linux (open()'s default, universal newlines, turned an input's "\r\n" and lone "\r" into
    "\n": input() lost the "\r" that python3 keeps, and an honest program's answer changed)."""
    return (
        open(0, "r", encoding="utf-8", errors="surrogateescape", newline="\n", closefd=False),
        open(1, "w", encoding="utf-8", errors="surrogateescape", newline="\n", closefd=False),
        open(2, "w", encoding="utf-8", errors="backslashreplace", newline="\n", buffering=1, closefd=False),
    )


_STREAMS: tuple | None = None  # `_streams()`, made once by the zygote (`_prepare_streams`)


def _prepare_streams() -> tuple | None:
    """The children's standard streams, made once by the zygote: building three file objects cost
    each child ~0.15 ms, most of it copy-on-write faults. They are made while fds 0-2 are pipes,
    as a child's are, so what a file object learns of its descriptor when made (not seekable, no
    position, a pipe's block size) is what it would learn in the child; then the zygote's fds go
    back to /dev/null. Nothing is ever read or written through them here: each child starts from
    its own copy of fresh, empty objects, and puts its case's pipes on the same fds."""
    try:
        r, w = os.pipe()
    except OSError:
        return None
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        os.close(r)
        os.close(w)
        return None
    try:
        for fd, end in ((0, r), (1, w), (2, w)):
            os.dup2(end, fd)
        return _streams()
    except OSError:
        return None
    finally:
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        for fd in (r, w, null):
            os.close(fd)


def _run_program(req: dict, source: str, compiled: bytes | None, send_fd: int) -> int:
    import builtins

    # The program's globals are those of a module of its own, sys.modules["__main__"], as under
    # `python3 solution.py`: pickle (multiprocessing too) finds a function or class by looking it
    # up there, and with the harness's module in its place an honest program's pickling failed.
    main = type(sys)("__main__")
    main.__builtins__, main.__file__ = builtins, "/work/solution.py"
    sys.modules["__main__"] = main
    scope = main.__dict__
    code = 0
    try:
        # dont_inherit (`_compile`): compile() otherwise gives the program this module's own `from
        # __future__ import annotations`, and its annotations were strings (a `def f(x: Undefined)`
        # that python3 stops with a NameError ran).
        exec(marshal.loads(compiled) if compiled else _compile(source, send_fd), scope)
        if req.get("serve") is not None:
            _serve(scope, req["serve"])
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException as exc:  # noqa: BLE001 - an uncaught exception is the program's error
        _print_traceback(exc, source)
        code = EXIT_MEMORY if isinstance(exc, MemoryError) else 1
    _finish_like_python()
    if not _flush() and code == 0:
        code = 1
    return code


def _finish_like_python() -> None:
    """What `python3 solution.py` does after the program and before its final flush (Py_FinalizeEx):
    wait for the program's non-daemon threads, then run its atexit functions. Without it a program
    that ran its `main` in a thread (the usual way to get a deep stack) or wrote its output from an
    atexit function (a common fast-output idiom) printed nothing and failed. A failure here is
    printed and the exit status stays the program's, as the interpreter does. Neither module is
    imported for a program that did not import it: then there is nothing to wait for or run."""
    for module, run in (("threading", "_shutdown"), ("atexit", "_run_exitfuncs")):
        if module in sys.modules:
            try:
                getattr(sys.modules[module], run)()
            except BaseException as exc:  # noqa: BLE001 - the program's error, reported as python does
                try:
                    _print_traceback(exc, "")
                except BaseException:  # noqa: BLE001 - its stderr may be closed
                    pass


def _serve(scope: dict, names: tuple) -> None:
    """The child's side of a function-call test: answer the runner's requests (names, calls,
    attributes) on fd 3 with plain data on fd 4, until it says it is done. Runs in the program's
    interpreter, so the program can change what it answers, but only ever with data."""
    import builtins

    objects: list = []

    def handle(value) -> bytes:
        if type(value).__name__ == "module" and isinstance(getattr(value, "__name__", None), str):
            return b"M" + encode(value.__name__)
        objects.append(value)
        return b"H" + struct.pack("<I", len(objects) - 1) + encode(type(value).__name__)

    def resolve(tag, data, pos):
        (index,) = struct.unpack_from("<I", data, pos)
        return objects[index], pos + 4

    first = ("names", 0, names, None)  # asked for with the program: saves a round trip
    while True:
        if first:
            (op, target, args, kwargs), first = first, None
        else:
            header = _read_exact(3, 4)
            if header is None:
                return
            body = _read_exact(3, struct.unpack("<I", header)[0])
            op, target, args, kwargs = decode(body, resolve)
        _flush()
        try:
            if op == "done":
                return
            if op == "names":
                result = {name: scope[name] for name in args if name in scope}
                reply = ("ok", result, ())
            else:
                obj = objects[target]
                if op == "call":
                    result = obj(*args, **kwargs)
                elif op == "getattr":
                    result = getattr(obj, args)
                elif op == "len":
                    result = len(obj)
                else:  # "iter"
                    result = list(obj)
                mutable = op == "call" and any(type(a) in (list, dict, set) for a in args)
                reply = ("ok", result, args if mutable else ())
        except SystemExit:
            raise
        except BaseException as exc:  # noqa: BLE001 - the program's exception, sent to the test
            _print_traceback(exc, "")
            name = type(exc).__name__ if getattr(builtins, type(exc).__name__, None) is type(exc) else "ProgramError"
            reply = ("raise", name, str(exc)[:500])
        _flush()
        data = encode(reply, handle)
        _write_all(4, struct.pack("<I", len(data)) + data)


def _print_traceback(exc: BaseException, source: str) -> None:
    """As `python3 solution.py` would print it: with source lines, without the wrapper's frame.
    Imported here, on the error path only: traceback costs milliseconds to import."""
    import linecache
    import traceback

    if source:
        linecache.cache["solution.py"] = (len(source), None, source.splitlines(True), "solution.py")
    tb = exc.__traceback__.tb_next
    if tb is not None and tb.tb_frame.f_code is _compile.__code__:  # compile()'s SyntaxError: python3 prints
        tb = tb.tb_next  # no frame above it (and the harness's frame is none of the program's business)
    traceback.print_exception(type(exc), exc, tb)


def _flush() -> bool:
    """Flush sys.stdout and sys.stderr as the interpreter does at its end: a stream the program
    removed, set to None or closed is skipped (python3 then exits 0: a program that closed its
    stdout after writing its answer failed here); a flush that fails is an error."""
    ok = True
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        try:
            closed = stream is None or bool(stream.closed)
        except BaseException:  # noqa: BLE001 - as python: no `closed` means try the flush
            closed = False
        try:
            if not closed:
                stream.flush()
        except BaseException:  # noqa: BLE001
            ok = False
    return ok


# --------------------------------------------------------------------------- running one case


class _Tail:
    """Keeps the first and the last `n` bytes written to it and counts them all."""

    def __init__(self, n: int) -> None:
        self.n, self.total, self.buf, self.head = n, 0, bytearray(), bytearray()

    def add(self, data: bytes) -> None:
        self.total += len(data)
        if len(self.head) < self.n:
            self.head += data[: self.n - len(self.head)]
        self.buf += data
        if len(self.buf) > 4 * self.n:
            del self.buf[: -self.n]

    def text(self) -> str:
        return bytes(self.buf[-self.n :]).decode("utf-8", "replace")

    def head_text(self) -> str:
        return bytes(self.head).decode("utf-8", "replace")


class _Stop(BaseException):
    """The case ended before the test finished: a limit, the program's exit, a broken harness."""


class _ProgramGone(_Stop):
    pass


class ProgramError(Exception):
    """An exception the program raised that has no builtin class of the same name."""


class NotPlainData(BaseException):
    """The test compared, or took the truth of, a program object that is not plain data. Not an
    `Exception`, so that a test's `except Exception` cannot swallow it (and the case fails anyway)."""


class UnsupportedTest(BaseException):
    """The test passes the program something that is not plain data (a lambda, its own object)."""


_NEVER_RAISED = {"StopIteration", "StopAsyncIteration", "GeneratorExit", "SystemExit", "KeyboardInterrupt"}


class Remote:
    """A program object (function, class, instance, generator) as the trusted test sees it: it can
    be called, its attributes read, iterated and measured, all in the child; never compared."""

    __slots__ = ("_case", "_index", "_type")

    def __init__(self, case, index: int, type_name: str) -> None:
        self._case, self._index, self._type = case, index, type_name

    def __call__(self, *args, **kwargs):
        return self._case.request("call", self._index, args, kwargs)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._case.request("getattr", self._index, name)

    def __iter__(self):
        return iter(self._case.request("iter", self._index))

    def __len__(self) -> int:
        return self._case.request("len", self._index)

    def _refuse(self, *_):
        why = f"the program returned a {self._type}, not plain data (only builtin types are compared)"
        self._case.refused = self._case.refused or (Status.WRONG_ANSWER, why)
        raise NotPlainData(why)

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __hash__ = __contains__ = _refuse

    def __repr__(self) -> str:
        return f"<program {self._type}>"


def _own_modules(source: str, free: list[str]) -> set[str]:
    """The free names of a test that are standard-library modules it never calls like a function
    (`math` in `math.isclose(...)`): they are the runner's modules, bound before the test runs, and
    never asked of the program, whose `math` may be a class whose `isclose` is always true. A
    module name the test calls (`array(3)`) is a function of the program's, as the entry point is.
    The syntax tree comes from `_ast` (builtin): `ast` would cost milliseconds of imports."""
    import _ast

    stdlib = {n for n in free if n in sys.stdlib_module_names}
    if not stdlib:
        return set()
    called, stack = set(), [compile(source, "tests.py", "exec", _ast.PyCF_ONLY_AST)]
    while stack:
        node = stack.pop()
        if isinstance(node, _ast.Call) and isinstance(node.func, _ast.Name):
            called.add(node.func.id)
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack += [v for v in value if isinstance(v, _ast.AST)]
            elif isinstance(value, _ast.AST):
                stack.append(value)
    return stdlib - called


def _free_names(code) -> list[str]:
    """Global names the test reads (attribute names too: asking for a few extra is harmless) that
    are neither assigned by it at module level nor builtins: those it takes from the program."""
    import builtins

    names, stack = set(), [code]
    while stack:
        co = stack.pop()
        names.update(co.co_names)
        stack += [c for c in co.co_consts if hasattr(c, "co_names")]
    return sorted(n for n in names if not hasattr(builtins, n))


class _Child:
    """The plumbing of one case: the zygote's child that runs the program, its pipes (stdin,
    stdout, stderr and, for a function-call test, the call channel), its CPU and wall limits, and
    its end (killed if it still runs, what it left reaped, its CPU counted). It judges nothing:
    `_Case` runs the test against it and gives the verdict. `verdict` is set only when the runner
    ends the child itself (a limit, or the harness killed)."""

    def __init__(self, zsock, program: "_Program", case: dict, limits: dict, sandboxed: bool) -> None:
        self.zsock, self.case, self.limits, self.sandboxed = zsock, case, limits, sandboxed
        self.is_assert = case.get("assert") is not None  # the child also answers calls (`_serve`)
        self.program = program
        self.out, self.err, self.reply = bytearray(), _Tail(STDERR_TAIL), bytearray()
        self.verdict: str | None = None  # set when the runner ended the case
        self.exit_msg: dict | None = None
        self.pid = 0
        self.next_poll = 0.0
        self.cpu_seen = 0.0
        self.zbase = 0.0  # CPU the zygote had reaped before this case (its word, at the fork)
        self.kbase: tuple[float, float] | None = None  # the cgroup's CPU and the harness's own at the start
        self.waits = 0  # wall caps added because the case was starved of CPU
        self.gone = False  # the program ended or was ended while the test ran
        self.wanted: set[str] = set()  # names the child sends the test (those it takes from the program)

    # ------------------------------------------------------------------ start and pump

    def start(self) -> bool:
        in_r, self.in_w = os.pipe()
        self.out_r, out_w = os.pipe()
        self.err_r, err_w = os.pipe()
        child_fds = [in_r, out_w, err_w]
        self.req_w = self.rep_r = self.code_r = -1
        if self.is_assert:
            req_r, self.req_w = os.pipe()
            self.rep_r, rep_w = os.pipe()
            child_fds += [req_r, rep_w]
        req = {"serve": tuple(self.wanted) if self.is_assert else None, "time_s": self.limits["time_s"],
               "memory_mb": self.limits["memory_mb"], "file_bytes": self.limits["file_bytes"],
               **self.program.request()}  # fmt: skip
        if self.program.exe_fd >= 0:
            child_fds.append(os.dup(self.program.exe_fd))  # the child's last descriptor: it execs it
        elif self.program.run is None:  # Python source: the child reads it there (`_read_program`)
            if self.program.code is None and not self.program.code_asked:  # the first case sends its code
                self.program.code_asked = True
                self.code_r, code_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
                child_fds.append(code_w)
                req["send_code"] = True
            child_fds.append(_sealed_memfd(_program_file(self.program.encoded(), self.program.code)))
        self.program.stage()
        used = CGROUP.cpu() if CGROUP is not None and self.sandboxed else None
        self.kbase = None if used is None else (used, _harness_cpu())
        self.started = time.monotonic()
        self.deadline = self.started + self.limits["time_s"] * self.limits["wall_factor"] + 0.5
        req["nfds"] = len(child_fds)
        try:
            _send(self.zsock, req, child_fds)
            msg = _recv_within(self.zsock, HARNESS_TIMEOUT)
        except OSError:  # the zygote is gone: killed by a background process of this submission
            msg = None
        for fd in child_fds:
            os.close(fd)
        if msg is None:
            self.verdict = HARNESS_KILLED
            for fd in (self.in_w, self.out_r, self.err_r, self.req_w, self.rep_r, self.code_r):
                if fd >= 0:
                    os.close(fd)
            return False
        self.pid, self.zbase = msg["pid"], msg["base"]
        self.stdin = (self.case.get("input") or "").encode() if not self.is_assert else b""
        self.pos = 0
        for fd in (self.in_w, self.out_r, self.err_r, self.req_w, self.rep_r):
            if fd >= 0:
                os.set_blocking(fd, False)
        self.writers = [self.in_w] if self.stdin else []
        if not self.stdin:
            os.close(self.in_w)
            self.in_w = -1
        self.readers = [self.out_r, self.err_r, self.zsock] + ([self.rep_r] if self.is_assert else [])
        self.outbox = b""
        return True

    def _stop(self, verdict: str) -> None:
        self.verdict = self.verdict or verdict
        self._kill()

    def _reap(self, killed: bool) -> dict | None:
        try:
            _send(self.zsock, {"killed": killed})
            return _recv_within(self.zsock, HARNESS_TIMEOUT)
        except OSError:
            return None

    def _kill(self) -> None:
        for target in (-self.pid, self.pid):
            try:
                os.kill(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.sandboxed:
            kill_everything_else(spare=(ZYGOTE_PID,))

    def pump(self, want_reply: bool = False) -> bytes | None:
        """Move data until the child exits (None), or, with `want_reply`, a whole reply arrived.
        Raises `_Stop` when the runner ended the case."""
        while True:
            if want_reply and len(self.reply) >= 4:
                (n,) = struct.unpack_from("<I", self.reply)
                if n > self.limits["output_bytes"]:
                    self._stop(Status.OUTPUT_LIMIT)
                if len(self.reply) >= 4 + n:
                    msg = bytes(self.reply[4 : 4 + n])
                    del self.reply[: 4 + n]
                    return msg
            if self.exit_msg is not None:
                if want_reply:
                    self.gone = True
                    raise _ProgramGone()
                return None
            if self.verdict is not None:
                self.gone = True
                raise _Stop()
            now = time.monotonic()
            if now >= self.next_poll:
                self.next_poll = now + CPU_POLL_S
                if now > self.started + CPU_POLL_S:
                    self.cpu_seen = max(self.cpu_seen, self._cpu_now())
                    if self.cpu_seen > self.limits["time_s"]:
                        self._stop(Status.TIME_LIMIT)
                        continue
            if now >= self.deadline and not self.extend(now):
                self._stop(Status.STARVED if self._starved(now) else Status.TIME_LIMIT)
                continue
            wait = min(self.deadline, self.next_poll) - now
            r, w, _ = select.select(self.readers, self.writers, [], max(0.0, wait))
            for fd in w:
                self._write(fd)
            for fd in r:
                self._read(fd)

    def _write(self, fd: int) -> None:
        if fd == self.in_w:
            try:
                self.pos += os.write(fd, self.stdin[self.pos : self.pos + 65536])
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # the program closed stdin or exited: it does not want the rest
                self.pos = len(self.stdin)
            if self.pos >= len(self.stdin):
                os.close(fd)
                self.in_w = -1
                self.writers.remove(fd)
        else:
            try:
                self.outbox = self.outbox[os.write(fd, self.outbox[:65536]) :]
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.outbox = b""
            if not self.outbox:
                self.writers.remove(fd)

    def _read(self, fd: int) -> None:
        if fd is self.zsock:
            self.exit_msg, _ = _recv(self.zsock)
            if self.exit_msg is None:  # the program killed the zygote: no more cases can run
                self.verdict = HARNESS_KILLED
                self._kill()
            self.readers.remove(fd)
            return
        try:
            data = os.read(fd, 1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        if not data:
            self.readers.remove(fd)
            return
        self._take(fd, data)

    def _take(self, fd: int, data: bytes) -> None:
        if fd == self.out_r:
            if len(self.out) <= self.limits["output_bytes"]:
                self.out += data
            if len(self.out) > self.limits["output_bytes"] and self.verdict is None:
                self._stop(Status.OUTPUT_LIMIT)
        elif fd == self.err_r:
            self.err.add(data)
        else:
            self.reply += data
            if len(self.reply) > self.limits["output_bytes"] + 4 and self.verdict is None:
                self._stop(Status.OUTPUT_LIMIT)

    def _take_code(self) -> None:
        """The program's compiled code, if the child sent all of it (`_compile`); the child is
        gone and held the pipe's only other end, so what is there is all there will be."""
        data = b""
        try:
            data = os.read(self.code_r, 1 << 17)
        except OSError:
            pass
        os.close(self.code_r)
        self.code_r = -1
        if len(data) > 4 and struct.unpack_from("<I", data)[0] == len(data) - 4:
            self.program.code = data[4:]

    # ------------------------------------------------------------------ CPU

    def _descendants(self) -> list[int]:
        """Every process of the case: those in the sandbox's cgroup (or, without one, every pid
        of the namespace, zombies included: their CPU counts until reaped) but the harness's."""
        if not self.sandboxed:
            return [self.pid]
        if CGROUP is not None:
            return _live_pids((ZYGOTE_PID,))
        skip = {1, os.getpid(), ZYGOTE_PID}
        return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in skip]

    def _cpu_now(self) -> float:
        """CPU seconds of the case so far. With a cgroup: the kernel's count for the whole
        sandbox since the case began, less what the runner and the zygote spent themselves, so
        no way of creating, detaching or reaping a process takes CPU off the bill. Without one:
        every live descendant (with what it reaped) plus what the zygote reaped since."""
        if self.kbase is not None:
            used = CGROUP.cpu()
            if used is not None:
                return max(0.0, (used - self.kbase[0]) - (_harness_cpu() - self.kbase[1]))
        ticks = 0
        for pid in self._descendants():
            fields = _stat_fields(pid)
            if fields and len(fields) > 14:
                ticks += sum(int(x) for x in fields[11:15])
        return ticks / CLK_TCK + max(0.0, _zygote_cpu() - self.zbase)

    def extend(self, now: float) -> bool:
        """At the wall cap: a starved case keeps its CPU progress and gets the cap once more
        (up to STARVED_WAITS times) instead of being killed for the host's load."""
        if self.waits >= STARVED_WAITS or not self._starved(now):
            return False
        self.waits += 1
        self.deadline = now + self.limits["time_s"] * self.limits["wall_factor"] + 0.5
        return True

    def _starved(self, now: float) -> bool:
        """Whether the case was kept from the CPU rather than idle: it is runnable, or waited on a
        run queue for a good part of its wall time, and used well under its CPU limit."""
        if self._cpu_now() >= self.limits["time_s"] * 0.9:
            return False
        waited = 0.0
        for pid in self._descendants():
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:  # every thread: a group's leader may have exited while others run
                try:
                    with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
                        if f.read().rsplit(b")", 1)[1].split()[0] == b"R":
                            return True
                    with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                        waited += int(f.read().split()[1]) / 1e9
                except (OSError, ValueError, IndexError):
                    pass
        return waited > 0.25 * (now - self.started)

    def collect(self) -> None:
        """End the child (killed if it still runs, by the zygote's word), have what it left reaped
        and killed, and read what it wrote: sets `cpu`, `wall`, `exit_code` and `signal`."""
        wall = time.monotonic() - self.started
        if self.exit_msg is None and self.verdict != HARNESS_KILLED:  # killed by us: the zygote's word on it
            self._kill()
            self.exit_msg = _recv_within(self.zsock, HARNESS_TIMEOUT)
            if self.exit_msg is None:
                self.verdict = HARNESS_KILLED
        if self.verdict != HARNESS_KILLED:
            # The zygote reaps what the case left; when something still runs, kill every
            # descendant and have it reaped: its CPU is charged to the case.
            cpu_msg = self.exit_msg  # the zygote's first reap came with the exit status
            if cpu_msg.get("left") or (self.sandboxed and self._descendants()):
                self._kill()
                if cpu_msg["left"]:
                    cpu_msg = self._reap(killed=True)
            if cpu_msg is None:
                self.verdict = HARNESS_KILLED
            cpu = cpu_msg["cpu"] if cpu_msg else max(self.cpu_seen, 0.0)
            if self.kbase is not None:
                cpu = max(self.cpu_seen, self._cpu_now())  # the kernel's count, every process dead
        else:
            cpu = self.cpu_seen
        for fd in (self.out_r, self.err_r, self.rep_r):  # what the program wrote before it exited
            if fd < 0:
                continue
            while True:
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:
                    break
                if not data:
                    break
                self._take(fd, data)
            os.close(fd)
        for fd in (self.in_w, self.req_w):
            if fd >= 0:
                os.close(fd)
        if self.code_r >= 0:
            self._take_code()
        status = self.exit_msg["status"] if self.exit_msg else 0
        self.exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        self.signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        self.cpu, self.wall = cpu, wall


class _Case(_Child):
    """One test case of one submission: the test run against the child (its stdout compared with
    the expected output, or a function-call test executed here, in the runner's interpreter), the
    verdict and the report."""

    def __init__(self, zsock, program: "_Program", case: dict, limits: dict, sandboxed: bool) -> None:
        super().__init__(zsock, program, case, limits, sandboxed)
        self.refused: tuple[str, str] | None = None  # the test met data it must not compare
        self.own: set[str] = set()  # standard modules the test names: the runner's own

    # ------------------------------------------------------------------ the test

    def request(self, op: str, index: int, args=None, kwargs=None):
        """One call into the program; its answer as plain data (or a `Remote`)."""
        try:
            body = encode((op, index, args, kwargs), self._handle_arg)
        except NotPlain as exc:
            why = f"the test passes the program {exc}"[:200]
            self.refused = self.refused or (Status.UNSUPPORTED_TEST, why)
            raise UnsupportedTest(why) from None
        self.outbox += struct.pack("<I", len(body)) + body
        if self.req_w not in self.writers:
            self.writers.append(self.req_w)
        return self.answer(op, args)

    def answer(self, op: str = "names", args=None):
        """The program's next reply, decoded (raised, when it is an exception)."""
        msg = self.pump(want_reply=True)
        try:
            reply = decode(msg, self._handle_result, self.limits["output_bytes"])
            kind = reply[0]
        except (ValueError, TypeError, IndexError, struct.error, RecursionError):
            raise ProgramError("the program sent malformed data") from None
        if kind == "raise":
            raise _program_exception(reply[1], reply[2])
        if op == "call":
            _copy_back(args, reply[2])
        return reply[1]

    def _handle_arg(self, value) -> bytes:
        if isinstance(value, Remote) and value._case is self:
            return b"H" + struct.pack("<I", value._index)
        raise NotPlain(f"a {type(value).__name__}, which is not plain data")

    def _handle_result(self, tag, data, pos):
        if tag == b"M":  # a module the test names (`math`): the runner's own copy, never the program's
            name, pos = _decode(data, pos, None, 0)
            if name not in self.wanted and name not in sys.modules:
                raise ValueError(f"module {name!r}")
            return _trusted_module(name), pos
        (index,) = struct.unpack_from("<I", data, pos)
        type_name, pos = _decode(data, pos + 4, None, 0)
        return Remote(self, index, str(type_name)[:60]), pos

    def _run_test(self):
        """Executes the test block in this (trusted) interpreter against the program's names.
        Returns None when it passed, else (status, detail)."""
        source, code = self.case["assert"], self.code
        import builtins

        scope = {"__name__": "__main__", "__builtins__": builtins}
        global CASE
        CASE = self
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, max(0.001, self.deadline - time.monotonic()))
        try:
            wanted = self.wanted
            found = self.answer()  # the names the test takes from the program, sent after it ran
            if isinstance(found, dict):  # only names asked for: never `__builtins__` or a builtin's name
                scope.update({k: v for k, v in found.items() if k in wanted})
            for name in self.own:  # standard modules are the runner's (`_own_modules`)
                try:
                    scope[name] = _trusted_module(name)
                except ValueError:  # not importable here: the name stays unbound, never the program's
                    pass
            exec(code, scope)
        except SystemExit as exc:  # the test ended itself: fine when it says success
            if exc.code not in (None, 0):
                return Status.WRONG_ANSWER, f"the test exited with {exc.code!r}"[:200]
        except _Stop:
            raise
        except _Deadline:
            self._stop(Status.STARVED if self._starved(time.monotonic()) else Status.TIME_LIMIT)
            raise _Stop() from None
        except AssertionError as exc:
            if getattr(exc, "from_program", False):
                return Status.RUNTIME_ERROR, f"the program raised AssertionError: {exc}"[:200]
            return Status.WRONG_ANSWER, _failed_line(exc, source)
        except NotPlainData as exc:
            return Status.WRONG_ANSWER, str(exc)
        except UnsupportedTest as exc:
            return Status.UNSUPPORTED_TEST, str(exc)[:200]
        except RecursionError:
            return Status.WRONG_ANSWER, "the program's data is nested too deeply to compare"
        except Exception as exc:  # noqa: BLE001 - what the test raised (or re-raised from the program)
            where = "the program raised" if getattr(exc, "from_program", False) else "the test raised"
            return Status.RUNTIME_ERROR, f"{where} {type(exc).__name__}: {exc}"[:200]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            CASE = None
        if self.refused:  # the test swallowed the refusal (`except:`); it still decides
            return self.refused
        if self.gone:
            raise _Stop()
        body = encode(("done", 0, None, None))
        self.outbox += struct.pack("<I", len(body)) + body
        if self.req_w not in self.writers:
            self.writers.append(self.req_w)
        return None

    # ------------------------------------------------------------------ the report

    def finish(self, outcome) -> dict:
        self.collect()
        cpu, wall = self.cpu, self.wall
        verdict = self.verdict
        if verdict == HARNESS_KILLED:
            return self.report(Status.RUNTIME_ERROR, HARNESS_KILLED)
        if verdict == Status.OUTPUT_LIMIT or len(self.out) > self.limits["output_bytes"]:
            return self.report(Status.OUTPUT_LIMIT, f"more than {self.limits['output_bytes']} bytes of output")
        if verdict == Status.STARVED:
            return self.report(Status.STARVED, f"starved of CPU: {cpu:.2f}s CPU in {wall:.2f}s wall")
        if cpu > self.limits["time_s"]:
            return self.report(Status.TIME_LIMIT, f"{cpu:.2f}s CPU > {self.limits['time_s']}s")
        if verdict == Status.TIME_LIMIT:
            return self.report(Status.TIME_LIMIT, f"killed after {wall:.2f}s wall ({cpu:.2f}s CPU)")
        return self.report(*self._classify(outcome))

    def _classify(self, outcome) -> tuple[str, str]:
        sig, exit_code, stderr = self.signal, self.exit_code, self.err.text()
        if outcome is not None:  # the test decided while the program was still answering
            return outcome
        if sig == signal.SIGXCPU:
            return Status.TIME_LIMIT, f"{self.cpu:.2f}s CPU > {self.limits['time_s']}s"
        if sig == signal.SIGKILL:  # not killed by us (that is handled above): the OOM killer
            return Status.MEMORY_LIMIT, "killed by the out-of-memory killer"
        failed = sig is not None or exit_code not in (0, None)
        marker = next((m for m in self.program.markers if m in stderr[-600:]), None) if failed else None
        if exit_code == EXIT_MEMORY or marker:
            return Status.MEMORY_LIMIT, f"{marker or 'MemoryError'} under the {self.limits['memory_mb']} MB limit"
        if sig is not None:
            return Status.RUNTIME_ERROR, f"killed by signal {sig} ({_SIGNAL_NAMES.get(sig, 'signal')})"
        if self.is_assert:
            if exit_code == 0 and self.test_done:
                return Status.PASSED, ""
            if exit_code == 0:
                return Status.RUNTIME_ERROR, "the program exited before the tests finished"
            return Status.RUNTIME_ERROR, f"exit code {exit_code}: {_last_line(stderr)}"
        if exit_code != 0:
            return Status.RUNTIME_ERROR, f"exit code {exit_code}: {_last_line(stderr)}"
        if self.case.get("compile"):
            return Status.PASSED, ""
        stdout = bytes(self.out[: self.limits["output_bytes"]]).decode("utf-8", "replace")
        ok, why = compare_outputs(self.case.get("output") or "", stdout, self.limits["float_tol"])
        return (Status.PASSED, "") if ok else (Status.WRONG_ANSWER, why)

    test_done = False

    def report(self, status: str, detail: str) -> dict:
        stdout = bytes(self.out[: self.limits["output_bytes"]]).decode("utf-8", "replace")
        return {
            "status": status,
            "time_s": round(getattr(self, "cpu", 0.0), 4),
            "wall_s": round(getattr(self, "wall", time.monotonic() - getattr(self, "started", time.monotonic())), 4),
            "exit_code": getattr(self, "exit_code", None),
            "signal": getattr(self, "signal", None),
            "stdout_tail": stdout[-int(self.limits.get("report_stdout") or STDOUT_TAIL):],
            "stderr_tail": self.err.text(),
            "detail": detail,
            **({"stderr_head": self.err.head_text()} if self.case.get("compile") else {}),
        }


class _Deadline(BaseException):
    pass


CASE: _Case | None = None  # the case whose test the runner is executing (for the alarm)


def _alarm(*_):
    """The wall cap, while the runner executes a test's own code (a loop that calls nothing). The
    clock decides, not the signal: any process of our uid may send SIGALRM, and a program did, five
    times while runnable, to have its wrong answer given up as starved (`sandbox_error`). One that
    comes early re-arms the timer; one outside a test is ignored."""
    now = time.monotonic()
    if CASE is None:
        return
    if now < CASE.deadline or CASE.extend(now):
        signal.setitimer(signal.ITIMER_REAL, max(0.001, CASE.deadline - now))
        return
    raise _Deadline()


def _zygote_cpu() -> float:
    """CPU seconds of every process the zygote has reaped (its cutime + cstime)."""
    fields = _stat_fields(ZYGOTE_PID) if ZYGOTE_PID else None
    return (int(fields[13]) + int(fields[14])) / CLK_TCK if fields and len(fields) > 14 else 0.0


def _trusted_module(name) -> object:
    """The runner's own module of that name (the test reads `math` that the program imported):
    never the program's copy, which it may have patched."""
    if not isinstance(name, str):
        raise ValueError("bad module name")
    try:
        __import__(name)
        return sys.modules[name]
    except Exception:  # noqa: BLE001 - a module only the program has: not available to the test
        raise ValueError(f"module {name!r}") from None


def _program_exception(name, message) -> BaseException:
    import builtins

    cls = getattr(builtins, name, None) if isinstance(name, str) and name not in _NEVER_RAISED else None
    exc = None
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            exc = cls(message)
        except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError wants five arguments
            exc = None
    if exc is None:
        exc = ProgramError(f"{name}: {message}")
    exc.from_program = True
    return exc


def _copy_back(sent, returned) -> None:
    """Arguments the program mutated (a list it sorted in place) change in the test too."""
    if not isinstance(sent, tuple) or not isinstance(returned, tuple) or len(sent) != len(returned):
        return
    for mine, theirs in zip(sent, returned):
        if type(mine) is list and type(theirs) is list:
            mine[:] = theirs
        elif type(mine) in (dict, set) and type(theirs) is type(mine):
            mine.clear()
            mine.update(theirs)


def _failed_line(exc: BaseException, source: str) -> str:
    """The source line of the failing assert (the last `tests.py` frame of the traceback)."""
    line, tb = 0, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "tests.py":
            line = tb.tb_lineno
        tb = tb.tb_next
    lines = source.splitlines()
    if 0 < line <= len(lines):
        return f"failed: {lines[line - 1].strip()[:200]}"
    return "an assertion failed"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


class _Program:
    """How a test case starts the program: Python source, run by the zygote's child in-process;
    or an argv the child execs (a compiler, the compiled binary from the sealed in-memory file
    `exe_fd`, a JVM), with `files` written to the work dir first (sources, class files: the work
    dir is wiped before every case)."""

    def __init__(self, source: str = "", run: dict | None = None, exe_fd: int = -1, files: dict | None = None,
                 main: str | None = None):  # fmt: skip
        self.source, self.run, self.exe_fd, self.files = source, run, exe_fd, files or {}
        if main and run:  # the class the compiler's output says has main() (`java_main`)
            self.run = {**run, "argv": [*run["argv"][:-1], main]}
        if run and run.get("archive"):  # the contest class-data archive, where built for this JVM
            argv = self.run["argv"]
            self.run = {**self.run, "argv": [argv[0], *jvm_archive(run["archive"], argv[0]), *argv[1:]]}
        self.markers = tuple(run["markers"]) if run else ("MemoryError",)
        self.given: dict[str, bytes] = {}  # the submission's own files (a request's `files`)
        self.code: bytes | None = None  # Python: the marshal of its code, from the first case (`_compile`)
        self.code_asked = False  # a case was asked for it (once per submission)
        self._encoded: bytes | None = None

    def encoded(self) -> bytes:
        if self._encoded is None:
            self._encoded = self.source.encode("utf-8", "surrogatepass")
        return self._encoded

    def request(self) -> dict:
        if self.run is None:
            return {}  # the source goes as a descriptor (`_Child.start`), never through the zygote
        return {"argv": self.run["argv"], "env": self.run["env"], "as_mb": self.run.get("as_mb"),
                "stack_max": self.run.get("stack_max"), "exe": self.exe_fd >= 0}  # fmt: skip

    def stage(self) -> None:
        stage_given(self.given)  # the request's files first: the program's own below win a clash
        for path, data in self.files.items():
            if "/" in path:
                os.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)


def _path_parts(name) -> list[str] | None:
    """The components of a work-dir-relative path, or None when it could leave the work dir or
    name it ambiguously (absolute, empty, `.`, `..`, NUL). The host checks the same
    (sandboxes/base.py `check_path`); this is the second lock."""
    if not isinstance(name, str) or not name or name.startswith("/") or "\0" in name or len(name) > 1024:
        return None
    parts = name.split("/")
    return None if any(p in ("", ".", "..") for p in parts) else parts


def _open_dirs(parts: list[str], create: bool) -> int:
    """A descriptor of the directory holding `parts[-1]`, walked from the work dir one component
    at a time with O_NOFOLLOW: a symbolic link anywhere on the way is refused by the kernel
    (ELOOP, ENOTDIR), whatever a program changed meanwhile."""
    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            if create:
                try:
                    os.mkdir(part, 0o700, dir_fd=fd)
                except FileExistsError:
                    pass
            sub = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = sub
    except BaseException:
        os.close(fd)
        raise
    return fd


def stage_given(files: dict) -> None:
    """Write a submission's files into the (just wiped) work dir; a name that could leave it
    is skipped (the host refused it already)."""
    for name, data in files.items():
        parts = _path_parts(name)
        if parts is None:
            continue
        top = _open_dirs(parts, create=True)
        try:
            fd = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600, dir_fd=top)
        finally:
            os.close(top)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)


def fetch_files(names, cap: int) -> tuple[dict, dict]:
    """Read back the named work-dir files after the last case, here inside the sandbox (its
    root, its uid: nothing the program could not have printed itself), as base64: (fetched,
    refused: name -> why). Only regular files, reached without following a symbolic link (a
    link to /etc/passwd is refused, not read); at most `cap` bytes in all; a missing file is
    neither (SandboxFusion leaves it out too)."""
    import binascii  # a C module

    fetched, refused, total = {}, {}, 0
    for name in names:
        parts = _path_parts(name)
        if parts is None:
            refused[name] = "the path leaves the work dir"
            continue
        try:
            top = _open_dirs(parts, create=False)
            try:  # O_NONBLOCK: a FIFO opens at once (and is then refused), never blocks the runner
                fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=top)
            finally:
                os.close(top)
        except FileNotFoundError:
            continue
        except OSError as exc:
            refused[name] = "a symbolic link" if exc.errno in (40, 20) else f"unreadable ({exc.strerror})"
            continue
        try:
            if os.fstat(fd).st_mode & 0o170000 != 0o100000:  # S_ISREG without the stat module
                refused[name] = "not a regular file"
                continue
            data = bytearray()
            while len(data) <= cap - total and (chunk := os.read(fd, min(1 << 20, cap - total + 1 - len(data)))):
                data += chunk
            if total + len(data) > cap:
                refused[name] = f"over the {cap} bytes that come back in all"
                continue
            total += len(data)
            fetched[name] = binascii.b2a_base64(data, newline=False).decode("ascii")
        finally:
            os.close(fd)
    return fetched, refused


def _sealed_memfd(data: bytes) -> int:
    """An in-memory file holding `data` that nobody can change any more (sealed): the compiled
    program runs from it, so no case can alter what the next one runs, and /work stays noexec."""
    fd = os.memfd_create("solution", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    _write_all(fd, data)
    try:
        import fcntl

        F_ADD_SEALS, ALL_SEALS = 1033, 0xF  # seal, shrink, grow, write
        fcntl.fcntl(fd, F_ADD_SEALS, ALL_SEALS)
    except (ImportError, OSError):
        pass
    return fd


def _read_tree(top: str, cap: int) -> dict[str, bytes]:
    """Every regular file under `top` (relative paths kept), at most `cap` bytes in all."""
    found, stack, total = {}, [top], 0
    while stack:
        for entry in os.scandir(stack.pop()):
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                with open(entry.path, "rb") as f:
                    found[entry.path] = f.read(cap - total + 1)
                total += len(found[entry.path])
                if total > cap:
                    raise OSError("the compiler's output is too large")
    return found


_JAVA_MAIN = (b"main", b"([Ljava/lang/String;)V")  # public static void main(String[])


def class_main(data: bytes) -> str | None:
    """The binary name (`Main$Inner`, `pkg.Main`) of the class in this class file when it declares
    `public static void main(String[])`, else None: read from the constant pool and method table
    (JVMS chapter 4), so it is what javac compiled, whatever the source's comments, annotations,
    generics or nesting."""
    u2 = lambda at: struct.unpack_from(">H", data, at)[0]  # noqa: E731
    if data[:4] != b"\xca\xfe\xba\xbe":
        return None
    count, pos, pool, i = u2(8), 10, {}, 1
    sizes = {3: 5, 4: 5, 5: 9, 6: 9, 7: 3, 8: 3, 9: 5, 10: 5, 11: 5, 12: 5, 15: 4, 16: 3, 17: 5, 18: 5, 19: 3, 20: 3}
    while i < count:
        tag = data[pos]
        if tag == 1:
            n = u2(pos + 1)
            pool[i] = data[pos + 3 : pos + 3 + n]
            pos += 3 + n
        elif tag in sizes:
            if tag == 7:
                pool[i] = u2(pos + 1)
            pos += sizes[tag]
            i += 1 if tag in (5, 6) else 0  # a long or double takes two entries
        else:
            return None
        i += 1
    this = pool.get(u2(pos + 2))
    pos += 8 + 2 * u2(pos + 6)  # access, this, super, interfaces
    for table in ("fields", "methods"):
        n, pos = u2(pos), pos + 2
        for _ in range(n):
            access, name, desc, n_attr = struct.unpack_from(">HHHH", data, pos)
            pos += 8
            for _ in range(n_attr):
                pos += 6 + struct.unpack_from(">I", data, pos + 2)[0]
            if table == "methods" and access & 0x9 == 0x9 and (pool.get(name), pool.get(desc)) == _JAVA_MAIN:
                return pool[this].decode("utf-8", "replace").replace("/", ".") if this in pool else None
    return None


_ARCHIVES: dict = {}  # (archive, java) -> the flags that select it: [] or [-XX:SharedArchiveFile=...]


def jvm_archive(archive: str, java: str) -> list:
    """`-XX:SharedArchiveFile=<archive>` when the static class-data archive was built for this JVM
    (`jvm_archive_current`), else nothing, and the JVM maps the JDK's default archive: given an
    archive it cannot map, JDK 17 runs with no archive at all. Looked at once per runner."""
    key = (archive, java)
    if key not in _ARCHIVES:
        _ARCHIVES[key] = [f"-XX:SharedArchiveFile={archive}"] if jvm_archive_current(archive, java) else []
    return _ARCHIVES[key]


def jvm_archive_current(archive: str, java: str) -> bool:
    """Whether every file the archive's `.jdk` stamp lists (sandboxes/image/jvm_archive.py: the
    JVM's library and the module image) lies in `java`'s JDK and still has its recorded size and
    mtime: a JDK upgraded since, or another JDK, would not map it."""
    home = os.path.dirname(os.path.dirname(os.path.realpath(java))) + "/"
    try:
        with open(archive + ".jdk") as f:
            files = [line.rsplit(" ", 2) for line in f.read().splitlines()]
        ok = bool(files) and os.path.isfile(archive)
        for path, size, mtime in files:
            st = os.stat(path)
            ok = ok and path.startswith(home) and (st.st_size, int(st.st_mtime)) == (int(size), int(mtime))
        return ok
    except (OSError, ValueError):
        return False


def java_main(files: dict[str, bytes], preferred) -> str | None:
    """The class to run among what javac wrote: the first of `preferred` (the host's reading of the
    source: the public top-level type, `Main`, the others in order) that has main(), else any
    class with one (top-level before nested), else None (the host's guess stands)."""
    found = set()
    for path, data in files.items():
        if path.endswith(".class"):
            try:
                name = class_main(data)
            except (struct.error, IndexError):
                name = None
            if name:
                found.add(name)
    for name in preferred:
        if name in found:
            return name
    return min(found, key=lambda n: (n.count("$"), n), default=None)


def build_key(sub: dict) -> tuple:
    """What makes two compiles the same: language, compiler argv, source and the request's files."""
    return (sub["language"], tuple(sub["build"]["argv"]), sub["program"], tuple(sorted((sub.get("files") or {}).items())))


def forget(built: dict, keep: int, binaries_only: bool = False) -> None:
    """Drop the least recently used of `built` until at most `keep` remain (of the binaries only:
    each can be as large as the work dir), closing the memfd of every binary dropped."""
    keys = [k for k, (made, _) in built.items() if not binaries_only or (made and "exe_fd" in made)]
    for key in keys[: max(0, len(keys) - keep)]:
        made, _ = built.pop(key)
        if made and "exe_fd" in made:
            os.close(made["exe_fd"])


def build(zsock, sub: dict, sandboxed: bool, between, built: dict) -> tuple[_Program | None, dict]:
    """Compile the submission once (an identical source compiled earlier in this batch is reused)
    and return (the program its cases start, the compile report); (None, report) when it did not
    compile: report["status"] is compile_error (the program's fault) or sandbox_error. Only the last
    `BUILT_KEPT` compiled programs are kept: both backends give the runner identical sources one after
    another, and a persistent runner meets a program again in a later batch.

    Only what the compiler produced is shared between identical sources: how the program starts
    (its argv, heap, stack) comes from each submission's own limits. A compiler that could not
    start (our exec failed: exit 127 with our message; or the language's own start-up failures,
    `spec["start_failures"]`, e.g. a JVM denied threads by the host) is the sandbox's failure,
    never the program's compile_error. Those markers are matched only where the source cannot
    forge them: javac names a diagnostic's file after a Java identifier, while g++ honours
    `#line 1 "any text"`, so C++ has none."""
    spec, run = sub["build"], sub["run"]
    given = sub.get("files") or {}
    key = build_key(sub)
    if key in built:
        made, report = built[key] = built.pop(key)  # the most recently used goes last
        if report.pop("resident", False):  # compiled by `precompile_java` for this submission: its own cost
            return made and _Program(run=run, **made), {**report, "resident": True}
        return made and _Program(run=run, **made), {**report, "time_s": 0.0, "wall_s": 0.0, "cached": True}
    if not os.access(spec["argv"][0], os.X_OK):
        report = {"status": Status.SANDBOX_ERROR, "detail": f"this sandbox has no {spec['argv'][0]} for {sub['language']}"}
        return None, report
    forget(built, BUILT_KEPT - 1, binaries_only=True)  # a binary (up to the work dir's size) is memory;
    # class files, bounded per batch by `precompile_java`, stay until the next batch (`forget` there)
    limits = {"time_s": spec["time_s"], "wall_factor": sub["limits"]["wall_factor"], "memory_mb": spec["memory_mb"],
              "output_bytes": 1 << 20, "file_bytes": spec["file_bytes"], "float_tol": 0.0}  # fmt: skip
    compiler = _Program(run=spec, files={spec["file"]: sub["program"].encode("utf-8", "surrogateescape")})
    compiler.given = given  # a header or a resource the source names
    result = run_case(zsock, compiler, {"input": "", "compile": True}, limits, sandboxed)
    report = {"status": result["status"], "time_s": result["time_s"], "wall_s": result["wall_s"], "detail": ""}
    made = None
    head = result.get("stderr_head", "")
    first = head.lstrip().split("\n", 1)[0]
    no_exec = result.get("exit_code") == EXIT_NO_EXEC and first.startswith("cannot start ")
    if result["status"] == Status.PASSED:
        try:
            if spec["output"] == "classes":
                made = {"files": _read_tree(spec["output"], spec["file_bytes"])}
                made["main"] = java_main(made["files"], run.get("mains", ()))
            else:
                with open(spec["output"], "rb") as f:
                    made = {"exe_fd": _sealed_memfd(f.read())}
        except OSError as exc:
            report.update(status=Status.COMPILE_ERROR, detail=f"the compiler left no program ({exc.strerror or exc})")
    elif result["status"] == Status.SANDBOX_ERROR or no_exec or first.startswith(tuple(spec.get("start_failures", ()))):
        report.update(status=Status.SANDBOX_ERROR, detail=f"the compiler could not start: {head[:300]}")
    else:
        why = {Status.TIME_LIMIT: f"compilation took more than {spec['time_s']:g} s CPU",
               Status.MEMORY_LIMIT: f"the compiler ran out of memory ({spec['memory_mb']} MB)",
               Status.OUTPUT_LIMIT: "the compiler wrote too much"}.get(result["status"])  # fmt: skip
        head = head or result.get("stdout_tail", "")
        lines = [ln for ln in head.splitlines() if ln.strip()][:6]
        report.update(status=Status.COMPILE_ERROR, detail=why or " | ".join(lines)[:600] or result["detail"])
    between()  # the sources and the compiler's files go; only what the cases need comes back
    if report["status"] != Status.SANDBOX_ERROR:
        built[key] = (made, report)
    return made and _Program(run=run, **made), report


def precompile_java(zsock, subs: list, sandboxed: bool, between, built: dict) -> dict | None:
    """Compile every distinct Java source of the batch in one resident compiler before any program
    of the batch runs, and leave each result in `built`, where `build` finds it: a fresh javac per
    source costs a JVM start and a compiler that runs interpreted (~0.8 s of CPU), the resident one
    (sandboxes/image/CompileServer.java) ~0.1 s per source once its JIT has warmed up.

    It is one case of the runner, like any compile: the zygote's child, the sandbox's seccomp
    filter, the compiler's address-space and file-size limits, its CPU charged by the kernel and
    capped at one compile's budget (`time_s`) for the whole batch; the work dir is scrubbed after
    it. Each source is the only file of its own directory, which is its compile's only class and
    source path, and javac runs no code of a source (`-proc:none`), so no compile sees another's
    source or output. It runs before any program of the batch and is gone before the first one
    starts: no program ever shares the sandbox with it. Each source is charged the server's own
    measure of its JVM during its compile (JIT and GC threads included), plus, when the server
    answered for every source, an equal share of the rest of the case (the JVM's start-up), so the
    compiles add up to what the kernel charged the case. A source the server did not answer for
    (it ran out of its time or memory, or died) is compiled alone by `build` as before, so a
    pathological source meets exactly the limits it always met. Returns what the end frame says of
    it, or None when there was nothing for it (no Java source, no server in this sandbox)."""
    jobs: dict = {}  # key in `built` -> (submission, its directory)
    server = None
    for sub in subs:
        spec = sub.get("build") or {}
        if not spec.get("server") or sub.get("files") or any(case.get("assert") is not None for case in sub["tests"]):
            continue  # a submission with files of its own compiles beside them, alone (`build`)
        server = server or spec["server"]
        key = build_key(sub)
        if spec["server"] == server and key not in built and key not in jobs:
            jobs[key] = (sub, f"javac-{len(jobs)}")
    if not sandboxed or not jobs or not os.access(server["argv"][0], os.X_OK) or not os.path.isfile(server["jar"]):
        return None
    files, lines = {}, []
    for sub, top in jobs.values():
        name = sub["build"]["file"]
        files[f"{top}/src/{name}"] = sub["program"].encode("utf-8", "surrogateescape")
        lines.append("\t".join([*server["options"], "-d", f"{top}/classes", "-cp", f"{top}/src", f"{top}/src/{name}"]))
    spec = next(iter(jobs.values()))[0]["build"]
    output = 1 << 22  # the answers: javac's messages, at most 64 KiB per source, as hex
    limits = {"time_s": spec["time_s"], "wall_factor": subs[0]["limits"]["wall_factor"], "memory_mb": spec["memory_mb"],
              "output_bytes": output, "report_stdout": output, "file_bytes": spec["file_bytes"], "float_tol": 0.0}  # fmt: skip
    run = {"argv": server["argv"], "env": server["env"], "as_mb": spec["as_mb"], "markers": spec["markers"]}
    result = run_case(zsock, _Program(run=run, files=files), {"input": "\n".join(lines) + "\n", "compile": True},
                      limits, sandboxed)  # fmt: skip
    answers = result["stdout_tail"].split("\n")[:-1]  # a line cut short by a kill is no answer
    parsed = []
    for answer in answers:
        try:
            code, cpu, wall, messages = answer.split(" ")
            text = bytes.fromhex(messages).decode("utf-8", "replace")
            parsed.append((int(code), int(cpu) / 1e9, int(wall) / 1e9, text))
        except ValueError:
            break
    # The server's start-up and the CPU between compiles (the kernel's count for the case, less the
    # compiles' own), shared equally when it answered for every source (their compile_s then add up
    # to the case); otherwise the rest may be a runaway compile's, which is no other source's cost.
    n = len(parsed) if len(parsed) == len(jobs) else 0
    extra_cpu = max(0.0, result["time_s"] - sum(p[1] for p in parsed)) / n if n else 0.0
    extra_wall = max(0.0, result["wall_s"] - sum(p[2] for p in parsed)) / n if n else 0.0
    budget = spec["file_bytes"]  # class files kept for the whole batch
    for (key, (sub, top)), (code, cpu, wall, text) in zip(jobs.items(), parsed):
        cpu, wall = cpu + extra_cpu, wall + extra_wall
        prefix = f"{top}/src/"  # javac names the file as it was given: say it as a lone javac would
        text = "\n".join(ln[len(prefix):] if ln.startswith(prefix) else ln for ln in text.split("\n"))
        report = {"status": Status.PASSED, "time_s": round(cpu, 4), "wall_s": round(wall, 4), "detail": "",
                  "resident": True}  # fmt: skip
        made = None
        if code == 0:
            try:
                tree = _read_tree(f"{top}/classes", min(budget, sub["build"]["file_bytes"]))
            except OSError:  # more than is left to keep: compiled alone later, as before
                continue
            budget -= sum(len(data) for data in tree.values())
            made = {"files": {"classes" + path[len(top) + 8 :]: data for path, data in tree.items()}}
            made["main"] = java_main(made["files"], sub["run"].get("mains", ()))
        else:
            lines = [ln for ln in text.splitlines() if ln.strip()][:6]
            report.update(status=Status.COMPILE_ERROR, detail=" | ".join(lines)[:600] or f"javac exited with {code}")
        built[key] = (made, report)
    between()
    return {"sources": len(jobs), "answered": min(len(parsed), len(jobs)), "status": result["status"],
            "time_s": result["time_s"], "wall_s": result["wall_s"]}  # fmt: skip


def run_case(zsock, program: _Program, case: dict, limits: dict, sandboxed: bool) -> dict:
    """Run the program on one test case through the zygote; returns the case's report. A case
    still starved of CPU after STARVED_WAITS more wall caps is the sandbox's fault
    (`sandbox_error`), never the program's `time_limit`."""
    result = _run_one(_Case(zsock, program, case, limits, sandboxed))
    if result["status"] == Status.STARVED:
        result["status"] = Status.SANDBOX_ERROR
    return result


_COMPILED: dict[str, tuple] = {}  # test source -> (code or why it does not compile, names it takes)


def _run_one(c: _Case) -> dict:
    if c.is_assert:  # compiled before the program starts: the child is told which names to send
        source = c.case["assert"]
        if source not in _COMPILED:  # the K samples of a problem share its tests
            try:
                code = compile(source, "tests.py", "exec", dont_inherit=True)  # not our __future__ flags
                free = _free_names(code)
                own = _own_modules(source, free)
                _COMPILED[source] = code, set(free) - own, own
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                _COMPILED[source] = f"the test does not compile: {exc}"[:200], set(), set()
        c.code, c.wanted, c.own = _COMPILED[source]
        if isinstance(c.code, str):
            return c.report(Status.UNSUPPORTED_TEST, c.code)
    elif c.case.get("output") is None and not c.case.get("compile") and c.limits.get("compare", True):
        return c.report(Status.UNSUPPORTED_TEST, "the test has no expected output")  # nothing to compare with: the data's fault
    if not c.start():
        return c.report(Status.RUNTIME_ERROR, HARNESS_KILLED)
    outcome = None
    try:
        if c.is_assert:
            outcome = c._run_test()
            c.test_done = outcome is None
        if outcome is None:
            c.pump()  # to the program's exit
        else:
            c._kill()  # the test has decided: the program need not finish
    except _Stop:
        pass
    return c.finish(outcome)


# --------------------------------------------------------------------------- main


def sandboxed_mode(argv: list[str], uid: int, workdir: str) -> bool:
    """Whether to scrub (kill -1, wipe): asked for, and belt and braces for a destructive mode,
    never as root and never outside the sandbox's /work."""
    return SANDBOXED_FLAG in argv and uid != 0 and workdir == "/work"


_JSON_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", **{c: f"\\u{c:04x}" for c in range(32)}}


def to_json(value) -> str:
    """JSON for the report's plain data (dict, list, str, int, float, bool, None) without the
    json module's imports. Lone surrogates become \\udcxx escapes, which JSON allows."""
    out: list[str] = []
    _json(value, out)
    return "".join(out)


_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}


def _json(value, out: list[str]) -> None:
    """Appends `value`'s JSON to `out`: one pass, no string built per level (every report goes
    through here: nested joins cost ~10 us per case)."""
    if value is None or value is True or value is False:
        out.append(_JSON_CONSTANTS[value])
    elif isinstance(value, str):
        out += ('"', value.translate(_JSON_ESCAPES), '"')
    elif isinstance(value, dict):
        out.append("{")
        sep = ""
        for k, v in value.items():
            out += (sep, '"', str(k).translate(_JSON_ESCAPES), '":')
            _json(v, out)
            sep = ","
        out.append("}")
    elif isinstance(value, bool):  # a bool subclass: as its value
        out.append(_JSON_CONSTANTS[bool(value)])
    elif isinstance(value, (int, float)):
        out.append(repr(value) if math.isfinite(value) else "null")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        sep = ""
        for v in value:
            out.append(sep)
            _json(v, out)
            sep = ","
        out.append("]")
    else:
        raise TypeError(f"cannot report a {type(value).__name__}")


def _write_frame(fd: int, nonce: bytes, report: dict) -> None:
    mark = FRAME + b" " + nonce + b"\n"
    _write_all(fd, mark + to_json(report).encode("utf-8", "backslashreplace") + b"\n" + mark)


class _Harness:
    """The runner's view of its own health: the zygote alive, the settings later programs inherit
    unchanged, nothing of a submission left behind."""

    def __init__(self, zpid: int, workdir: str, sandboxed: bool, mode: int | None) -> None:
        self.zpid, self.workdir, self.sandboxed, self.mode = zpid, workdir, sandboxed, mode
        self.pids = tuple(dict.fromkeys((os.getpid(), zpid, 1)))  # and the namespace's init (the container's)
        self.settings = self._settings()

    def _settings(self) -> tuple:
        return tuple(process_settings(pid) for pid in self.pids)

    def problems(self) -> list[str]:
        """Scrub, then say what is wrong: every item would reach the next submission."""
        try:
            return self._problems()
        except (OSError, MemoryError) as exc:  # our own limits were lowered under us
            return [f"the runner cannot check ({type(exc).__name__})"]

    def _problems(self) -> list[str]:
        found = []
        if self.sandboxed and scrub(self.workdir, True, spare=(self.zpid,), mode=self.mode):
            found.append("processes left")
        if not _alive(self.zpid):
            found.append("the zygote died")
        if self._settings() != self.settings:
            found.append("limits, priority or affinity of the runner, the zygote or init changed")
        if self.sandboxed:
            found += residue(self.workdir, self.mode)
        return found


def _run_submission(zsock, sub: dict, sandboxed: bool, between, built: dict) -> dict:
    """Compile it if its language needs that, then run its cases; every case starts from a
    scrubbed sandbox. Returns the report's fields: cases, and compile (or error)."""
    ran = _run_built(zsock, sub, sandboxed, between, built)
    if sub.get("fetch") and ran.get("cases") and "compile_error" != ran["cases"][-1]["status"]:
        ran["fetched"], ran["fetch_refused"] = fetch_files(sub["fetch"], sub["fetch_bytes"])  # before any wipe
    return ran


def _run_built(zsock, sub: dict, sandboxed: bool, between, built: dict) -> dict:
    given = sub.get("files") or {}
    if sub.get("build") is None:
        program = _Program(sub["program"])
        program.given = given
        return {"cases": _run_cases(zsock, program, sub, sandboxed, between)}
    if any(case.get("assert") is not None for case in sub["tests"]):
        why = f"function-call tests are Python only; this program is {sub['language']}"
        return {"cases": [{"status": Status.UNSUPPORTED_TEST, "detail": why}]}
    program, compiled = build(zsock, sub, sandboxed, between, built)
    if compiled["status"] == Status.SANDBOX_ERROR:
        return {"cases": [], "error": compiled["detail"], "compile": compiled}
    if program is None:
        return {"cases": [{"status": Status.COMPILE_ERROR, "detail": compiled["detail"], "time_s": compiled["time_s"],
                           "wall_s": compiled["wall_s"]}], "compile": compiled}  # fmt: skip
    program.given = given
    return {"cases": _run_cases(zsock, program, sub, sandboxed, between), "compile": compiled}


def _run_cases(zsock, program: _Program, sub: dict, sandboxed: bool, between) -> list[dict]:
    cases = []
    for i, case in enumerate(sub["tests"]):
        try:
            if i:
                between()
            result = run_case(zsock, program, case, sub["limits"], sandboxed)
        except (OSError, MemoryError) as exc:  # the program lowered the runner's own limits under it
            result = {"status": Status.RUNTIME_ERROR, "time_s": 0.0, "wall_s": 0.0, "exit_code": None, "signal": None,
                      "stdout_tail": "", "stderr_tail": "", "detail": f"{HARNESS_KILLED} ({type(exc).__name__})"}  # fmt: skip
        cases.append(result)
        if result["detail"].startswith(HARNESS_KILLED):
            break
        if result["status"] != Status.PASSED and sub.get("stop_on_first_failure", True):
            break
    return cases


def main() -> None:
    """Read a batch of submissions; write one framed report per submission as it finishes, then
    an end frame (index -1). Between two submissions (and two cases) nothing survives but the
    zygote, which holds nothing: the runner checks that, and that no setting it and the zygote
    pass on to later programs changed. When a check fails, the submission that just ran is
    reported `suspect` and the rest `not_run`: the host grades each of them again alone in a fresh
    container rather than blame them, and discards this one.

    `--persistent` (the Docker backend's warm runner): batches arrive one after another on stdin,
    each as an 8-byte big-endian length and its marshal payload, and the runner stays, with its
    zygote, between them, so a batch costs no `docker exec`, interpreter start or fork of the
    harness. Every batch still starts from a scrub and the checks; after a batch whose checks
    failed the runner ends (the host then discards the container), as it does at EOF."""
    os.closerange(3, 1 << 16)  # no descriptor of whoever started us reaches a program
    # Any process of our uid may signal us. SIGKILL and SIGSTOP are answered (the program killed or
    # stopped the harness); a signal our Python answers must not run our code when a program picks:
    # SIGINT's KeyboardInterrupt crashed the runner with a traceback ("the runner failed",
    # sandbox_error). With the default action it kills us like any other signal: the program's fault.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    report_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # nothing but the reports reaches the host
    non_dumpable = _prctl_no_dumps()
    workdir = os.getcwd()
    sandboxed = sandboxed_mode(sys.argv, os.getuid(), workdir)
    persistent = PERSISTENT_FLAG in sys.argv
    survivors = scrub(workdir, sandboxed)
    parent_sock, zygote_sock = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    global OWN_SOCKETS
    OWN_SOCKETS = frozenset(os.fstat(end.fileno()).st_ino for end in (parent_sock, zygote_sock))
    zpid = os.fork()
    if zpid == 0:  # the zygote holds nothing but its socket: no payload, no report channel
        parent_sock.close()
        os.dup2(devnull, 0)
        os.dup2(devnull, 2)
        os.close(report_fd)
        _zygote(zygote_sock, sandboxed)
    zygote_sock.close()
    global ZYGOTE_PID
    ZYGOTE_PID = zpid
    keep_open([f"/proc/{zpid}/schedstat", "/proc/net/unix", *(f"/proc/sysvipc/{t}" for t in _SYSV_TABLES)])
    payload_fd = os.dup(0)  # after the fork: the zygote never holds the host's channel
    os.dup2(devnull, 0)
    harness: _Harness | None = None
    resident = None  # what the resident Java compiler did for the last batch (`precompile_java`)
    built: dict = {}  # (language, compiler argv, source, files) -> (what it made, compile report): the last BUILT_KEPT
    broken: list[str] = []
    mode = None
    while True:
        payload = _next_payload(payload_fd, persistent)
        if payload is None:  # EOF: the host is done with this runner
            break
        nonce = payload["nonce"].encode()
        mode = payload.get("workdir_mode")
        global CGROUP
        CGROUP = Cgroup.find(payload.get("cgroup")) if sandboxed else None
        if CGROUP is not None:  # not cgroup.procs: cgroup v1 lists the pids of an open file's first read
            keep_open([CGROUP.cpu_path])  # for a second after (its pidlist cache); a new open lists them anew
        harness = harness or _Harness(zpid, workdir, sandboxed, mode)
        if len(_COMPILED) > 1024:  # a persistent runner's cache of test blocks stays bounded
            _COMPILED.clear()
        broken = harness.problems()
        forget(built, BUILT_KEPT)  # what an earlier batch compiled: at most BUILT_KEPT carried over
        resident = None  # what the resident Java compiler did for this batch (`precompile_java`)
        if not broken:
            resident = precompile_java(parent_sock, payload["submissions"], sandboxed, lambda: wipe(workdir), built)
            broken = harness.problems() if resident else broken
        for index, sub in enumerate(payload["submissions"]):
            if broken:
                _write_frame(report_fd, nonce, {"index": index, "not_run": "; ".join(broken)})
                continue
            started = time.monotonic()
            # Between two cases the same scrub as between submissions (the case's processes are
            # dead already): a message queue, a SysV object or a socket in flight of case 1 reached
            # case 2 when only the work dir was wiped.
            clear = lambda: sandboxed and scrub(workdir, True, spare=(zpid,), mode=mode)  # noqa: E731
            ran = _run_submission(parent_sock, sub, sandboxed, clear, built)
            broken = harness.problems()
            report = {"index": index, **ran, "wall_s": round(time.monotonic() - started, 4)}
            if broken:
                report["suspect"] = "; ".join(broken)
            _write_frame(report_fd, nonce, report)
        if not persistent or broken:
            break
        # Ready for the next batch: the checks after its last submission (or at its start) passed,
        # which is what a one-shot runner's end frame says after its final scrub; the zygote
        # stays, and the next batch scrubs and checks again before anything runs.
        _write_frame(report_fd, nonce, {"index": -1, "non_dumpable": non_dumpable, "survivors_before": survivors,
                                        "survivors_after": 0, "problems": [], "kernel_accounting": CGROUP is not None,
                                        "resident_compiler": resident, "persistent": True})  # fmt: skip
        survivors = 0
    parent_sock.close()
    try:
        os.waitpid(zpid, 0)
    except ChildProcessError:
        pass
    if payload is None and not persistent:
        return
    try:
        leftovers = scrub(workdir, sandboxed, mode=mode)
    except (OSError, MemoryError):
        leftovers, broken = -1, broken or ["the runner cannot scrub"]
    if payload is not None:  # a one-shot batch, or a persistent one that failed its checks
        end = {"index": -1, "non_dumpable": non_dumpable, "survivors_before": survivors, "survivors_after": leftovers,
               "problems": broken, "kernel_accounting": CGROUP is not None, "resident_compiler": resident}  # fmt: skip
        _write_frame(report_fd, nonce, end)


def _next_payload(fd: int, persistent: bool) -> dict | None:
    """The host's next batch (trusted): all of stdin, once; or, persistent, one length-prefixed
    batch at a time (None at EOF)."""
    if not persistent:
        data = bytearray()
        while chunk := os.read(fd, 1 << 20):
            data += chunk
        return marshal.loads(bytes(data)) if data else None
    head = _read_exact(fd, 8)
    if head is None:
        return None
    body = _read_exact(fd, struct.unpack(">Q", head)[0])
    return None if body is None else marshal.loads(body)


if __name__ == "__main__":
    main()
