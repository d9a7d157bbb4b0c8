"""Docker backend: a pool of warm, hardened containers, each with one warm runner that takes
batch after batch of submissions (`persistent`; or one `docker exec` per batch).

Each container of the pool (image `ringdata-sandbox`, built locally by `ringdata sandbox build`,
with g++ and a headless JDK unless built with fewer `--languages`; its label lists them)
is created once and idles as a tiny zombie-reaping PID 1. `run_many` sends up to `batch`
submissions to one `docker exec` of the runner (sandboxes/runner.py, sent in compiled, as argv:
base.py `runner_command`),
which runs them one after another and reports each on its own stdout as it finishes. A batch
costs one exec (~80 ms of engine work) instead of one container per test (~0.3 s each), and the
runner's forked zygote makes each test case cost ~2 ms. Identical programs of a `run_many` call go
to the same exec where they fit: a C++ or Java program compiles once there.

`persistent` (the default) keeps that exec: the runner (`--persistent`) stays with its zygote
and reads the next batch, length-prefixed, from the same stdin, so a batch costs neither the
exec (~80 ms of engine CPU) nor an interpreter start: a one-test batch takes ~4 ms where it took
~180 ms on a busy host, which is what a one-test-per-request client (`ringdata serve`'s
/run_code) pays per request; and the runner's last compiled programs (runner.py `BUILT_KEPT`)
serve a later batch's identical source. Every batch still starts from the runner's scrub and
checks; a batch whose checks failed, or whose runner did not end it cleanly, ends the runner and
discards the container as before.

Guaranteed, on top of sandboxes/base.py's list
- `network_mode=none`: no interface but loopback.
- Read-only root file system; the only writable places are the `/work` tmpfs (size-limited,
  noexec, owned by the sandbox uid) and `/dev/mqueue`; `ipc_mode=none` gives a private IPC
  namespace without /dev/shm; `log_config=none`, so nothing a program does reaches the host disk.
- `cap_drop=ALL`, `no-new-privileges`, uid/gid 10001 for PID 1 and every exec; the interpreter
  is execute-only for that uid, so every sandbox process starts non-dumpable.
- cgroup limits per container: memory (no swap), pids, a CPU quota, and a CPU weight
  (`cpu_shares`) counted against host processes: with the cgroupfs driver the containers sit at
  the cgroup root (`cgroup_parent="/"`), not inside docker's one group that weighs as much as a
  single busy host process, so a trainer's threads beside the grader cannot starve them.
- The runner reads the container's own cgroup (mounted read-only in it: cpuacct on cgroup v1,
  cpu.stat on v2) before and after each case, one case running at a time per container: each
  case's CPU is the kernel's count (sandboxes/base.py).
- Between test cases and submissions, also inside a batch, the runner SIGKILLs every other
  process the container's cgroup lists (the zygote is spared inside a batch and holds nothing),
  deletes everything in /work and /dev/mqueue whatever its permissions, restores
  /work's mode, times and attributes (the tmpfs also caps its inode count), and removes SysV IPC
  objects by creator. After each submission it checks that nothing is left and that its own,
  the zygote's and the container init's limits, priority and affinity are unchanged (programs
  cannot change them: base.py, "The harness out of reach"). A submission that kills or stops the
  runner or its zygote fails on its own; when a check fails, that submission and the ones after
  it in the batch are graded again alone in fresh containers, so a neighbour's attack never
  decides another submission's verdict. A container whose runner did not finish cleanly, or
  whose checks failed, is thrown away and replaced (`recycle_every` also replaces containers
  periodically).

Not guaranteed
- Containers share the host kernel (see base.py); the Docker daemon runs as root.
"""

from __future__ import annotations

import queue
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ringdata.core.errors import RingdataError
from sandboxes.image import IMAGE, client, image_languages, image_recipe, short_error
from sandboxes.languages import tool_paths
from sandboxes.runner import FRAME, PERSISTENT_FLAG, SANDBOXED_FLAG
from sandboxes.base import (
    CGROUP_VIEWS,
    ExecResult,
    submission_wall_bound,
    Sandbox,
    Submission,
    parse_reports,
    payload,
    result_from_report,
    runner_command,
)

LABEL = "ringdata.sandbox"  # every container we create carries it, so strays can be found
UID = "10001:10001"  # the image's `sandbox` user; nothing else on the host uses this uid
WORK_MODE = 0o700  # the /work tmpfs's mode; the runner restores it after every submission

# PID 1 of every container: reaps orphans (else zombies would fill the pids limit) and ignores
# every signal it has no handler for, as PID 1 of a pid namespace does.
REAPER = """\
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: programs cannot open our /proc/1/fd
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):  # nothing reaches the container log (a host-disk channel) through us
    os.dup2(null, fd)
signal.signal(signal.SIGCHLD, lambda *_: None)
signal.signal(signal.SIGINT, signal.SIG_DFL)  # a pid 1 drops what it does not handle: no KeyboardInterrupt from a program
while True:
    try:
        os.wait()
    except ChildProcessError:
        signal.pause()
"""

@dataclass(frozen=True)
class DockerConfig:
    image: str = IMAGE
    pool_size: int = 4  # warm containers = submissions in flight; ~2 per core hides exec latency
    memory_mb: int = 1024  # cgroup memory per container (no swap), MiB: program + runner + tmpfs
    pids: int = 64  # process limit per container: bounds fork bombs (the runner needs 3)
    cpus: float = 1.0  # CPU quota per container, in cores
    cpu_shares: int = 4096  # CPU weight per container (1024 = one busy host process): a trainer's threads cannot starve it
    cgroup_parent: str | None = None  # None: "/" with the cgroupfs driver (weighed against host processes, not
    #                                   inside docker's one shared group), the engine's default otherwise
    work_mb: int = 64  # size of the /work tmpfs, MiB
    work_inodes: int = 4096  # files and directories /work can hold: bounds what a scrub must delete
    batch: int = 8  # submissions per docker exec in run_many: amortises the exec's ~80 ms
    spread: bool = True  # run_many spreads a small call over the pool (fewer per exec, none idle); False
    #                      fills every exec to `batch`: for callers that run many run_many at once (serve)
    recycle_every: int = 0  # replace a container after this many execs; 0 = only when unhealthy
    exec_grace_s: float = 10.0  # host-side slack on top of the runner's own deadlines
    max_report_bytes: int = 8 << 20  # the host reads no more than this from one exec
    persistent: bool = True  # keep one runner per container across batches (runner.py `--persistent`):
    #                          no `docker exec` and no interpreter start per batch (~0.1-0.2 s each
    #                          on a busy host); every batch still starts from the runner's scrub and checks


class _Slot:
    """One warm container and how many submissions it has served."""

    def __init__(self, container) -> None:
        self.container, self.uses = container, 0
        self.runner: tuple[str, Any, socket.socket] | None = None  # a persistent runner: (exec id, its socket)

    def close_runner(self) -> None:
        if self.runner is not None:
            try:
                self.runner[1].close()
            except OSError:
                pass
            self.runner = None


class DockerSandbox(Sandbox):
    """A pool of warm hardened containers. Thread-safe; `run_many` uses the whole pool."""

    name = "docker"

    def __init__(self, config: DockerConfig | None = None) -> None:
        self.config = config or DockerConfig()
        self.parallelism = self.config.pool_size
        self._client = client()
        recipe = image_recipe(self._client, self.config.image)
        if recipe is None:
            raise RingdataError(
                f"the sandbox image {self.config.image!r} does not exist: run `ringdata sandbox build`"
            )
        self._runner = runner_command("python3")
        self.languages = image_languages(self._client, self.config.image)
        self._tools = tool_paths(lambda name: f"/usr/bin/{name}")  # the image's Debian layout
        self._cgroup_parent = self.config.cgroup_parent
        if self._cgroup_parent is None:
            try:
                driver = self._client.info().get("CgroupDriver")
            except Exception:  # noqa: BLE001 - the engine's default is a safe fallback
                driver = None
            self._cgroup_parent = "/" if driver == "cgroupfs" else ""
        self._owner = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self._idle: queue.Queue[_Slot] = queue.Queue()
        self._all: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.recycled = 0  # containers replaced so far (unhealthy or periodic)
        threads = [threading.Thread(target=self._add_slot) for _ in range(self.config.pool_size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self._idle.qsize() < self.config.pool_size:
            self.close()
            raise RingdataError(f"could not start the sandbox containers: {self._start_error}")

    # ----------------------------------------------------------------- containers

    _start_error = ""

    @property
    def owner(self) -> str:
        """The `ringdata.sandbox` label value every container of this pool carries."""
        return self._owner

    def _create(self):
        cfg = self.config
        mem = f"{cfg.memory_mb}m"
        return self._client.containers.run(
            cfg.image,
            ["python3", "-I", "-S", "-c", REAPER],
            detach=True,
            name=f"ringdata-sandbox-{uuid.uuid4().hex[:12]}",
            labels={LABEL: self._owner},
            user=UID,
            working_dir="/work",
            network_mode="none",
            read_only=True,
            tmpfs={"/work": f"rw,size={cfg.work_mb}m,nr_inodes={cfg.work_inodes},uid=10001,gid=10001,mode=0700,noexec,nosuid,nodev"},
            ipc_mode="none",
            mem_limit=mem,
            memswap_limit=mem,
            pids_limit=cfg.pids,
            nano_cpus=int(cfg.cpus * 1e9),
            cpu_shares=cfg.cpu_shares or None,
            **({"cgroup_parent": self._cgroup_parent} if self._cgroup_parent else {}),
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            ulimits=[{"Name": "core", "Soft": 0, "Hard": 0}, {"Name": "nofile", "Soft": 256, "Hard": 256}],
            environment={"PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8", "TMPDIR": "/work"},
            stop_signal="SIGKILL",
            log_config={"type": "none"},  # container output never lands on the host's disk
            auto_remove=False,
        )

    def _add_slot(self) -> None:
        try:
            ct = self._create()
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            self._start_error = short_error(exc)
            return
        with self._lock:
            self._all.add(ct.id)
        self._idle.put(_Slot(ct))

    def _discard(self, slot: _Slot) -> None:
        """Throw a container away (in the background) and put a fresh one in the pool."""
        slot.close_runner()
        self.recycled += 1
        with self._lock:
            self._all.discard(slot.container.id)
        threading.Thread(target=_remove, args=(slot.container,), daemon=True).start()
        if not self._closed:
            self._add_slot()

    # ----------------------------------------------------------------- running

    def run(self, submission: Submission) -> ExecResult:
        return self.unavailable(submission) or self._run_batch([submission])[0]

    def run_many(
        self, submissions: Sequence[Submission], on_done: Callable[[int], None] | None = None
    ) -> list[ExecResult]:
        """Run submissions across the pool, several per `docker exec` (up to `batch`, fewer when
        that would leave containers idle), results in input order. Identical programs go to the
        same exec where they fit, so a compiled language compiles each of them once."""
        results: list[ExecResult | None] = [self.unavailable(s) for s in submissions]
        todo = [i for i, r in enumerate(results) if r is None]
        first: dict[tuple[str, str], int] = {}
        todo.sort(key=lambda i: first.setdefault((submissions[i].language, submissions[i].program), i))
        n = len(todo)
        size = max(1, min(self.config.batch, -(-n // self.config.pool_size)) if self.config.spread else self.config.batch)
        batches = [todo[i : i + size] for i in range(0, n, size)]
        if on_done and n < len(submissions):
            on_done(len(submissions) - n)
        return self.run_batches(self._run_batch, submissions, batches, results, on_done)

    def _run_batch(self, batch: list[Submission], retry: bool = True) -> list[ExecResult]:
        """One exec for the batch; a submission it could not grade (the runner died, an earlier
        submission broke the harness, the runner's checks failed after it) is graded again alone
        in a fresh container, where a failure is its own. A submission that could not even be
        started alone is tried once more in another fresh container."""
        if self._closed:
            raise RingdataError("this DockerSandbox is closed")
        try:
            slot = self._idle.get(timeout=600)
        except queue.Empty:
            return [ExecResult.failed(len(s.tests), "no sandbox container became free in 600 s") for s in batch]
        healthy = False
        try:
            results, healthy = self._exec(slot, batch)
        finally:
            slot.uses += 1
            if healthy and not (self.config.recycle_every and slot.uses >= self.config.recycle_every):
                self._idle.put(slot)
            else:
                self._discard(slot)
        if len(batch) > 1:
            results = [r if r is not None else self._run_batch([s])[0] for r, s in zip(results, batch)]
        elif results[0] is None:
            results = self._run_batch(batch, retry=False) if retry else [
                ExecResult.failed(len(batch[0].tests), "the sandbox could not start this submission twice")]
        return results  # type: ignore[return-value]

    def _deadline(self, submission: Submission) -> float:
        return submission_wall_bound(submission) + self.config.exec_grace_s

    def _exec(self, slot: _Slot, batch: list[Submission]) -> tuple[list[ExecResult | None], bool]:
        """One docker exec of the runner on `batch`. Returns (results, None where not graded;
        whether the container may be reused)."""
        started = time.perf_counter()
        api = self._client.api
        nonce = uuid.uuid4().hex
        body = payload(batch, nonce, WORK_MODE, self._tools, CGROUP_VIEWS)  # the container's own cgroup

        def failed(error: str) -> list[ExecResult | None]:
            return [ExecResult.failed(len(s.tests), error, time.perf_counter() - started) for s in batch]

        persistent = self.config.persistent
        reused = slot.runner is not None  # a warm runner, which may have died while idle (its container killed)
        try:
            if slot.runner is None:
                argv = [*self._runner, SANDBOXED_FLAG, *([PERSISTENT_FLAG] if persistent else [])]
                ex = api.exec_create(slot.container.id, argv, stdin=True, user=UID, workdir="/work")
                sock = api.exec_start(ex["Id"], socket=True)
                slot.runner = (ex["Id"], sock, getattr(sock, "_sock", sock))
            ex_id, sock, raw = slot.runner
        except Exception:  # noqa: BLE001 - the container is gone (killed, removed) or the engine broke:
            slot.close_runner()
            return [None] * len(batch), False  # nothing ran, so the batch is graded again in fresh containers
        ex = {"Id": ex_id}
        end = FRAME + b" " + nonce.encode() + b'\n{"index":-1,' if persistent else None
        try:
            # The runner reports after every submission: silence longer than one submission's
            # deadline means the program stopped or starved the runner.
            raw.settimeout(max(self._deadline(s) for s in batch))
            if persistent:
                raw.sendall(struct.pack(">Q", len(body)) + body)
            else:
                raw.sendall(body)
                raw.shutdown(socket.SHUT_WR)
            stdout, stderr, timed_out = _read_multiplexed(raw, self.config.max_report_bytes, end)
        except OSError as exc:
            stdout, stderr, timed_out = b"", str(exc).encode(), False
        finally:
            if not persistent:
                slot.close_runner()
        wall = time.perf_counter() - started
        reports = parse_reports(stdout, nonce)
        alone = len(batch) == 1  # alone in a container, a suspect result is the submission's own doing
        results = [
            result_from_report(reports[i], s, wall, alone) if i in reports else None for i, s in enumerate(batch)
        ]
        last = reports.get(-1)
        if last is not None:
            healthy = last.get("survivors_after", 0) == 0 and last.get("non_dumpable", False) and not last.get("problems")
            if not (healthy and last.get("persistent")):
                slot.close_runner()  # a one-shot runner has ended; a persistent one that failed its checks too
            return results, healthy
        slot.close_runner()
        if reused and not reports and not timed_out:  # it was gone before this batch began: nothing ran
            return [None] * len(batch), False
        # The runner died or hung before its end frame: the first unreported submission did it.
        culprit = next((i for i, r in enumerate(results) if r is None and i not in reports), None)
        if culprit is None or len(batch) > 1:
            return results, False  # the unreported ones are graded again alone
        n = len(batch[0].tests)
        if timed_out:
            return [ExecResult.fault(n, wall, "time_limit", "the runner was stopped or starved by the program")], False
        try:
            code = api.exec_inspect(ex["Id"]).get("ExitCode")
            slot.container.reload()
            alive = slot.container.status == "running"
        except Exception as exc:  # noqa: BLE001
            return failed(f"docker failed: {short_error(exc)}"), False
        if alive and code is not None and code >= 128 and not stderr.strip():
            # Killed by a signal with nothing on stderr: the program killed its runner.
            return [ExecResult.fault(n, wall, "runtime_error", f"the program killed the runner (exit {code})")], False
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        return failed(f"the runner failed (exit {code}): {' | '.join(tail)}"), False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            ids, self._all = list(self._all), set()
        for cid in ids:
            try:
                self._client.containers.get(cid).remove(force=True)
            except Exception:  # noqa: BLE001 - already gone
                pass

    def __del__(self) -> None:  # a forgotten close() must not leak containers
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass



def _read_multiplexed(raw: socket.socket, cap: int, end: bytes | None = None) -> tuple[bytes, bytes, bool]:
    """Read Docker's multiplexed exec stream (8-byte frame headers) until EOF, the socket's
    timeout, `cap` bytes, or (a persistent runner) until stdout holds the whole frame that
    begins with `end`: the batch's end frame. Returns (stdout, stderr, timed_out)."""
    pending, out, err = bytearray(), bytearray(), bytearray()
    timed_out, total, seen, at = False, 0, 0, -1
    mark = end.split(b"\n", 1)[0] + b"\n" if end else b""
    try:
        while total < cap:
            data = raw.recv(1 << 16)
            if not data:
                break
            total += len(data)
            pending += data
            while len(pending) >= 8:
                size = struct.unpack(">I", pending[4:8])[0]
                if len(pending) < 8 + size:
                    break
                (out if pending[0] == 1 else err).extend(pending[8 : 8 + size])
                del pending[: 8 + size]
            if end:
                if at < 0:
                    at = out.find(end, max(0, seen - len(end)))
                    seen = len(out)
                if at >= 0 and out.find(mark, at + len(end)) >= 0:
                    break
    except socket.timeout:
        timed_out = True
    return bytes(out), bytes(err), timed_out


def _remove(container) -> None:
    try:
        container.remove(force=True)
    except Exception:  # noqa: BLE001 - already gone
        pass
