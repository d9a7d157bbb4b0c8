"""The runner: executes one submission's test cases inside the sandbox (stdlib only).

Every backend starts it as `python3 -I -S -c <this file>` inside the isolated environment (a warm
container, a bubblewrap namespace), writes one JSON payload to its stdin and reads one framed JSON
report from its stdout. The host imports this module too, for `compare_outputs`.

Why the report cannot be forged by the submission
- The runner makes itself non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`) before any secret arrives: a
  process of the same uid without CAP_SYS_PTRACE (all capabilities are dropped) can then neither
  open `/proc/<runner>/fd/*` (its stdout, the report channel) nor read `/proc/<runner>/mem`.
- Programs run in children of a *zygote* that the runner forks before it reads the payload, so no
  child ever holds expected outputs or the report nonce, even in memory. Each child gets its own
  stdin/stdout/stderr pipes and no other descriptor of the runner.
- The report is framed with a per-submission nonce from the payload; the host ignores anything else.

Why a zygote: forking a warm interpreter costs ~1 ms where starting `python3` costs ~15 ms, and
the tests of one submission run sequentially, so start-up would dominate trivial programs.

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

import json
import math
import os
import resource
import select
import signal
import socket
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
    """Make this process non-dumpable; see the module docstring. False if impossible here."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_DUMPABLE = 4
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (ImportError, OSError, AttributeError):
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


def kill_everything_else(rounds: int = 50) -> int:
    """SIGKILL every process this uid can signal except ourselves and init; returns survivors.

    Only called in a private pid namespace (the payload says so): there `kill(-1)` reaches exactly
    the sandbox's processes. Stopping first keeps a fork bomb from outrunning the kills.
    """
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(-1, sig)
        except (ProcessLookupError, PermissionError):
            pass
    for _ in range(rounds):
        _reap()
        alive = _live_pids()
        if not alive:
            return 0
        try:
            os.kill(-1, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        time.sleep(0.002)
    _reap()
    return len(_live_pids())


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


def scrub(workdir: str, cleanup_all: bool) -> int:
    """Leave nothing of a previous submission: processes, files, IPC objects. Returns survivors."""
    survivors = kill_everything_else() if cleanup_all else 0
    wipe(workdir)
    if cleanup_all:
        wipe("/dev/mqueue")
        wipe("/dev/shm")
        _remove_sysv_ipc()
    return survivors


# --------------------------------------------------------------------------- messages


def _send(sock: socket.socket, obj: dict, fds: list[int] = ()) -> None:
    body = json.dumps(obj).encode()
    header = struct.pack("!Q", len(body))
    if fds:
        socket.send_fds(sock, [header], list(fds))
    else:
        sock.sendall(header)
    sock.sendall(body)


def _recv(sock: socket.socket, maxfds: int = 0) -> tuple[dict | None, list[int]]:
    fds: list[int] = []
    if maxfds:
        header, fds, _flags, _addr = socket.recv_fds(sock, 8, maxfds)
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
    return json.loads(body), fds


# --------------------------------------------------------------------------- the zygote


def _zygote(sock: socket.socket) -> None:
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
    import linecache
    import traceback

    source = req["program"]
    linecache.cache["solution.py"] = (len(source), None, source.splitlines(True), "solution.py")
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
        # Drop the wrapper's own frame so the traceback reads as `python3 solution.py`'s would.
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
        if isinstance(exc, MemoryError):
            code = EXIT_MEMORY
        elif isinstance(exc, AssertionError) and in_asserts:
            code = EXIT_ASSERTION
        else:
            code = 1
    if not _flush() and code == 0:
        code = 1
    return code


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


def run_case(zsock: socket.socket, program: str, case: dict, limits: dict) -> dict:
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
    _send(zsock, req, child_fds)
    for fd in (in_r, out_w, err_w, tok_r, done_w):
        os.close(fd)
    msg, _ = _recv(zsock)
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
                    verdict = "harness_killed"
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
        if verdict in ("output_limit", "harness_killed"):
            break
    wall = time.monotonic() - started
    if exit_msg is None and verdict != "harness_killed":  # killed by us: the zygote's word on it
        exit_msg, _ = _recv(zsock)
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
    elif verdict == "harness_killed":
        verdict, detail = "runtime_error", "the program killed the test harness"
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
        return "runtime_error", f"killed by signal {sig} ({signal.Signals(sig).name})"
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


def main() -> None:
    """Read the payload, run its cases, write the framed report."""
    report_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # nothing but the report reaches the host
    non_dumpable = _prctl_no_dumps()
    workdir = os.getcwd()
    cleanup_all = "--isolated-pid-namespace" in sys.argv
    survivors = scrub(workdir, cleanup_all)
    parent_sock, zygote_sock = socket.socketpair()
    zpid = os.fork()
    if zpid == 0:  # the zygote holds nothing but its socket: no payload, no report channel
        parent_sock.close()
        os.dup2(devnull, 0)
        os.dup2(devnull, 2)
        for fd in (report_fd,):
            os.close(fd)
        _zygote(zygote_sock)
    zygote_sock.close()
    payload = json.loads(sys.stdin.buffer.read())
    os.dup2(devnull, 0)
    started = time.monotonic()
    cases = []
    for case in payload["tests"]:
        result = run_case(parent_sock, payload["program"], case, payload["limits"])
        cases.append(result)
        harness_gone = result["detail"] == "the program killed the test harness"
        if harness_gone or (result["status"] != "passed" and payload.get("stop_on_first_failure", True)):
            break
    parent_sock.close()
    try:
        os.waitpid(zpid, 0)
    except ChildProcessError:
        pass
    leftovers = scrub(workdir, cleanup_all)
    report = {
        "cases": cases,
        "wall_s": round(time.monotonic() - started, 4),
        "non_dumpable": non_dumpable,
        "survivors_before": survivors,
        "survivors_after": leftovers,
    }
    nonce = payload["nonce"].encode()
    frame = FRAME + b" " + nonce + b"\n" + json.dumps(report).encode() + b"\n" + FRAME + b" " + nonce + b"\n"
    view = memoryview(frame)
    while view:
        view = view[os.write(report_fd, view) :]


if __name__ == "__main__":
    main()
