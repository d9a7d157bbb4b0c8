"""The runner: executes submissions' test cases inside the sandbox (stdlib only, builtin modules).

Every backend starts it as `python3 -I -S -c <this file> --sandboxed` inside the isolated
environment (a warm container, a bubblewrap namespace), writes one marshal payload (a batch of
submissions) to its stdin and reads framed reports from its stdout: one per submission as it
finishes, then an end frame. The host imports this module too, for `compare_outputs`.

Why the report cannot be forged by the submission
- The runner is non-dumpable before any secret arrives (the image's interpreter is execute-only
  for the sandbox uid, which makes the kernel start it so; elsewhere `prctl(PR_SET_DUMPABLE, 0)`):
  a process of the same uid without CAP_SYS_PTRACE (all capabilities are dropped) can then
  neither open `/proc/<runner>/fd/*` (its stdout, the report channel) nor read its memory.
- Programs run in children of a *zygote* that the runner forks before it reads the payload, so no
  child ever holds expected outputs or the report nonce, even in memory. Each child gets its own
  stdin/stdout/stderr pipes and no other descriptor of the runner.
- Reports are framed with a per-exec nonce from the payload; the host ignores anything else and
  reads them as JSON (written by `to_json`: no json import here).

Why a zygote: forking a warm interpreter costs ~1 ms where starting `python3` costs ~10 ms, and
the tests of one submission run sequentially, so start-up would dominate trivial programs. For the
same reason the runner imports only builtin and C modules (no json, socket, signal, ctypes).

`--sandboxed` (kill every other process, wipe the work dir) is destructive: it is honoured only
for a non-root uid in `/work` (`sandboxed_mode`); without it the runner kills and deletes nothing.

Fidelity to `python3 solution.py`: the program is compiled as `solution.py` and executed with
`__name__ == "__main__"` in a fresh namespace, with stdin/stdout/stderr bound to the test's pipes
and the standard streams' usual buffering; `sys.exit` and uncaught exceptions behave as usual.

Function-call tests (`asserts`) run in the same interpreter right after the program, as HumanEval
and MBPP harnesses do. Success needs positive evidence: after the asserts finish, the wrapper
copies a per-test token from a pipe to a completion pipe, so a program that exits early
(`sys.exit(0)`, `os._exit(0)`) fails. A program that deliberately tampers with its own
interpreter (overriding `__eq__`, reading the token pipe) can still fake a function-call pass:
that is a limit of in-process asserts, not of the isolation.
"""

from __future__ import annotations

# Only builtin and C modules: the runner starts once per submission, and `json`, `socket`,
# `signal` or `ctypes` would each add milliseconds of imports (enum, re) to every one of them.
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

# Exit codes the child wrapper uses to tell the runner why a program failed (the runner, not the
# exit code, decides "passed": see the completion token).
EXIT_ASSERTION = 96  # an assert of a function-call test failed
EXIT_MEMORY = 97  # MemoryError: the address-space limit was hit
EXIT_EARLY = 98  # SystemExit raised while the asserts were running
STDERR_TAIL = 2048  # bytes of stderr kept per case: enough for a traceback's last lines
STDOUT_TAIL = 1024  # bytes of stdout kept per case for the report (the full capped stdout is compared)
FRAME = b"RINGDATA-REPORT"
HARNESS_KILLED = "the program killed the test harness"
HARNESS_TIMEOUT = 5.0  # seconds the zygote may take to fork or report; longer means it was stopped
SANDBOXED_FLAG = "--sandboxed"  # the backends pass it: a private pid namespace and work dir (see scrub)
ZYGOTE_PID = 0  # set by main(): the runner resumes it if a program stopped it
_SIGNAL_NAMES = {4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM"}


# --------------------------------------------------------------------------- output comparison


def _as_float(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def compare_outputs(expected: str, actual: str, tol: float = 1e-6) -> tuple[bool, str]:
    """Token-wise comparison, as contest checkers do: whitespace is a separator only; two tokens
    that both parse as finite numbers are equal within `tol` absolute or relative. Returns
    (equal, one short line saying where they first differ)."""
    want, got = expected.split(), actual.split()
    for i, (w, g) in enumerate(zip(want, got)):
        if w == g:
            continue
        fw, fg = _as_float(w), _as_float(g)
        if fw is not None and fg is not None and abs(fw - fg) <= tol * max(1.0, abs(fw)):
            continue
        return False, f"token {i + 1}: expected {w[:40]!r}, got {g[:40]!r}"
    if len(want) != len(got):
        return False, f"expected {len(want)} tokens, got {len(got)}"
    return True, ""


# --------------------------------------------------------------------------- process hygiene


def _prctl_no_dumps() -> bool:
    """Make this process non-dumpable; see the module docstring. False if impossible here.

    The image's python3 is execute-only for the sandbox user, which makes the kernel start every
    process of it non-dumpable; ctypes (10 ms of imports) is only needed elsewhere (bubblewrap).
    """
    if _non_dumpable():
        return True
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_DUMPABLE = 4
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 and _non_dumpable()
    except (ImportError, OSError, AttributeError):
        return False


def _non_dumpable() -> bool:
    """/proc/self belongs to root exactly when this process is non-dumpable (and not root)."""
    try:
        return os.getuid() != 0 and os.stat("/proc/self/fd").st_uid == 0
    except OSError:
        return False


def _live_pids() -> list[int]:
    """Pids of this namespace other than init, ourselves and zombies."""
    me, out = os.getpid(), []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (1, me):
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            out.append(int(name))
    return out


def kill_everything_else(spare: tuple[int, ...] = (), rounds: int = 50) -> int:
    """SIGKILL every process this uid can signal except ourselves, init and `spare`; returns
    how many survived.

    Only called in a private pid namespace (the payload says so): there `kill(-1)` reaches exactly
    the sandbox's processes. Stopping first keeps a fork bomb from outrunning the kills. With
    `spare` (the zygote, between the submissions of a batch) processes are killed one by one,
    round after round: the pids limit bounds how many a bomb can make between two rounds.
    """
    if not spare:
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.kill(-1, sig)
            except (ProcessLookupError, PermissionError):
                pass
    for _ in range(rounds):
        _reap()
        alive = [pid for pid in _live_pids() if pid not in spare]
        if not alive:
            return 0
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.001)
    _reap()
    return len([pid for pid in _live_pids() if pid not in spare])


def _alive(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie (after a SIGCONT in case it was stopped)."""
    try:
        os.kill(pid, signal.SIGCONT)
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def wipe(path: str) -> None:
    """Delete everything under `path` (not `path` itself), without following symlinks."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                wipe(entry.path)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def _remove_sysv_ipc() -> None:
    """Remove SysV shared memory, queues and semaphores owned by us: they outlive processes."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return
    IPC_RMID, uid = 0, os.getuid()
    for table, ctl, uid_col in (("shm", "shmctl", 7), ("msg", "msgctl", 7), ("sem", "semctl", 4)):
        try:
            with open(f"/proc/sysvipc/{table}") as f:
                rows = [line.split() for line in f.readlines()[1:]]
        except OSError:
            continue
        for row in rows:
            if len(row) > uid_col and int(row[uid_col]) == uid:
                if table == "sem":
                    libc.semctl(int(row[1]), 0, IPC_RMID)
                else:
                    getattr(libc, ctl)(int(row[1]), IPC_RMID, None)


def scrub(workdir: str, sandboxed: bool, spare: tuple[int, ...] = ()) -> int:
    """Leave nothing of a previous submission: processes, files, IPC objects. Returns survivors.

    Destructive by design, so only with `--sandboxed` (a private pid namespace and a private,
    disposable work directory): run anywhere else, the runner kills and deletes nothing.
    """
    if not sandboxed:
        return 0
    survivors = kill_everything_else(spare)
    for path in (workdir, "/dev/mqueue", "/dev/shm"):
        wipe(path)
    _remove_sysv_ipc()
    return survivors


# --------------------------------------------------------------------------- messages


def _send(sock, obj: dict, fds: list[int] = ()) -> None:
    """A length-prefixed marshal message, with `fds` passed along (SCM_RIGHTS)."""
    body = marshal.dumps(obj)
    header = struct.pack("!Q", len(body))
    if fds:
        rights = struct.pack(f"{len(fds)}i", *fds)
        sock.sendmsg([header], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
    else:
        sock.sendall(header)
    sock.sendall(body)


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


def _zygote(sock) -> None:
    """Forks one child per request and reports its pid, then its exit status and CPU time."""
    while True:
        req, fds = _recv(sock, maxfds=5)
        if req is None:
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(req, fds)  # never returns
        for fd in fds:
            os.close(fd)
        _send(sock, {"pid": pid})
        _, status, usage = os.wait4(pid, 0)
        _send(
            sock,
            {
                "status": status,
                "cpu": usage.ru_utime + usage.ru_stime,
                "maxrss_kb": usage.ru_maxrss,
            },
        )


def _child(req: dict, fds: list[int]) -> None:
    """Become the test program: limits, fresh standard streams, then the program and asserts."""
    code = 1
    try:
        os.setsid()
        mem = req["memory_mb"] << 20
        cpu = max(1, math.ceil(req["time_s"]))
        for limit, value in (
            (resource.RLIMIT_AS, (mem, mem)),
            (resource.RLIMIT_CPU, (cpu, cpu + 1)),
            (resource.RLIMIT_FSIZE, (req["file_bytes"], req["file_bytes"])),
            (resource.RLIMIT_CORE, (0, 0)),
        ):
            resource.setrlimit(limit, value)
        try:  # the cgroup OOM killer should pick the program, never the runner
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")
        except OSError:
            pass
        for target, fd in enumerate(fds):
            if fd != target:
                os.dup2(fd, target)
        os.closerange(len(fds), 1 << 16)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # python's default: EPIPE, not death
        sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", errors="surrogateescape", closefd=False)
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="surrogateescape", closefd=False)
        sys.stderr = sys.__stderr__ = open(
            2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False
        )
        sys.argv = ["solution.py"]
        code = _run_program(req)
    except BaseException:  # noqa: BLE001 - the wrapper itself must never raise
        code = 1
    os._exit(code)


def _run_program(req: dict) -> int:
    import builtins

    source = req["program"]
    scope = {"__name__": "__main__", "__builtins__": builtins, "__file__": "/work/solution.py"}
    in_asserts, code = False, 0
    try:
        exec(compile(source, "solution.py", "exec"), scope)
        if req.get("asserts") is not None:
            in_asserts = True
            exec(compile(req["asserts"], "tests.py", "exec"), scope)
            in_asserts = False
            _flush()
            os.write(4, os.read(3, 64))  # the completion token: the asserts all ran
    except SystemExit as exc:
        if in_asserts:
            code = EXIT_EARLY
        elif exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException as exc:  # noqa: BLE001 - an uncaught exception is the program's error
        _print_traceback(exc, source, req.get("asserts"))
        if isinstance(exc, MemoryError):
            code = EXIT_MEMORY
        elif isinstance(exc, AssertionError) and in_asserts:
            code = EXIT_ASSERTION
        else:
            code = 1
    if not _flush() and code == 0:
        code = 1
    return code


def _print_traceback(exc: BaseException, source: str, asserts: str | None) -> None:
    """As `python3 solution.py` would print it: with source lines, without the wrapper's frame.
    Imported here, on the error path only: traceback costs milliseconds to import."""
    import linecache
    import traceback

    for name, text in (("solution.py", source), ("tests.py", asserts or "")):
        linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)


def _flush() -> bool:
    ok = True
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            ok = False
    return ok


# --------------------------------------------------------------------------- running one case


class _Tail:
    """Keeps the last `n` bytes written to it and counts them all."""

    def __init__(self, n: int) -> None:
        self.n, self.total, self.buf = n, 0, bytearray()

    def add(self, data: bytes) -> None:
        self.total += len(data)
        self.buf += data
        if len(self.buf) > 4 * self.n:
            del self.buf[: -self.n]

    def text(self) -> str:
        return bytes(self.buf[-self.n :]).decode("utf-8", "replace")


def _killpg(pid: int) -> None:
    for target in (-pid, pid):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_case(zsock, program: str, case: dict, limits: dict) -> dict:
    """Run the program on one test case through the zygote; returns the case's report."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    tok_r, tok_w = os.pipe()
    done_r, done_w = os.pipe()
    token = os.urandom(16).hex().encode()
    os.write(tok_w, token)
    os.close(tok_w)
    is_assert = case.get("assert") is not None
    req = {
        "program": program,
        "asserts": case.get("assert"),
        "time_s": limits["time_s"],
        "memory_mb": limits["memory_mb"],
        "file_bytes": limits["file_bytes"],
    }
    started = time.monotonic()
    # A stdio program gets exactly fds 0, 1, 2; a function-call test also 3 (token) and 4 (done).
    child_fds = [in_r, out_w, err_w] + ([tok_r, done_w] if is_assert else [])
    try:
        _send(zsock, req, child_fds)
        msg = _recv_within(zsock, HARNESS_TIMEOUT)
    except OSError:  # the zygote is gone: killed by a background process of this submission
        msg = None
    for fd in (in_r, out_w, err_w, tok_r, done_w):
        os.close(fd)
    if msg is None:
        for fd in (in_w, out_r, err_r, done_r):
            os.close(fd)
        return {"status": "runtime_error", "time_s": 0.0, "wall_s": round(time.monotonic() - started, 4),
                "exit_code": None, "signal": None, "stdout_tail": "", "stderr_tail": "", "detail": HARNESS_KILLED}  # fmt: skip
    pid = msg["pid"]
    stdin_data = (case.get("input") or "").encode() if not is_assert else b""
    out, err, done = bytearray(), _Tail(STDERR_TAIL), bytearray()
    deadline = started + limits["time_s"] * limits["wall_factor"] + 0.5
    verdict = None
    exit_msg = None
    for fd in (in_w, out_r, err_r, done_r):
        os.set_blocking(fd, False)
    writers = [in_w] if stdin_data else []
    if not stdin_data:
        os.close(in_w)
    readers = [out_r, err_r, done_r, zsock]
    pos = 0
    while exit_msg is None:
        left = deadline - time.monotonic()
        if left <= 0:
            verdict = "time_limit"
            _killpg(pid)
            break
        r, w, _ = select.select(readers, writers, [], left)
        if w:
            try:
                pos += os.write(in_w, stdin_data[pos : pos + 65536])
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:  # the program closed stdin or exited: it does not want the rest
                pos = len(stdin_data)
            if pos >= len(stdin_data):
                os.close(in_w)
                writers = []
        for fd in r:
            if fd is zsock:
                exit_msg, _ = _recv(zsock)
                if exit_msg is None:  # the program killed the zygote: no more cases can run
                    verdict = HARNESS_KILLED
                    _killpg(pid)
                continue
            try:
                data = os.read(fd, 1 << 16)
            except (BlockingIOError, InterruptedError):
                continue
            if not data:
                readers.remove(fd)
                continue
            if fd == out_r:
                out += data
                if len(out) > limits["output_bytes"]:
                    verdict = "output_limit"
                    _killpg(pid)
            elif fd == err_r:
                err.add(data)
            else:
                done += data
        if verdict in ("output_limit", HARNESS_KILLED):
            break
    wall = time.monotonic() - started
    if exit_msg is None and verdict != HARNESS_KILLED:  # killed by us: the zygote's word on it
        exit_msg = _recv_within(zsock, HARNESS_TIMEOUT)
        if exit_msg is None:
            verdict = HARNESS_KILLED
    _killpg(pid)  # background processes of this case do not carry over to the next one
    for fd in (out_r, err_r, done_r):  # what the program wrote before it exited
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except OSError:
                break
            if not data:
                break
            if fd == out_r:
                if len(out) <= limits["output_bytes"]:
                    out += data
            elif fd == err_r:
                err.add(data)
            else:
                done += data
        os.close(fd)
    if writers:
        os.close(in_w)
    if len(out) > limits["output_bytes"]:
        verdict = "output_limit"
    status = exit_msg["status"] if exit_msg else 0
    cpu = exit_msg["cpu"] if exit_msg else wall
    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    stdout = bytes(out[: limits["output_bytes"]]).decode("utf-8", "replace")
    detail = ""
    if verdict is None:
        verdict, detail = _classify(
            exit_code, sig, cpu, limits, err.text(), is_assert, bytes(done) == token, case, stdout
        )
    elif verdict == "time_limit":
        detail = f"killed after {wall:.2f}s wall ({cpu:.2f}s CPU)"
    elif verdict == HARNESS_KILLED:
        verdict, detail = "runtime_error", HARNESS_KILLED
    else:
        detail = f"more than {limits['output_bytes']} bytes of output"
    return {
        "status": verdict,
        "time_s": round(cpu, 4),
        "wall_s": round(wall, 4),
        "exit_code": exit_code,
        "signal": sig,
        "stdout_tail": stdout[-STDOUT_TAIL:],
        "stderr_tail": err.text(),
        "detail": detail,
    }


def _classify(exit_code, sig, cpu, limits, stderr, is_assert, completed, case, stdout):
    if sig in (signal.SIGXCPU,) or cpu > limits["time_s"]:
        return "time_limit", f"{cpu:.2f}s CPU > {limits['time_s']}s"
    if sig == signal.SIGKILL:  # not killed by us (that is handled above): the OOM killer
        return "memory_limit", "killed by the out-of-memory killer"
    if exit_code == EXIT_MEMORY or (exit_code not in (0, None) and "MemoryError" in stderr[-300:]):
        return "memory_limit", f"MemoryError under the {limits['memory_mb']} MB limit"
    if sig is not None:
        return "runtime_error", f"killed by signal {sig} ({_SIGNAL_NAMES.get(sig, 'signal')})"
    if is_assert:
        if exit_code == EXIT_ASSERTION:
            return "wrong_answer", _failed_assert(stderr, case["assert"])
        if exit_code == 0 and completed:
            return "passed", ""
        if exit_code == 0 or exit_code == EXIT_EARLY:
            return "runtime_error", "the program exited before the tests finished"
        return "runtime_error", f"exit code {exit_code}: {_last_line(stderr)}"
    if exit_code != 0:
        return "runtime_error", f"exit code {exit_code}: {_last_line(stderr)}"
    ok, why = compare_outputs(case.get("output") or "", stdout, limits["float_tol"])
    return ("passed", "") if ok else ("wrong_answer", why)


def _failed_assert(stderr: str, asserts: str) -> str:
    """The source line of the failing assert, from the traceback's last `tests.py` frame."""
    import re

    lines = re.findall(r'File "tests.py", line (\d+)', stderr)
    source = asserts.splitlines()
    if lines and 0 < int(lines[-1]) <= len(source):
        return f"failed: {source[int(lines[-1]) - 1].strip()[:200]}"
    return _last_line(stderr) or "an assertion failed"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


# --------------------------------------------------------------------------- main


def sandboxed_mode(argv: list[str], uid: int, workdir: str) -> bool:
    """Whether to scrub (kill -1, wipe): asked for, and belt and braces for a destructive mode,
    never as root and never outside the sandbox's /work."""
    return SANDBOXED_FLAG in argv and uid != 0 and workdir == "/work"


_JSON_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", **{c: f"\\u{c:04x}" for c in range(32)}}


def to_json(value) -> str:
    """JSON for the report's plain data (dict, list, str, int, float, bool, None) without the
    json module's imports. Lone surrogates become \\udcxx escapes, which JSON allows."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return '"' + value.translate(_JSON_ESCAPES) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(to_json(str(k)) + ":" + to_json(v) for k, v in value.items()) + "}"
    raise TypeError(f"cannot report a {type(value).__name__}")


def _write_frame(fd: int, nonce: bytes, report: dict) -> None:
    mark = FRAME + b" " + nonce + b"\n"
    body = to_json(report).encode("utf-8", "backslashreplace")
    view = memoryview(mark + body + b"\n" + mark)
    while view:
        view = view[os.write(fd, view) :]


def _run_submission(zsock, sub: dict) -> tuple[list[dict], bool]:
    """Run one submission's cases; returns (case reports, whether the zygote survived)."""
    cases = []
    for case in sub["tests"]:
        result = run_case(zsock, sub["program"], case, sub["limits"])
        cases.append(result)
        if result["detail"] == HARNESS_KILLED:
            return cases, False
        if result["status"] != "passed" and sub.get("stop_on_first_failure", True):
            break
    return cases, True


def main() -> None:
    """Read a batch of submissions; write one framed report per submission as it finishes, then
    an end frame (index -1). Between two submissions nothing of the first survives but the
    zygote, which holds nothing of either: a submission that kills or stops it is caught (the
    case it was running fails), and the rest of the batch is reported `not_run` so that the host
    grades each of them again in a fresh exec rather than blame them."""
    report_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # nothing but the reports reaches the host
    non_dumpable = _prctl_no_dumps()
    workdir = os.getcwd()
    cleanup_all = sandboxed_mode(sys.argv, os.getuid(), workdir)
    survivors = scrub(workdir, cleanup_all)
    parent_sock, zygote_sock = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    zpid = os.fork()
    if zpid == 0:  # the zygote holds nothing but its socket: no payload, no report channel
        parent_sock.close()
        os.dup2(devnull, 0)
        os.dup2(devnull, 2)
        os.close(report_fd)
        _zygote(zygote_sock)
    zygote_sock.close()
    global ZYGOTE_PID
    ZYGOTE_PID = zpid
    payload = marshal.loads(sys.stdin.buffer.read())  # from the host, which is trusted
    os.dup2(devnull, 0)
    nonce = payload["nonce"].encode()
    harness = True
    for index, sub in enumerate(payload["submissions"]):
        if index:
            left = scrub(workdir, cleanup_all, spare=(zpid,))
            harness = harness and left == 0 and _alive(zpid)
        if not harness:
            _write_frame(report_fd, nonce, {"index": index, "not_run": "an earlier submission broke the harness"})
            continue
        started = time.monotonic()
        cases, harness = _run_submission(parent_sock, sub)
        report = {"index": index, "cases": cases, "wall_s": round(time.monotonic() - started, 4)}
        _write_frame(report_fd, nonce, report)
    parent_sock.close()
    try:
        os.waitpid(zpid, 0)
    except ChildProcessError:
        pass
    leftovers = scrub(workdir, cleanup_all)
    end = {"index": -1, "non_dumpable": non_dumpable, "survivors_before": survivors, "survivors_after": leftovers}
    _write_frame(report_fd, nonce, end)


if __name__ == "__main__":
    main()
