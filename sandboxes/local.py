"""Local backend for machines without Docker: bubblewrap namespaces plus rlimits, one per submission.

Each submission runs the same runner (sandboxes/runner.py) as the Docker backend, inside a fresh
`bwrap --unshare-all` (user, pid, net, ipc, uts, cgroup namespaces) that sees only the host's /usr
read-only, its own /proc and /dev, and a size-limited tmpfs at /work, the only writable place
(the root and /dev are remounted read-only). Run as root, the sandbox
gets its own host uid (leased from 20001 up, one per worker slot and no other sandbox on the host
holding it, via setpriv; not the Docker image's 10001) so a sandboxed process cannot signal or
read anything of the grader's; run as another user, it runs under that user's uid inside the
user namespace.

The runner is the namespace's pid 1 (`--as-pid-1`): no bwrap process inside for a program to
read or trace, and the runner, non-dumpable, is neither readable nor traceable; bwrap is started
with an empty environment and no descriptor of the grader but its three pipes.

Guaranteed (the same attack tests as Docker pass where the kernel allows them)
- No network: a new network namespace has only a downed loopback.
- No host files beyond /usr (read-only): no /etc, /home, /root, /tmp, no repository.
- No capabilities (`--cap-drop ALL`), and a new session (no terminal injection).
- CPU time of each test case, all its processes together: run as root on a host with a cgroup v2
  hierarchy (the unified one of a hybrid host), from the sandbox's own cgroup, which the runner
  sees read-only at /sys/fs/cgroup and which is emptied with `cgroup.kill` when the sandbox ends;
  otherwise from the runner's subreaper and polling (base.py says what that misses). Address
  space and file size per process (rlimits); processes per sandbox uid (RLIMIT_NPROC); disk (the
  tmpfs size). Run as root, the sandbox runs at nice `LocalConfig.nice` so that busy
  host processes cannot starve it.
- Nothing survives: the pid namespace dies with the submission, and the tmpfs with it.

Not guaranteed (use Docker when these matter)
- Total memory of a submission is not capped by a cgroup: each process is capped by RLIMIT_AS,
  so a fork bomb of allocating processes can use up to `nproc` x `memory_mb`.
- No CPU quota: a submission may use every core until the CPU-time limit of its case (which
  counts every core it used), slowing concurrent submissions' wall time, not their CPU time.
- Without root, the sandbox runs under the caller's uid (mapped in a user namespace) and
  RLIMIT_NPROC counts all of the caller's processes.
- The host's /usr is visible (read-only): installed software and its versions are not secret.

Languages: what the host has under /usr. C++ needs g++ (`apt-get install g++`), Java a JDK
(`apt-get install openjdk-17-jdk-headless`); tools are run by their real paths, since the
/usr/bin links go through /etc/alternatives, which the sandbox does not see. A Java submission's
sandbox also sees the JDK's configuration directory (/etc/java-17-openjdk, read-only: java.security,
jvm.cfg), without which no JVM starts. The precompiled <bits/stdc++.h> (sandboxes/languages.py) is
the host's own, built into /usr/local by `ringdata sandbox pch` (scripts/setup.sh runs it). Identical C++/Java programs given to `run_many` together
share one sandbox (graded one after another, scrubbed in between), so they compile once.
"""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ringdata.core.errors import RingdataError
from sandboxes.languages import (CPP_FLAGS, JAVAC_SERVER_DIR, JVM_ARCHIVE, JVM_FLAGS, PCH_DIR, available, host_tool,
                                 javac_server_argv, tool_paths)
from sandboxes.runner import SANDBOXED_FLAG
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

# Sandbox uids are leased from BASE_UID up when we run as root. Apart from the Docker image's uid
# 10001 on purpose: RLIMIT_NPROC counts every process of a uid on the host, so sharing it with warm
# containers let a container's processes (a fork bomb, or just a busy pool) stop a local sandbox
# from starting (bwrap: "Creating new namespace failed: Resource temporarily unavailable"). For the
# same reason no two sandboxes on the host, in this process or another, hold the same uid at once:
# each slot leases its uid with an exclusive flock on UID_LOCKS/<uid>, which the kernel releases
# when the holder closes it or dies.
# Run as root, each sandbox gets a cgroup of its own in the host's cgroup v2 hierarchy (the
# unified one of a hybrid host, or the only one): the kernel counts the CPU of every process the
# sandbox ever held, lists those it holds (the runner sees the group read-only at /sys/fs/cgroup)
# and kills them all at once (`cgroup.kill`) when the sandbox ends.
CGROUP_MOUNTS = (Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup"))
CGROUP_PARENT = "ringdata-sandbox"
BASE_UID = 20001
UID_RANGE = 4096  # uids BASE_UID .. BASE_UID + UID_RANGE - 1
UID_LOCKS = Path("/run/ringdata-sandbox-uids")
GROUP = 8  # identical compiled programs graded in one sandbox (one compile), as a Docker batch


@dataclass(frozen=True)
class LocalConfig:
    workers: int = 2  # submissions in flight (each gets its own uid when run as root)
    python: str = "/usr/bin/python3"  # must live under /usr: nothing else is visible inside
    work_mb: int = 64  # size of the /work tmpfs, MiB
    nproc: int = 64  # RLIMIT_NPROC of the sandbox uid: bounds fork bombs
    exec_grace_s: float = 10.0  # host-side slack on top of the runner's own deadlines
    nice: int = -5  # scheduling priority of the sandbox when run as root (-5 weighs ~3 busy host
    #                 processes): a trainer's threads cannot starve it; its CPU is bounded per case


def bwrap_problem(python: str = "/usr/bin/python3") -> str | None:
    """Why the local backend cannot run here, or None if it can."""
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (apt-get install bubblewrap)"
    if not os.path.realpath(python).startswith("/usr/"):
        return f"{python} is not under /usr, the only host directory the sandbox sees"
    if not os.access(python, os.X_OK):
        return f"{python} does not exist (apt-get install python3)"
    probe = subprocess.run(
        ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
         "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--proc", "/proc",
         python, "-I", "-S", "-c", "import os, sys; sys.exit(0 if os.getpid() < 10 else 3)"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        tail = (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[-1]
        return f"bwrap cannot create namespaces here ({tail})"
    return None


def cgroup_home() -> Path | None:
    """The directory under which this host lets us create sandbox cgroups (v2; root only), or
    None: accounting then rests on the runner's view of /proc (see runner.py)."""
    for mount in CGROUP_MOUNTS:
        if not (mount / "cgroup.procs").exists() or not (mount / "cgroup.max.depth").exists():
            continue  # not a cgroup v2 mount (a hybrid host's /sys/fs/cgroup is a tmpfs)
        home = mount / CGROUP_PARENT
        try:
            home.mkdir(exist_ok=True)
            probe = home / f"probe-{uuid.uuid4().hex[:8]}"
            probe.mkdir()
            probe.rmdir()
            return home
        except OSError:
            return None
    return None


class SandboxCgroup:
    """One sandbox's cgroup: made before it starts, killed and removed after it ends."""

    def __init__(self, home: Path) -> None:
        self.path = home / uuid.uuid4().hex
        self.path.mkdir()

    def join(self) -> None:
        """Move the calling process in (between fork and exec: everything it starts follows)."""
        with open(self.path / "cgroup.procs", "w") as f:
            f.write(str(os.getpid()))

    def remove(self) -> bool:
        """Kill everything in it and remove it; False when something could not be killed."""
        for _ in range(200):
            try:
                if not (self.path / "cgroup.procs").read_text().split():
                    self.path.rmdir()
                    return True
                (self.path / "cgroup.kill").write_text("1")
            except FileNotFoundError:
                return True
            except OSError:
                pass
            time.sleep(0.005)
        return False


def lease_uids(n: int) -> dict[int, int]:
    """n free host uids, each -> the open descriptor that holds its lock file's exclusive flock."""
    UID_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    leases: dict[int, int] = {}
    for uid in range(BASE_UID, BASE_UID + UID_RANGE):
        fd = os.open(UID_LOCKS / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another sandbox holds it
            os.close(fd)
            continue
        leases[uid] = fd
        if len(leases) == n:
            return leases
    for fd in leases.values():
        os.close(fd)
    raise RingdataError(f"no free sandbox uid: {UID_RANGE} from {BASE_UID} are held by other local sandboxes on this host")


class LocalSandbox(Sandbox):
    """bubblewrap per submission. Thread-safe; `run_many` runs `workers` submissions at once."""

    name = "local"

    def __init__(self, config: LocalConfig | None = None) -> None:
        self.config = config or LocalConfig()
        problem = bwrap_problem(self.config.python)
        if problem:
            raise RingdataError(f"the local sandbox cannot run: {problem}")
        self.parallelism = self.config.workers
        self._runner = runner_command(self.config.python)
        self._tools = tool_paths(host_tool)  # real paths under /usr (the /usr/bin links go through /etc)
        self._jdk_etc = _jdk_config_dirs(self._tools.get("java"))
        self.languages = available(self._tools)
        self._bwrap = shutil.which("bwrap") or "bwrap"
        self._root = os.geteuid() == 0
        self._leases = lease_uids(self.config.workers) if self._root else {}
        self._slots: list[int] = list(range(self.config.workers))
        self._cgroups = cgroup_home() if self._root else None
        self.stray_cgroups = 0  # sandbox cgroups whose processes could not all be killed (kept, not reused)
        self._cv = threading.Condition()

    @property
    def uids(self) -> list[int]:
        """The host uid of each slot (root only), held until close()."""
        return list(self._leases)

    def close(self) -> None:
        for fd in self._leases.values():
            os.close(fd)  # the uid is free for the next sandbox on this host
        self._leases = {}

    def __del__(self) -> None:  # a sandbox dropped without close() still frees its uids
        if getattr(self, "_leases", None):
            self.close()

    def _command(self, slot: int, language: str = "python", cgroup: Path | None = None) -> list[str]:
        cfg = self.config
        jdk = [arg for d in self._jdk_etc for arg in ("--ro-bind", d, d)] if language == "java" else []
        inner = [
            self._bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--as-pid-1",  # the runner is pid 1: no bwrap process inside that a program could trace or read
            "--ro-bind", "/usr", "/usr", *jdk,
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--proc", "/proc", "--dev", "/dev",
            "--mqueue", "/dev/mqueue",  # the IPC namespace's message queues as files: the runner's wipe reaches them
            *(["--ro-bind", str(cgroup), "/sys/fs/cgroup"] if cgroup else []),  # its own group, read-only
            "--size", str(cfg.work_mb << 20), "--perms", "1777", "--tmpfs", "/work",
            "--remount-ro", "/dev", "--remount-ro", "/",  # only /work stays writable
            "--chdir", "/work", "--clearenv",
            "--setenv", "TMPDIR", "/work", "--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        ]
        if self._root:
            uid = str(self.uids[slot])
            inner[1:1] = ["--unshare-user", "--uid", uid, "--gid", uid]
            prefix = [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
        else:
            prefix = []
        return prefix + inner + [*self._runner, SANDBOXED_FLAG]

    def _limit(self, cgroup: "SandboxCgroup | None" = None) -> None:  # runs in the child between fork and exec
        # Forked with SIGINT blocked (`_run_in`), now in a session of its own: a Ctrl-C that reached
        # the grader's process group meanwhile is the grader's to answer, so it is dropped here
        # (ignoring discards a pending one) and the sandbox starts with the default disposition.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if cgroup is not None:
            cgroup.join()
        resource.setrlimit(resource.RLIMIT_NPROC, (self.config.nproc, self.config.nproc))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self._root and self.config.nice < 0:
            os.setpriority(os.PRIO_PROCESS, 0, self.config.nice)

    def run(self, submission: Submission) -> ExecResult:
        return self.unavailable(submission) or self._run_group([submission])[0]

    def run_many(
        self, submissions: Sequence[Submission], on_done: Callable[[int], None] | None = None
    ) -> list[ExecResult]:
        """Run submissions `workers` at a time, results in input order. Identical programs in a
        compiled language share one sandbox (up to `GROUP`, one after another, scrubbed between),
        so each compiles once; every other submission gets a sandbox of its own."""
        results: list[ExecResult | None] = [self.unavailable(s) for s in submissions]
        groups: dict[object, list[int]] = {}
        for i, sub in enumerate(submissions):
            if results[i] is None:
                groups.setdefault((sub.language, sub.program) if sub.language != "python" else i, []).append(i)
        batches = [idx[j : j + GROUP] for idx in groups.values() for j in range(0, len(idx), GROUP)]
        if on_done and sum(map(len, batches)) < len(submissions):
            on_done(len(submissions) - sum(map(len, batches)))
        return self.run_batches(self._run_group, submissions, batches, results, on_done)

    def _run_group(self, group: list[Submission]) -> list[ExecResult]:
        """One sandbox for the group; a submission it could not grade (the sandbox failed its
        start checks, or its checks failed after an earlier one) is graded again alone."""
        with self._cv:
            self._cv.wait_for(lambda: self._slots)
            slot = self._slots.pop()
        try:
            results = self._run(slot, group)
            if len(group) == 1 and results[0] is None:  # start checks failed: not the program's fault, once more
                results = self._run(slot, group)
        finally:
            with self._cv:
                self._slots.append(slot)
                self._cv.notify()
        if len(group) == 1:
            return [results[0] or ExecResult.failed(len(group[0].tests), "the sandbox failed its start checks twice")]
        return [r if r is not None else self._run_group([s])[0] for r, s in zip(results, group)]

    def _run(self, slot: int, group: list[Submission]) -> list[ExecResult | None]:
        deadline = self.config.exec_grace_s + sum(submission_wall_bound(s) for s in group)
        nonce = uuid.uuid4().hex
        started = time.perf_counter()
        try:
            cgroup = SandboxCgroup(self._cgroups) if self._cgroups else None
        except OSError:  # the hierarchy went away or is full: the runner's own accounting, as without root
            cgroup = None
        try:
            return self._run_in(slot, group, deadline, nonce, started, cgroup)
        finally:
            if cgroup is not None and not cgroup.remove():
                self.stray_cgroups += 1

    def _run_in(self, slot: int, group: list[Submission], deadline: float, nonce: str, started: float,
                cgroup: "SandboxCgroup | None") -> list[ExecResult | None]:  # fmt: skip
        # Ctrl-C goes to the whole foreground process group. A child is in it from its fork until
        # its setsid, and Python runs its after-fork hooks there (a preexec_fn needs them): a SIGINT
        # in that window printed "Exception ignored in: <function _after_fork>" and a traceback
        # under the grader's own "interrupted" message. This thread forks with SIGINT blocked;
        # the child drops it once in its own session (`_limit`); the grader gets its own copy.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            proc = subprocess.Popen(
                self._command(slot, group[0].language, cgroup.path if cgroup else None),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=lambda: self._limit(cgroup),
                start_new_session=True,
                close_fds=True,  # no descriptor of the grader reaches the sandbox
                env={},  # nor its environment: bwrap itself gets none, the runner only --setenv's
            )
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        try:
            views = CGROUP_VIEWS[:1] if cgroup else ()
            out, err = proc.communicate(payload(group, nonce, tools=self._tools, cgroup=views), timeout=deadline)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            wall = time.perf_counter() - started
            if len(group) > 1:
                return [None] * len(group)  # graded again alone, where a hang is its own
            return [ExecResult.fault(len(group[0].tests), wall, "time_limit", "the runner was stopped or starved by the program")]
        _kill_group(proc)  # --die-with-parent already took the namespace down; belt and braces
        wall = time.perf_counter() - started
        reports = parse_reports(out, nonce)
        alone = len(group) == 1
        if -1 in reports:
            return [result_from_report(reports[i], s, wall, alone) if i in reports else None for i, s in enumerate(group)]
        if not alone:
            return [None] * len(group)
        n = len(group[0].tests)
        if proc.returncode in (-9, 137) or (proc.returncode or 0) >= 128:
            return [ExecResult.fault(n, wall, "runtime_error", f"the program killed the runner (exit {proc.returncode})")]
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        return [ExecResult.failed(n, f"the runner failed (exit {proc.returncode}): {' | '.join(tail)}", wall)]


def _jdk_config_dirs(java: str | None) -> list[str]:
    """The JDK's configuration directories under /etc (Debian links the JDK's conf/ and
    lib/jvm.cfg there: java.security, logging.properties): a JVM does not start without them."""
    if not java:
        return []
    home = os.path.dirname(os.path.dirname(java))
    found = set()
    for sub in ("conf", "lib"):
        for dirpath, _dirs, files in os.walk(os.path.join(home, sub)):
            for name in files:
                target = os.path.realpath(os.path.join(dirpath, name))
                parts = target.split("/")
                if target.startswith("/etc/java") and len(parts) > 2:
                    found.add("/" + "/".join(parts[1:3]))
    return sorted(found)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass


def host_pch_used(gxx: str | None = None) -> bool:
    """Whether the host's g++ uses the precompiled <bits/stdc++.h> in PCH_DIR for a source that
    includes it first, with the flags submissions compile with: g++'s own verdict (`-H` marks a
    precompiled header it used with "!"), which covers a newer compiler and changed flags alike."""
    gxx = gxx or host_tool("g++")
    if gxx is None:
        return False
    probe = subprocess.run([gxx, *CPP_FLAGS, "-I", PCH_DIR, "-H", "-fsyntax-only", "-x", "c++", "-"],
                           input="#include <bits/stdc++.h>\n", capture_output=True, text=True)  # fmt: skip
    return probe.stderr.startswith(f"! {PCH_DIR}/bits/stdc++.h.gch")


def build_host_pch(force: bool = False) -> bool:
    """Precompile <bits/stdc++.h> for the host's g++ into PCH_DIR (under /usr/local, which the
    bubblewrap sandbox sees read-only; needs root), as sandboxes/image/build.sh does for the image.
    Returns False when g++ already uses the one there and `force` is not set. About 5 s of CPU."""
    gxx = host_tool("g++")
    if gxx is None:
        raise RingdataError("g++ is not installed: apt-get install g++ (or run scripts/setup.sh)")
    if not force and host_pch_used(gxx):
        return False
    target = Path(PCH_DIR) / "bits" / "stdc++.h.gch"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except PermissionError as exc:
        raise RingdataError(f"cannot write {PCH_DIR}: run `ringdata sandbox pch` as root") from exc
    partial = target.with_name(f".{target.name}.{os.getpid()}")  # compilers in flight never read half a file
    header = target.with_name(f".pch.{os.getpid()}.h")  # g++ reads no header from stdin
    try:
        header.write_text("#include <bits/stdc++.h>\n")
        done = subprocess.run([gxx, *CPP_FLAGS, "-x", "c++-header", str(header), "-o", str(partial)],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise RingdataError(f"precompiling <bits/stdc++.h> failed: {done.stderr.strip()[-300:]}")
        partial.chmod(0o644)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        header.unlink(missing_ok=True)
    return True


JAVAC_SERVER_SOURCE = Path(__file__).parent / "image" / "CompileServer.java"


def host_javac_server_built() -> bool:
    """Whether JAVAC_SERVER_DIR holds the resident Java compiler built from this checkout's
    CompileServer.java (its jar records the source's SHA-256) and its class-data archive."""
    import hashlib
    import zipfile

    jar, jsa = Path(JAVAC_SERVER_DIR) / "CompileServer.jar", Path(JAVAC_SERVER_DIR) / "CompileServer.jsa"
    try:
        with zipfile.ZipFile(jar) as z:
            recorded = z.read("SOURCE-SHA256").decode()
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return jsa.is_file() and recorded == hashlib.sha256(JAVAC_SERVER_SOURCE.read_bytes()).hexdigest()


def build_host_javac_server(force: bool = False) -> bool:
    """Build the resident Java compiler for the host's JDK into JAVAC_SERVER_DIR (under /usr/local,
    which the bubblewrap sandbox sees read-only; needs root), as sandboxes/image/build.sh does for
    the image: the class, a jar of it (the class-data archive takes no directory on its class
    path), and the archive, dumped by a JVM started with the runner's flags (`javac_server_argv`).
    Returns False when the one there is current and `force` is not set. A few seconds of CPU."""
    import hashlib
    import tempfile
    import zipfile

    javac, java = host_tool("javac"), host_tool("java")
    if javac is None or java is None:
        raise RingdataError("the JDK is not installed: apt-get install openjdk-17-jdk-headless (or run scripts/setup.sh)")
    if not force and host_javac_server_built():
        return False
    target = Path(JAVAC_SERVER_DIR)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except PermissionError as exc:
        raise RingdataError(f"cannot write {JAVAC_SERVER_DIR}: run `ringdata sandbox pch` as root") from exc
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([javac, "-d", tmp, str(JAVAC_SERVER_SOURCE)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RingdataError(f"compiling the resident Java compiler failed: {done.stderr.strip()[-300:]}")
        partial = target / f".CompileServer.jar.{os.getpid()}"
        with zipfile.ZipFile(partial, "w") as z:
            for cls in sorted(Path(tmp).glob("*.class")):
                z.write(cls, cls.name)
            z.writestr("SOURCE-SHA256", hashlib.sha256(JAVAC_SERVER_SOURCE.read_bytes()).hexdigest())
        partial.chmod(0o644)
        os.replace(partial, target / "CompileServer.jar")  # the archive records the jar it was dumped with
        probe = Path(tmp) / "Main.java"
        probe.write_text("import java.util.*;\npublic class Main { public static void main(String[] a) { "
                         "List<Integer> x = new ArrayList<>(); x.add(1); System.out.println(x.stream().mapToInt(i -> i).sum()); } }\n")  # fmt: skip
        archive = target / f".CompileServer.jsa.{os.getpid()}"
        argv = javac_server_argv(java)
        argv[argv.index(f"-XX:SharedArchiveFile={JAVAC_SERVER_DIR}/CompileServer.jsa")] = f"-XX:ArchiveClassesAtExit={archive}"
        line = "\t".join(["-encoding", "UTF-8", "-proc:none", "-d", f"{tmp}/out", str(probe)])
        done = subprocess.run(argv, input=line + "\n", capture_output=True, text=True)
        if done.returncode != 0 or not done.stdout.startswith("0 ") or not archive.is_file():
            archive.unlink(missing_ok=True)
            raise RingdataError(f"the resident Java compiler did not compile its probe: {done.stderr.strip()[-300:]}")
        archive.chmod(0o644)
        os.replace(archive, target / "CompileServer.jsa")
    return True


def host_jvm_archive_built() -> bool:
    """Whether JVM_ARCHIVE is there and was built for the host's JDK (the runner's own test)."""
    from sandboxes.runner import jvm_archive_current

    java = host_tool("java")
    return bool(java) and jvm_archive_current(JVM_ARCHIVE, java)


def build_host_jvm_archive(force: bool = False) -> bool:
    """Build the contest class-data archive (languages.py `JVM_ARCHIVE`) for the host's JDK, as
    sandboxes/image/build.sh does for the image, with the same script and programs. Returns False
    when the one there was built for this JDK and `force` is not set. ~25 s of CPU (27 programs
    compiled and run twice each)."""
    import json
    import sys
    import tempfile

    from sandboxes.image import JVM_ARCHIVE_SCRIPT, jvm_archive_programs

    java = host_tool("java")
    if java is None or host_tool("javac") is None:
        raise RingdataError("the JDK is not installed: apt-get install openjdk-17-jdk-headless (or run scripts/setup.sh)")
    if not force and host_jvm_archive_built():
        return False
    try:
        Path(JVM_ARCHIVE).parent.mkdir(parents=True, exist_ok=True)
    except PermissionError as exc:
        raise RingdataError(f"cannot write {Path(JVM_ARCHIVE).parent}: run `ringdata sandbox pch` as root") from exc
    with tempfile.NamedTemporaryFile("w", suffix=".json") as programs:
        json.dump(jvm_archive_programs(), programs)
        programs.flush()
        done = subprocess.run([sys.executable, str(JVM_ARCHIVE_SCRIPT), java, programs.name, JVM_ARCHIVE,
                               "--", "-Xmx256m", *JVM_FLAGS], capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise RingdataError(f"building the contest class-data archive failed: {done.stderr.strip()[-300:]}")
    return True
