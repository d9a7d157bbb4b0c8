"""A pool of verifier processes whose every call is bounded by a timeout that works from any
thread.

Why processes and not SIGALRM: math-verify bounds its parse/verify with `signal.alarm`, which only
works in the main thread of the main interpreter and cannot stop C code (a huge sympy integer
power) anyway. Here each call is sent to a worker process over a pipe; the caller waits on the pipe
with `poll(timeout)`, and a worker that does not answer in time is SIGKILLed and replaced. The
caller never runs verifier code itself, so no response can hang or crash it.

Guarantees
- `call` returns within `timeout` (plus the start-up of a replacement worker, which is waited for
  *before* the clock starts) or raises `VerifierTimeout`; a worker that dies (out of memory, a
  segfault in a C extension) raises `WorkerDied`; in both cases the worker is replaced and the pool
  keeps its size.
- Any thread may call; calls run in parallel up to the number of workers and queue beyond it.
- Workers ignore SIGINT (the parent shuts them down), exit when the parent's end of the pipe
  closes, and are daemonic; `close()` joins or kills every one of them: no leaked processes.
- Each worker caps its address space (`memory_mb`) so a runaway expression fails with MemoryError
  instead of swapping the machine.

Not guaranteed: isolation. Workers run trusted verifier code on untrusted *strings*; they are not a
sandbox for untrusted programs (that is `sandboxes/`).
"""

from __future__ import annotations

import importlib
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable

__all__ = ["Outcome", "PoolConfig", "VerifierPool", "VerifierTimeout", "WorkerDied"]


@dataclass(frozen=True)
class Outcome:
    """One item's result from `VerifierPool.map`."""

    status: str  # "ok" | "error" (the function raised) | "timeout" | "died"
    value: Any  # the return value, or a one-line message
    seconds: float  # time the item took in its worker (the bound, for a timeout)


class VerifierTimeout(Exception):
    """The call did not finish within its bound; its worker was killed and replaced."""


class WorkerDied(Exception):
    """The worker process exited during the call (out of memory, crash); it was replaced."""


@dataclass(frozen=True)
class PoolConfig:
    workers: int = 2  # worker processes (parallel calls); the CLI defaults to all cores
    timeout_s: float = 5.0  # wall-clock bound per call, seconds (math-verify's own default is 5 s)
    startup_timeout_s: float = 120.0  # a new worker must import its modules within this, seconds
    memory_mb: int | None = 4096  # address-space cap per worker, MiB (sympy + math-verify use ~0.5 GiB)
    preload: tuple[str, ...] = ("rewards.grade", "math_verify", "pint", "rewards.warm")  # imported before a worker says ready


def _worker_main(conn: Connection, preload: tuple[str, ...], memory_mb: int | None) -> None:
    """Import the verifiers once, then answer (fn, args) requests until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.disable(logging.WARNING)  # math-verify warns on every call that its own timeout is off
    if memory_mb:
        import resource

        limit = memory_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):  # a lower hard limit is already in place: keep it
            pass
    for name in preload:
        importlib.import_module(name)
    try:
        conn.send(("ready", os.getpid()))
    except (OSError, ValueError):  # the parent went while this worker imported (a Ctrl-C at start-up)
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        fn, batch = msg  # one request carries a batch; one answer goes back per item, as it finishes
        for args in batch:
            start = time.perf_counter()
            try:
                result = ("ok", fn(*args), time.perf_counter() - start)
            except BaseException as exc:  # noqa: BLE001 - reported to the caller, the worker lives on
                result = ("error", f"{type(exc).__name__}: {exc}"[:300], time.perf_counter() - start)
            try:
                conn.send(result)
            except (OSError, ValueError):
                return


class _Worker:
    """One worker: a `python -c` child speaking over a socket pair. A plain subprocess rather than
    multiprocessing's spawn, which re-imports the caller's `__main__` (a script without an
    `if __name__ == "__main__"` guard would start itself again)."""

    def __init__(self, cfg: PoolConfig) -> None:
        parent, child = socket.socketpair()
        # the package's own root goes first on the worker's path: the caller may have found
        # `rewards` through a sys.path entry (pytest's rootdir, a notebook) that a child lacks
        boot = f"import sys; sys.path.insert(0, {_ROOT!r}); from rewards.pool import _cli; _cli()"
        cmd = [sys.executable, "-c", boot, str(child.fileno()), str(cfg.memory_mb or 0), ",".join(cfg.preload)]
        self.process = subprocess.Popen(cmd, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
        child.close()
        self.conn = Connection(parent.detach())
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            raise WorkerDied(f"verifier worker did not start within {timeout:.0f} s")
        kind, _ = self.conn.recv()  # EOFError when it died while importing
        self.ready = kind == "ready"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


class VerifierPool:
    """`call(fn, *args)` runs a module-level function in a worker process under a timeout.

        with VerifierPool(PoolConfig(workers=4)) as pool:
            result = pool.call(rewards.math.check, gold, response, config)
    """

    def __init__(self, config: PoolConfig | None = None) -> None:
        self.config = config or PoolConfig()
        if self.config.workers < 1:
            raise ValueError("a verifier pool needs at least one worker")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.replaced = 0  # workers killed and replaced (timeouts and deaths), for reports
        for _ in range(self.config.workers):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self.config)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self.replaced += 1
        return self._start()

    def wait_ready(self) -> None:
        """Block until every idle worker has imported its modules (so that a measurement or a
        progress bar does not start with the start-up of the workers)."""
        workers = []
        try:
            while True:
                workers.append(self._idle.get_nowait())
        except queue.Empty:
            pass
        try:
            for worker in workers:
                worker.wait_ready(self.config.startup_timeout_s)
        finally:
            for worker in workers:
                self._idle.put(worker)

    def pids(self) -> list[int]:
        """The process ids of the live workers (tests check that none outlive `close`)."""
        with self._lock:
            return [w.process.pid for w in self._all]

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        """fn(*args) in a worker; raises VerifierTimeout, WorkerDied, or RuntimeError carrying the
        worker's exception text."""
        outcome = self.map(fn, [args], timeout=timeout)[0]
        if outcome.status == "ok":
            return outcome.value
        raise {"timeout": VerifierTimeout, "died": WorkerDied}.get(outcome.status, RuntimeError)(outcome.value)

    def map(self, fn: Callable[..., Any], arg_list: list[tuple], timeout: float | None = None,
            on_done: Callable[[int], None] | None = None, chunk: int = 8) -> list["Outcome"]:
        """fn(*args) for every args, in parallel over the workers, results in order. Items go out
        in chunks of `chunk` (one message each way per item would make a loaded machine's
        scheduler, not the verifier, the bottleneck); each item still gets its own bound."""
        if self._closed:
            raise RuntimeError("the verifier pool is closed")
        bound = self.config.timeout_s if timeout is None else timeout
        results: list[Outcome | None] = [None] * len(arg_list)
        todo: queue.Queue[list[int]] = queue.Queue()
        for i in range(0, len(arg_list), chunk):
            todo.put(list(range(i, min(i + chunk, len(arg_list)))))

        def drain() -> None:
            while True:
                try:
                    indices = todo.get_nowait()
                except queue.Empty:
                    return
                self._run_chunk(fn, arg_list, indices, results, bound, on_done)

        threads = [threading.Thread(target=drain, daemon=True) for _ in range(min(self.config.workers, todo.qsize()))]
        if len(threads) == 1:
            drain()
        else:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        return results  # type: ignore[return-value]

    def _run_chunk(self, fn, arg_list, indices, results, bound, on_done) -> None:
        """Send a chunk to one worker and collect its answers; a hung or dead item is recorded,
        its worker replaced, and the rest of the chunk sent to the replacement."""
        worker = self._idle.get()
        try:
            while indices:
                try:
                    worker.wait_ready(self.config.startup_timeout_s)
                    worker.conn.send((fn, [arg_list[i] for i in indices]))
                    while indices:
                        if not worker.conn.poll(bound):
                            results[indices[0]] = Outcome("timeout", f"verifier did not finish within {bound:g} s", bound)
                            worker = self._replace(worker)
                            break
                        status, value, seconds = worker.conn.recv()
                        results[indices[0]] = Outcome(status, value, seconds)
                        indices = indices[1:]
                        if on_done:
                            on_done(1)
                    else:
                        return
                except (EOFError, OSError, BrokenPipeError):
                    code = worker.process.poll()
                    results[indices[0]] = Outcome("died", f"verifier worker died (exit code {code})", 0.0)
                    worker = self._replace(worker)
                if on_done:
                    on_done(1)
                indices = indices[1:]
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker (politely, then SIGKILL) and wait for them to exit."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()

    def __enter__(self) -> "VerifierPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:  # last resort; `close()` is the contract
        try:
            if not self._closed:
                self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


_SHARED: dict[Any, Any] = {}
_SHARED_LOCK = threading.Lock()


def shared(key: Any, make: Callable[[], Any]) -> Any:
    """The process-wide object for `key` (a `VerifierPool`, a `rewards.Grader`), made by `make()`
    on first use or when the last one was closed, and closed at interpreter exit. The one registry
    behind the one-off entry points (`rewards.grade`, `rewards.math.gold_is_parsable`)."""
    import atexit

    with _SHARED_LOCK:
        obj = _SHARED.get(key)
        if obj is None or getattr(obj, "_closed", False):
            obj = _SHARED[key] = make()
            atexit.register(obj.close)
        return obj


def wait_gone(pids: list[int], timeout: float = 5.0) -> list[int]:
    """The pids among `pids` still alive after `timeout` seconds (for leak checks)."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        if alive:
            time.sleep(0.05)
    return alive


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


_ROOT = str(Path(__file__).resolve().parents[1])


def _cli() -> None:
    """A worker's entry: argv is FD MEMORY_MB PRELOAD,..."""
    _worker_main(Connection(int(sys.argv[1])), tuple(m for m in sys.argv[3].split(",") if m), int(sys.argv[2]) or None)
