"""The `Sandbox` interface: run one untrusted program against a batch of test cases, under limits.

A backend (`DockerSandbox` in docker_backend.py, `LocalSandbox` in local.py) starts the stdlib-only
runner (runner.py) inside its isolation, sends it the program, the test cases and the limits, and
gets back one report per submission. Results are data: a frozen `ExecResult` holding one frozen
`CaseResult` per case that ran.

Guaranteed by every backend (each attack has a test in tests/sandboxes/test_attacks_*.py, which
run attacks.py, attacks_reward.py, attacks_compiled.py and attacks_kernel.py against both, and after
every attack test check that a fresh submission in the same sandbox sees nothing of it)

Enforced by the kernel
- No network: the program has no interface but loopback (TCP connect and DNS fail); and no socket
  but AF_UNIX: the runner's own seccomp filter, stacked on the backend's (Docker's default profile
  under Docker), refuses every other family and every syscall of another ABI, so no program leaves
  a row in the network namespace's tables (a TCP TIME_WAIT outlives its process by a minute in
  /proc/net/tcp of a warm container) or talks netlink.
- No host files: the program sees only the sandbox's own root (read-only) and a small private
  work directory; nothing of the host's file system is mounted. No descriptor and no
  environment variable of the grader reaches it; pid 1 is not readable or traceable.
- CPU accounting: a case's CPU is the growth of the CPU counter of a cgroup that holds exactly the
  sandbox's processes (the container's own under Docker, read before and after the case, one case
  running at a time; a cgroup v2 group per sandbox that the root grader makes for bubblewrap), less
  what the runner and the zygote spent themselves. The kernel charges every process that ever ran
  there, so no way of creating, detaching or reaping one (workers forked while SIGCHLD is
  ignored, which the kernel reaps; a daemon whose leader is a zombie) takes CPU off the bill. The
  limit is enforced on that figure while the case runs (every `CPU_POLL_S`), and the starvation
  rule reads the same figure. Also bounded: address space (RLIMIT_AS), output (the runner stops
  reading and kills at the cap), file sizes and disk (a size-limited tmpfs), processes (a pids
  cgroup or RLIMIT_NPROC), wall-clock (`wall_factor` x the limit).
- Every process of a case gone before the next case: the members are read from the cgroup's
  `cgroup.procs` (a thread group is listed while any of its threads lives, so a leader in state Z
  with a running thread is alive) and killed until none is left; a bubblewrap sandbox's group is
  emptied with `cgroup.kill` when it ends, and its pid namespace dies with it. When anything of a
  submission is still listed after the kill, the submissions that may have been affected are
  graded again alone, and the container (Docker) is discarded.
- Unprivileged: a non-root uid, no capabilities, no-new-privileges.
- The harness out of reach: the runner, its zygote and the sandbox's init share the program's uid,
  and the kernel lets a process change the resource limits, priority and scheduling of any
  process of its uid. A seccomp filter in every program's process (and all it starts) refuses
  those calls (prlimit, setpriority, ioprio_set, sched_setaffinity/setscheduler/setparam/setattr)
  with EPERM unless they target the program's own process or only read, so
  `prlimit(runner, RLIMIT_CPU, 0)` cannot kill the runner before any check runs.
- Signals: the same uid lets a program signal the harness. SIGKILL and SIGSTOP are answered (the
  program killed or stopped the harness: its own failure); no other signal runs harness code: the
  runner and the zygote leave SIGINT at its default (no KeyboardInterrupt), the container's init
  ignores it (a pid 1 drops what it does not handle), and the runner's wall-cap alarm acts only
  when its own clock says the cap is reached (a program's SIGALRM is ignored).

Enforced by the runner (inside the sandbox, before the next case or submission)
- Files and IPC, before every case as before every submission: it deletes every file of the work
  dir (and /dev/shm, /dev/mqueue, which the bubblewrap sandbox mounts for the purpose) whatever
  its permissions, restores the work dir's mode, times and attributes, removes every SysV IPC
  object (by creator, whoever owns it now), and has the kernel collect unix sockets in flight
  (a cycle of sockets carrying each other outlives its processes until the kernel's collector
  runs, and holds whatever rides in it: memfds of the container's memory, abstract names): the
  namespace's socket table must list none but the harness's, or the submission is suspect.
  Between submissions it also checks that the processes it keeps (itself, the zygote) and init
  still have their resource limits, priority and affinity (refused by the filter above; the check
  stays for whatever a kernel lets through); when a check fails the submissions that may have
  been affected are graded again alone in a fresh container (Docker) or sandbox.
- Fair under load: the limit is CPU time, so a busy host only stretches wall time; the sandbox
  gets a CPU weight a co-located trainer cannot starve (a container's cpu_shares; bubblewrap's
  nice, when the grader runs as root); a case that hits the wall cap well inside its CPU limit
  while runnable was starved, not slow: it is run again, and is `sandbox_error`, never
  `time_limit`, if starved every time. (Whether a thread was runnable or waiting is read from
  /proc for the processes the cgroup lists.)
- A submission's own files (`Submission.files`, `fetch`: SandboxFusion's `files` and
  `fetch_files`): the host takes only relative paths that stay in the work dir, at most
  `MAX_FILES` of `MAX_FILES_BYTES` in all (`check_files`); the runner writes them into the
  wiped work dir before compiling and before every case, and reads the fetched ones back itself,
  inside the sandbox, after the last case and before any wipe: every path component is opened
  with O_NOFOLLOW from the work dir (a symbolic link the program made, to /etc/passwd or to a
  directory, is refused and named, never read), only regular files (a FIFO is refused without
  blocking), at most `fetch_bytes` in all.
- The verdict comes from the runner's report on a channel the program cannot write to (see
  runner.py), compared against expected outputs the program's process never holds.
- Function-call tests are compared outside the program: the runner executes the test block in
  its own interpreter and calls into the program only to get plain data (builtin types) back, so
  no object, frame, builtin or module of the program takes part in a comparison (runner.py lists
  the supported assert shapes). The test takes from the program only the names it does not
  define itself and that are neither builtins nor standard-library modules it uses as modules
  (`math.isclose` without `import math` is the runner's math, even when the program defines a
  `math`); a module name the test calls like a function is the program's, as an entry point is.
  A test without an expected output (stdin) is never compared: `unsupported_test`. Stdout
  integers compare exactly; floats within `float_tol` only where the expected token is a float.
- `CaseResult.detail` (expected outputs, assert text) exists only on the host side of the report
  channel; no process of the sandbox can read it.
- C++ and Java (languages.py) hold to all of the above: they are compiled inside the sandbox (a
  compiler reading `#include "/etc/shadow"` sees the sandbox's root) as a process of the case's
  kind, under their own CPU and memory limits, then every test runs the compiled program as a
  child of the same zygote with the same limits, accounting and scrubbing. The binary runs from a
  sealed in-memory file (the work dir stays noexec, and no case can change what the next one
  runs); class files are written back before every case, and the class that runs is the one whose
  compiled form declares `public static void main(String[])`. The JVM's memory limit is its heap,
  with an address-space allowance for what it reserves (languages.py says why RLIMIT_AS alone
  would kill it).
- The Java sources of one runner batch are compiled by one resident javac (runner.py
  `precompile_java`) before any program of the batch starts, as one case under the compiler's
  limits: each source alone on its compile's class and source path (no source sees another's
  code or classes), no code of a source run (`-proc:none`), and the JVM gone before the first
  program starts, so no program ever shares the sandbox with it. A source it did not answer for
  (its time or memory ran out) is compiled alone, as before, under the same limits.

Not guaranteed
- Side channels between concurrent sandboxes (CPU caches, timing) and kernel exploits: the
  containers share the host kernel. Use a VM boundary for adversaries beyond RL policies.
- Covert channels between consecutive submissions in one warm container through counters nobody
  resets: the pid counter, the tmpfs's inode numbers, the container cgroup's CPU and peak-memory
  statistics (readable by the program). Two cooperating programs could pass a few bits;
  `DockerConfig.recycle_every=1` closes them.
- The local backend run by a user other than root, or on a host without a writable cgroup v2
  hierarchy, has no cgroup of its own: CPU accounting and the kill then rest on the runner's view
  of /proc (a subreaper's RUSAGE_CHILDREN and a poll of live processes, thread by thread), which
  workers the kernel reaps escape; the end frame's `kernel_accounting` says which one ran.
- The seccomp socket filter exists for x86_64 and aarch64; elsewhere sockets rest on the
  network namespace alone.
- A Java program's native memory (through `Unsafe`) beyond its heap is bounded by the container's
  cgroup under Docker, but only by `languages.JVM_RESERVE_MB` of address space under bubblewrap.
- Function-call tests run against Python programs only (a C++/Java submission with them is
  `unsupported_test`; the grader calls that `wrong_language` before it reaches the sandbox).
- A test that reads a helper the *program* defines (HumanEval/32's `poly`, /38's
  `encode_cyclic`, which come with the prompt) calls the program's version of it.
"""

from __future__ import annotations

import enum
import functools
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ringdata.core.records import TestCase


class CaseStatus(str, enum.Enum):
    """How one test case ended."""

    PASSED = "passed"
    WRONG_ANSWER = "wrong_answer"  # wrong output, or a failed assert
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    RUNTIME_ERROR = "runtime_error"  # non-zero exit, uncaught exception, killed by a signal
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"  # the sandbox failed (or starved the program of CPU): grade it again
    UNSUPPORTED_TEST = "unsupported_test"  # the test needs what cannot cross the sandbox: the data's fault
    COMPILE_ERROR = "compile_error"  # the program did not compile (or its compiler hit its limits): no test ran


@dataclass(frozen=True)
class Limits:
    """Per test case limits (the container-wide ones are in the backend configs)."""

    time_s: float = 2.0  # CPU seconds per test case, of all its processes together
    wall_factor: float = 3.0  # the wall-clock cap is time_s x this + 0.5 s: slack for a busy host
    memory_mb: int = 512  # address space of the program (RLIMIT_AS), MiB
    output_bytes: int = 16 << 20  # stdout beyond this is cut and the case is output_limit
    file_bytes: int = 16 << 20  # largest file the program may write (RLIMIT_FSIZE)
    float_tol: float = 1e-6  # absolute or relative tolerance between numeric output tokens
    report_stdout: int = 0  # characters of stdout a case reports back (its tail); 0 = the runner's 1 KiB
    compare: bool = True  # False: a case without an expected output runs and reports its stdout
    # (the service's /run_code, whose caller reads the output itself); graders never set it, so
    # a test without an expected output is refused there, never compared with ""

    def to_dict(self) -> dict:
        return {
            "time_s": self.time_s,
            "wall_factor": self.wall_factor,
            "memory_mb": self.memory_mb,
            "output_bytes": self.output_bytes,
            "file_bytes": self.file_bytes,
            "float_tol": self.float_tol,
            "report_stdout": self.report_stdout,
            "compare": self.compare,
        }


@dataclass(frozen=True)
class Submission:
    """One program and the test cases to run it on."""

    program: str
    tests: tuple[TestCase, ...]
    limits: Limits = field(default_factory=Limits)  # as for Python; languages.py adapts them per language
    stop_on_first_failure: bool = True  # later cases are not run once one fails
    language: str = "python"  # python | cpp | java (sandboxes/languages.py)
    files: tuple[tuple[str, bytes], ...] = ()  # (work-dir path, content) written before compiling and before every case
    fetch: tuple[str, ...] = ()  # work-dir paths read back after the last case (`ExecResult.files`)
    fetch_bytes: int = 1 << 20  # what `fetch` may bring back in all, bytes (the rest is refused, named)


MAX_FILES = 64  # files a submission may bring or fetch: each is a syscall walk before every case
MAX_FILES_BYTES = 16 << 20  # what a submission's files may hold in all: a quarter of the smallest work dir


def check_files(files: Sequence[tuple[str, bytes]], fetch: Sequence[str]) -> str | None:
    """Why a submission's `files` and `fetch` cannot be taken, or None. Paths stay inside the
    work dir: relative, no `.` or `..` or empty component, no NUL; a file may not also be a
    directory of another. The runner checks the paths again, and follows no symbolic link."""
    if len(files) > MAX_FILES or len(fetch) > MAX_FILES:
        return f"at most {MAX_FILES} files and {MAX_FILES} paths to fetch"
    size = sum(len(data) for _, data in files)
    if size > MAX_FILES_BYTES:
        return f"the files hold {size} bytes; at most {MAX_FILES_BYTES}"
    names = [name for name, _ in files]
    for name in [*names, *fetch]:
        if why := check_path(name):
            return why
    if len(set(names)) < len(names):
        return "a file is named twice"
    dirs = {"/".join(name.split("/")[:i]) for name in names for i in range(1, name.count("/") + 1)}
    clash = sorted(dirs & set(names))
    return f"{clash[0]!r} is both a file and a directory" if clash else None


def check_path(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return "a file path must be a non-empty string"
    if name.startswith("/") or "\0" in name or len(name.encode("utf-8", "surrogatepass")) > 1024:
        return f"file path {name[:80]!r} must be relative to the work dir (no leading /, no NUL, at most 1024 bytes)"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return f"file path {name[:80]!r} may not have '.', '..' or empty components: it must stay in the work dir"
    return None


@dataclass(frozen=True)
class CaseResult:
    status: CaseStatus
    time_s: float = 0.0  # CPU seconds of the program
    wall_s: float = 0.0
    exit_code: int | None = None
    signal: int | None = None
    stdout_tail: str = ""  # the last KiB of stdout (`Limits.report_stdout` characters when set)
    stderr_tail: str = ""  # the last 2 KiB of stderr (tracebacks)
    detail: str = ""  # one line: first differing token, failed assert, limit hit

    @property
    def passed(self) -> bool:
        return self.status is CaseStatus.PASSED


@dataclass(frozen=True)
class ExecResult:
    """The outcome of one submission: one `CaseResult` per case that ran, in test order."""

    cases: tuple[CaseResult, ...]
    n_tests: int  # cases submitted; more than len(cases) when the run stopped at a failure
    wall_s: float = 0.0  # host-side time for the whole submission
    error: str = ""  # set when the sandbox failed (status sandbox_error): infrastructure, not the program
    compile_s: float = 0.0  # CPU seconds of compiling it (0: interpreted, or compiled earlier in the batch)
    compile_wall_s: float = 0.0
    files: tuple[tuple[str, bytes], ...] = ()  # what `Submission.fetch` read back (a missing file is absent)
    fetch_refused: tuple[tuple[str, str], ...] = ()  # fetched paths not read, and why (a symbolic link, ...)

    @property
    def status(self) -> CaseStatus:
        """Passed when every submitted case passed, else the first failing case's status."""
        if self.error:
            return CaseStatus.SANDBOX_ERROR
        for case in self.cases:
            if not case.passed:
                return case.status
        return CaseStatus.PASSED if len(self.cases) == self.n_tests else CaseStatus.SANDBOX_ERROR

    @property
    def n_passed(self) -> int:
        return sum(c.passed for c in self.cases)

    @property
    def passed(self) -> bool:
        return self.status is CaseStatus.PASSED

    @property
    def first_failure(self) -> tuple[int, CaseResult] | None:
        for i, case in enumerate(self.cases):
            if not case.passed:
                return i, case
        return None

    @classmethod
    def fault(cls, n_tests: int, wall_s: float, status: str, detail: str) -> "ExecResult":
        """The program broke the runner itself (stopped it, killed it): one failed case."""
        return cls((CaseResult(CaseStatus(status), wall_s=wall_s, detail=detail),), n_tests, wall_s)

    @classmethod
    def failed(cls, n_tests: int, error: str, wall_s: float = 0.0) -> "ExecResult":
        return cls((), n_tests, wall_s, error)


class Sandbox(ABC):
    """Runs untrusted programs. Thread-safe: `run` may be called from several threads at once."""

    name: str = "sandbox"
    parallelism: int = 1  # submissions it can run at once

    languages: frozenset[str] = frozenset({"python"})  # what this sandbox can compile and run

    @abstractmethod
    def run(self, submission: Submission) -> ExecResult:
        """Run one submission. Never raises for anything the program does."""

    def unavailable(self, submission: Submission) -> ExecResult | None:
        """The failed result of a submission in a language this sandbox lacks, or with files it
        cannot take (`check_files`), else None."""
        if (submission.files or submission.fetch) and (why := check_files(submission.files, submission.fetch)):
            return ExecResult.failed(len(submission.tests), f"files refused: {why}")
        if submission.language in self.languages:
            return None
        return ExecResult.failed(
            len(submission.tests),
            f"this {self.name} sandbox has no {submission.language} (it runs {', '.join(sorted(self.languages))}): "
            + ("`ringdata sandbox build --force` (all languages by default)" if self.name == "docker"
               else "install its compiler under /usr (g++; openjdk-17-jdk-headless)"),
        )

    def run_many(
        self, submissions: Sequence[Submission], on_done: Callable[[int], None] | None = None
    ) -> list[ExecResult]:
        """Run submissions concurrently (up to `parallelism`), results in input order.
        `on_done(1)` is called as each finishes (for a progress bar)."""
        results: list[ExecResult | None] = [None] * len(submissions)
        if self.parallelism <= 1 or len(submissions) <= 1:
            for i, sub in enumerate(submissions):
                results[i] = self.run(sub)
                if on_done:
                    on_done(1)
            return results  # type: ignore[return-value]
        with ThreadPoolExecutor(self.parallelism, thread_name_prefix=self.name) as pool:
            futures = {pool.submit(self.run, sub): i for i, sub in enumerate(submissions)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_done:
                    on_done(1)
        return results  # type: ignore[return-value]

    def run_batches(
        self,
        run_batch: Callable[[list[Submission]], list[ExecResult]],
        submissions: Sequence[Submission],
        batches: list[list[int]],
        results: list[ExecResult | None],
        on_done: Callable[[int], None] | None = None,
    ) -> list[ExecResult]:
        """Each batch (indices into `submissions`) through `run_batch` on `parallelism` threads,
        filling `results` in place; `on_done(n)` as each batch of n finishes."""
        if len(batches) == 1:  # one batch: run it here, not on a pool started for it
            for i, result in zip(batches[0], run_batch([submissions[i] for i in batches[0]])):
                results[i] = result
            if on_done:
                on_done(len(batches[0]))
            return results  # type: ignore[return-value]
        with ThreadPoolExecutor(self.parallelism, thread_name_prefix=self.name) as pool:
            futures = {pool.submit(run_batch, [submissions[i] for i in b]): b for b in batches}
            for future in as_completed(futures):
                for i, result in zip(futures[future], future.result()):
                    results[i] = result
                if on_done:
                    on_done(len(futures[future]))
        return results  # type: ignore[return-value]

    def close(self) -> None:
        """Release containers or processes. Idempotent."""

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def case_from_report(d: dict) -> CaseResult:
    return CaseResult(
        status=CaseStatus(d["status"]),
        time_s=float(d.get("time_s", 0.0)),
        wall_s=float(d.get("wall_s", 0.0)),
        exit_code=d.get("exit_code"),
        signal=d.get("signal"),
        stdout_tail=d.get("stdout_tail", ""),
        stderr_tail=d.get("stderr_tail", ""),
        detail=d.get("detail", ""),
    )


# Where a sandbox sees its own cgroup, as (CPU counter, member list) pairs, first readable wins:
# cgroup v2 (a private cgroup namespace: Docker on v2; the local backend's bind mount), then v1
# as Docker mounts the container's groups (cpuacct alone, or joined with cpu).
CGROUP_VIEWS = (
    ("/sys/fs/cgroup/cpu.stat", "/sys/fs/cgroup/cgroup.procs"),
    ("/sys/fs/cgroup/cpuacct/cpuacct.usage", "/sys/fs/cgroup/cpuacct/cgroup.procs"),
    ("/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/cgroup.procs"),
)


def payload(
    submissions: Sequence[Submission], nonce: str, workdir_mode: int | None = None, tools: dict[str, str] | None = None,
    cgroup: Sequence[tuple[str, str]] = (),
) -> bytes:
    """What the runner reads from its stdin: marshal (the runner cannot afford json's imports).
    `workdir_mode` is the mode the runner gives the work directory back after each submission;
    `tools` the compilers' and the JVM's paths inside the sandbox (languages.py `plan`); `cgroup`
    where the sandbox sees the cgroup that holds exactly its processes (`CGROUP_VIEWS`), empty
    when the backend has none (accounting then rests on the runner's view of /proc)."""
    import marshal

    from sandboxes.languages import plan

    return marshal.dumps(
        {
            "nonce": nonce,
            "workdir_mode": workdir_mode,
            "cgroup": [list(view) for view in cgroup],
            "submissions": [
                {
                    "program": s.program,
                    "tests": [t.to_dict() for t in s.tests],
                    "stop_on_first_failure": s.stop_on_first_failure,
                    **({"files": dict(s.files)} if s.files else {}),
                    **({"fetch": list(s.fetch), "fetch_bytes": s.fetch_bytes} if s.fetch else {}),
                    **plan(s.language, s.program, s.limits, tools or {}),
                }
                for s in submissions
            ],
        },
        4,
    )


def parse_reports(raw: bytes, nonce: str) -> dict[int, dict]:
    """The runner's reports in `raw` that are framed with `nonce`, by submission index (-1 is
    the end frame). Anything else in `raw` is ignored."""
    import json

    from sandboxes.runner import FRAME

    mark = FRAME + b" " + nonce.encode() + b"\n"
    reports: dict[int, dict] = {}
    start = raw.find(mark)
    while start >= 0:
        end = raw.find(mark, start + len(mark))
        if end < 0:
            break
        try:  # JSON, not ast.literal_eval: 3.11's ast is not thread-safe (gh-106905)
            report = json.loads(raw[start + len(mark) : end])
        except (ValueError, RecursionError):
            report = None
        if isinstance(report, dict) and isinstance(report.get("index"), int):
            reports[report["index"]] = report
        start = raw.find(mark, end + len(mark))
    return reports


def result_from_report(report: dict, submission: Submission, wall_s: float, alone: bool = True) -> ExecResult | None:
    """The submission's result, or None when the runner did not run it (`not_run`), or when it
    shared the sandbox with others and may have been disturbed by one of them (`suspect`: the
    runner's checks failed after it). Alone in a fresh sandbox, a failed check is its own doing."""
    if "cases" not in report or (report.get("suspect") and not alone):
        return None
    built = report.get("compile") or {}
    if report.get("error"):
        return ExecResult.failed(len(submission.tests), str(report["error"])[:300], wall_s)
    return ExecResult(
        tuple(case_from_report(c) for c in report["cases"]), len(submission.tests), wall_s,
        compile_s=float(built.get("time_s", 0.0)), compile_wall_s=float(built.get("wall_s", 0.0)),
        **_fetched(report, submission),
    )  # fmt: skip


def _fetched(report: dict, submission: Submission) -> dict:
    """The files the runner read back, only those asked for, within the submission's cap."""
    import binascii

    if not submission.fetch:
        return {}
    asked, files, total = set(submission.fetch), [], 0
    refused = [(str(k), str(v)[:200]) for k, v in (report.get("fetch_refused") or {}).items() if k in asked]
    for name, text in (report.get("fetched") or {}).items():
        try:
            data = binascii.a2b_base64(text)
        except (binascii.Error, TypeError):
            data = None
        if name not in asked or data is None or total + len(data) > submission.fetch_bytes:
            refused.append((str(name)[:200], "not read back"))
            continue
        total += len(data)
        files.append((name, data))
    return {"files": tuple(files), "fetch_refused": tuple(refused)}


def case_wall_bound(limits: Limits) -> float:
    """The longest a test case can take in the runner: its wall cap, extended up to
    `STARVED_WAITS` times while the host starves it of CPU, plus the runner's own work."""
    from sandboxes.runner import STARVED_WAITS

    return (limits.time_s * limits.wall_factor + 0.5) * (1 + STARVED_WAITS) + 0.5


def submission_wall_bound(submission: Submission) -> float:
    """The longest the runner can take on a submission: every case at its language's limits
    (languages.py), and its compilation."""
    from dataclasses import replace

    from sandboxes.languages import COMPILE_TIME_S, JVM_TIME_EXTRA_S

    lim = submission.limits
    extra = JVM_TIME_EXTRA_S if submission.language == "java" else 0.0
    cases = case_wall_bound(replace(lim, time_s=lim.time_s + extra)) * max(1, len(submission.tests))
    return cases + (case_wall_bound(replace(lim, time_s=COMPILE_TIME_S)) if submission.language != "python" else 0.0)


def runner_source() -> str:
    from pathlib import Path

    return (Path(__file__).with_name("runner.py")).read_text()


# How a backend starts the runner: `python3 -I -S -c BOOT MAGIC CODE SOURCE`. CODE is the runner
# compiled here once (marshal, zlib, base64), SOURCE the same runner as text (zlib, base64). An
# interpreter whose bytecode is this one's (the same MAGIC number: the image's Python 3.11 and the
# grader's) loads CODE; any other compiles SOURCE, as `-c SOURCE` always did. Not compiling 100 KB
# of source saves ~27 ms of CPU per runner start in the image (~42 -> ~15 ms), which every
# `docker exec` and every bubblewrap sandbox pays, and it saves on every test too: the parser's
# freed memory stayed in the heap the zygote is forked from (~10 MB anonymous memory instead of
# ~3.3 MB), and forking and exiting that copy cost ~0.3 ms more per test (issue 24). The three
# strings leave sys.argv before the runner runs, which sees ['-c', flags...] as it always did; its
# code is named '<string>' as with `-c SOURCE`. Each string must stay under the kernel's 128 KiB.
# A persistent runner (`--persistent`, one start for many batches) then starts the interpreter
# again with its code in a memfd (`--from-fd N`): the interpreter keeps copies of its argv (wide
# strings in its config, sys.orig_argv) that no runner code can free, 172 KB of base64 that made
# the zygote's anonymous memory 6.2 MB instead of 3.5 MB, copied by every fork and torn down by
# every exit. One more exec (~10 ms) per persistent runner; a one-shot runner does not pay it.
RUNNER_BOOT = """\
import sys
def _runner_code(magic, code, source):
    from binascii import a2b_base64
    from zlib import decompress
    if sys.modules['_frozen_importlib_external'].MAGIC_NUMBER == a2b_base64(magic):
        import marshal
        return marshal.loads(decompress(a2b_base64(code)))
    return compile(decompress(a2b_base64(source)), '<string>', 'exec')
def _restart(code):
    import marshal, os
    fd, data = os.memfd_create('runner', 0), marshal.dumps(code)
    while data:
        data = data[os.write(fd, data):]
    at = sys.orig_argv.index('-c')
    os.execv(sys.executable, [*sys.orig_argv[:at + 2], '--from-fd', str(fd), *sys.argv[1:]])
def _from_fd(fd):
    import marshal, os
    data = bytearray()
    while chunk := os.pread(fd, 1 << 20, len(data)):
        data += chunk
    os.close(fd)
    return marshal.loads(data)
if sys.argv[1] == '--from-fd':
    _code, sys.argv[1:3] = _from_fd(int(sys.argv[2])), ()
else:
    _code, sys.argv[1:4] = _runner_code(*sys.argv[1:4]), ()
    if '--persistent' in sys.argv:
        _restart(_code)
del _runner_code, _restart, _from_fd
exec(_code)
"""
_ARG_MAX_STRLEN = 131072  # the kernel's MAX_ARG_STRLEN: the longest one argv string may be


def runner_command(python: str) -> list[str]:
    """The argv that starts the runner with `python` (flags such as --sandboxed go after it)."""
    return [python, "-I", "-S", "-c", RUNNER_BOOT, *_runner_args()]


@functools.lru_cache(maxsize=1)
def _runner_args() -> tuple[str, str, str]:
    import binascii
    import importlib.util
    import marshal
    import zlib

    from ringdata.core.errors import RingdataError

    source = runner_source()
    code = marshal.dumps(compile(source, "<string>", "exec", dont_inherit=True, optimize=0))  # as `python3 -c` compiles it
    args = tuple(binascii.b2a_base64(data, newline=False).decode()
                 for data in (importlib.util.MAGIC_NUMBER, zlib.compress(code, 9), zlib.compress(source.encode(), 9)))  # fmt: skip
    if any(len(a) >= _ARG_MAX_STRLEN for a in args):  # a limit of the kernel's, not of ours
        raise RingdataError("the runner outgrew one argv string (128 KiB): send it on stdin instead")
    return args  # type: ignore[return-value]
