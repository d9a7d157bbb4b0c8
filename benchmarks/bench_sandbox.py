"""Sandbox throughput: the warm Docker pool against a container per test, in the same run.

    python benchmarks/bench_sandbox.py [--programs 240] [--tests 10] [--pool 4] [--batch 8] [--baseline 24]
                                       [--languages python,cpp,java] [--compiled-programs 48] [--image TAG]

Grades `--programs` submissions (a quarter each right, wrong, crashing, slow: ~20 ms of CPU per
test) of `--tests` stdin/stdout tests each, stopping at the first failure as the grader does, in:

1. the warm pool (`DockerSandbox.run_many`: one `docker exec` per batch of up to 8 submissions,
   a forked process per test), as `CodeGrader.grade_many` uses it;
2. the pool without batching (one submission per exec) and recycling its container after every
   submission (the alternative to in-place cleaning that the sandbox design weighed);
3. the baseline: one `docker run --rm` per test with the same hardening flags, on a subsample of
   `--baseline` submissions (it is ~50x slower; the ratio is per test executed, so a subsample
   measures it fairly), with as many runs in flight as the pool has containers.

Then, per compiled language (C++, Java), the same mixed workload of `--compiled-programs`
submissions (each a distinct source, as sampled responses are, so each compiles), through the warm
pool and through the baseline (`docker run` to compile into a host directory, then one `docker run`
per test of the compiled program); the compile cost is shown apart (CPU seconds per submission
inside the pool, wall seconds per submission for the baseline).

And the target case, trivial programs only, through the warm pool. Prints tests/s, submissions/s,
p50/p99 latency per submission and the ratios in a table; the machine's load (`uptime`) goes
beside the figures because the cores are shared. Targets: >= 10x the baseline, >= 100 tests/s for
trivial programs on 2 cores.

Also tests per CPU-second for the pool modes: the CPU the grading cost whatever else the machine
was doing, which is steadier than tests/s on shared cores: the pool containers' cgroups, the
engine (dockerd and containerd, shared with anyone else using the engine; the shims of this pool's
containers and the runc processes they started: `EngineCPU`) and this process; and per CPU-second inside the containers alone (the runner and the programs: one
cgroup per run holds the pool's containers, so those replaced mid-run still count, `PoolCgroup`). `--quick` runs the warm
pool modes only, for every language asked for (before/after comparisons of the runner).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ringdata.core.records import TestCase
from sandboxes import Limits, Submission
from sandboxes.docker_backend import UID, DockerConfig, DockerSandbox
from sandboxes.image import IMAGE
from sandboxes.runner import compare_outputs

LIMITS = Limits(time_s=2.0)
KINDS = {
    "right": "n = int(input())\nprint(n * n)\n",
    "wrong": "n = int(input())\nprint(n * n + (n > 4))\n",  # passes 5 tests, then fails
    "crash": "n = int(input())\nprint([n][n])\n",  # passes test 0, then IndexError
    "slow": "import time\nn = int(input())\nend = time.process_time() + 0.02\nwhile time.process_time() < end:\n    pass\nprint(n * n)\n",
}


CPP = "#include <cstdio>\n#include <ctime>\n#include <vector>\nint main() {{ long long n; scanf(\"%lld\", &n); {body} }}\n"
CPP_KINDS = {
    "right": CPP.format(body='printf("%lld\\n", n * n);'),
    "wrong": CPP.format(body='printf("%lld\\n", n * n + (n > 4));'),
    "crash": CPP.format(body='std::vector<long long> v{n}; printf("%lld\\n", v.at(n));'),  # out_of_range from test 1 on
    "slow": CPP.format(body="clock_t end = clock() + CLOCKS_PER_SEC / 50; while (clock() < end) {} "
                            'printf("%lld\\n", n * n);'),  # fmt: skip
}
JAVA = ("import java.util.*;\npublic class Main {{\n    public static void main(String[] args) {{\n"
        "        long n = new Scanner(System.in).nextLong();\n        {body}\n    }}\n}}\n")  # fmt: skip
JAVA_KINDS = {
    "right": JAVA.format(body="System.out.println(n * n);"),
    "wrong": JAVA.format(body="System.out.println(n * n + (n > 4 ? 1 : 0));"),
    "crash": JAVA.format(body="System.out.println(new long[]{n}[(int) n]);"),
    "slow": JAVA.format(body="long end = System.nanoTime() + 20_000_000L; while (System.nanoTime() < end) {} "
                            "System.out.println(n * n);"),  # fmt: skip
}
SOURCES = {"python": (KINDS, "# submission {i}\n"), "cpp": (CPP_KINDS, "// submission {i}\n"),
           "java": (JAVA_KINDS, "// submission {i}\n")}  # fmt: skip


def workload(n_programs: int, n_tests: int, kinds: tuple[str, ...] = tuple(KINDS), language: str = "python"):
    """(kind, submission) pairs, the kinds in turn; every source is distinct (a numbered comment)."""
    sources, comment = SOURCES[language]
    tests = tuple(TestCase(input=f"{i}\n", output=f"{i * i}\n") for i in range(n_tests))
    return [
        (kind, Submission(sources[kind] + comment.format(i=i), tests, LIMITS, language=language))
        for i in range(n_programs)
        for kind in [kinds[i % len(kinds)]]
    ]


ENGINE = ("dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2", "runc")


class EngineCPU:
    """CPU seconds since this was made of the Docker engine (dockerd, containerd), the
    containerd-shims of this pool's containers (`ours()`: their ids, asked at the start and at the
    end) with the runc processes they reaped (one per `docker exec`), and this process. Other
    pools' shims (other users of the engine) are left out; dockerd and containerd serve everyone,
    so the figure still holds what they did for others meanwhile.

    A shim is also the parent of every process it started in its container: it reaps each exec'd
    runner, and with it the runner's whole tree (the zygote, the programs), so its children's CPU
    holds the container's CPU, which the box column already counts; `cpu_s(box)` takes that off.
    Per process (pid and start time): a live process counts what it spent since the start (all of
    it if it is new); one that exited meanwhile drops out with what it had. Summing the live
    processes at the end minus at the start instead subtracted every process that exited in
    between: the shims of the previous run's containers, removed in the background, took their
    whole CPU off the sum (-2945 tests per CPU-second for the trivial row, issue 24). What a
    process that exited mid-run spent in the run is lost: the figure errs low, never below zero."""

    def __init__(self, ours: Callable[[], set[str]]) -> None:
        self.ours = ours
        self.ids, self.start, self.me = ours(), self._ticks(), self._mine()

    @staticmethod
    def _mine() -> float:
        me = os.times()
        return me.user + me.system + me.children_user + me.children_system

    @staticmethod
    def _ticks() -> dict[tuple[int, int], tuple[int, int, str | None]]:
        """{(pid, start time): (own CPU ticks, reaped children's ticks, the container id of a shim)}"""
        found = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    text = f.read()
                name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
                shim = name.startswith("containerd-shim")
                if not (shim or name in ENGINE):
                    continue
                container = None
                if shim:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        argv = f.read().decode(errors="replace").split("\0")
                    container = argv[argv.index("-id") + 1] if "-id" in argv[:-1] else ""
            except (OSError, ValueError):
                continue
            found[(int(pid), int(rest[19]))] = (int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14]), container)
        return found

    def cpu_s(self, box: float) -> float:
        """The CPU since the start, `box` (the containers' own CPU meanwhile) not counted twice."""
        ids, hz = self.ids | self.ours(), os.sysconf("SC_CLK_TCK")
        own = reaped = 0
        for key, (mine, children, container) in self._ticks().items():
            if container is None or container in ids:
                was = self.start.get(key, (0, 0, None))
                own += mine - was[0]
                reaped += children - was[1] if container else 0
                own += children - was[1] if not container else 0
        return own / hz + max(0.0, reaped / hz - box) + self._mine() - self.me


class PoolCgroup:
    """A cgroup (v1, cgroupfs driver) that holds one run's pool containers, created with the CPU
    weight the containers would have had at the root (`cpu_shares` each; 1024 for the pool with
    --engine-cgroup, the weight of docker's own group), so the pool competes with host processes
    as it does outside the benchmark. Its cpuacct counter is the CPU of the runner
    and the programs in every container the pool ever had: the kernel charges each container's
    usage to its ancestors as it happens, so a container replaced mid-run (unhealthy, or
    `recycle_every`) keeps counting. Summing the live containers' counters at the end instead lost
    the replaced ones' CPU and could go below the start: -731 tests per box-CPU-second (issue 24)."""

    ROOT = "/sys/fs/cgroup"

    def __init__(self, config: DockerConfig) -> None:
        self.name = f"ringdata-bench-{os.getpid()}-{time.monotonic_ns()}"
        self.ok = os.path.isfile(f"{self.ROOT}/cpuacct/cpuacct.usage") and os.access(f"{self.ROOT}/cpu", os.W_OK)
        if self.ok:
            for hierarchy in ("cpu", "cpuacct"):
                os.makedirs(f"{self.ROOT}/{hierarchy}/{self.name}", exist_ok=True)
            with open(f"{self.ROOT}/cpu/{self.name}/cpu.shares", "w") as f:
                # --engine-cgroup (cpu_shares=0): one weight for the whole pool, as docker's own group has
                f.write(str(config.cpu_shares * config.pool_size if config.cpu_shares else 1024))

    def cpu_s(self) -> float:
        """CPU seconds charged so far to the pool's containers (0.0 without a cgroup v1 cpuacct)."""
        if not self.ok:
            return 0.0
        with open(f"{self.ROOT}/cpuacct/{self.name}/cpuacct.usage") as f:
            return int(f.read()) / 1e9

    def remove(self) -> None:
        for hierarchy in ("cpu", "cpuacct"):
            for _ in range(50):  # containers removed in the background leave their cgroups shortly after
                try:
                    os.rmdir(f"{self.ROOT}/{hierarchy}/{self.name}")
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


@dataclass
class Run:
    name: str
    submissions: int
    tests: int  # test executions (stopping at the first failure)
    seconds: float
    latencies: list[float]
    statuses: dict[str, int]
    note: str = ""
    cpu_s: float = 0.0  # CPU seconds of containers + engine + this process; 0 = not measured
    box_cpu_s: float = 0.0  # CPU seconds inside the containers only: runner and programs
    compile_s: float | None = None  # per submission: CPU inside the pool, wall for the baseline

    @property
    def tests_per_s(self) -> float:
        return self.tests / self.seconds

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))]


def run_pool(name: str, config: DockerConfig, work, progress: Progress, note: str = "") -> Run:
    """Through `run_many`, as `CodeGrader.grade_many` does (batches of submissions per exec).
    A submission's latency is its exec's: submissions batched together share it."""
    group = PoolCgroup(config)
    if group.ok:
        config = replace(config, cgroup_parent=f"/{group.name}")
    try:
        with DockerSandbox(config) as sandbox:
            sandbox.run(work[0][1])  # warm-up: the first exec pays for page-cache misses
            task = progress.add_task(name, total=len(work))
            box0, engine = group.cpu_s(), EngineCPU(lambda: set(sandbox._all))
            started = time.perf_counter()
            results = sandbox.run_many([s for _, s in work], on_done=lambda n: progress.advance(task, n))
            seconds = time.perf_counter() - started
            box = group.cpu_s() - box0
            cpu = engine.cpu_s(box) + box if box else 0.0
            if sandbox.recycled:  # each was replaced: its CPU counts all the same (PoolCgroup)
                note = f"{note}; {sandbox.recycled} containers replaced".lstrip("; ")
    finally:
        group.remove()
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status.value] = statuses.get(r.status.value, 0) + 1
    latencies = [r.wall_s for r in results]
    compiled = work[0][1].language != "python"
    return Run(name, len(work), sum(len(r.cases) for r in results), seconds, latencies, statuses, note, cpu, box,
               compile_s=sum(r.compile_s for r in results) / len(results) if compiled else None)  # fmt: skip


def docker_run(image: str, build: str | None = None, writable: bool = False) -> list[str]:
    """`docker run` with the pool's hardening flags; `build` is a host directory mounted at /build
    (the compiled program, or where the compiler writes it)."""
    mount = ["-v", f"{build}:/build:{'rw' if writable else 'ro'}"] if build else []
    return [
        "docker", "run", "--rm", "-i", "--network", "none", "--read-only", "--user", UID,
        "--tmpfs", "/work:rw,size=64m,uid=10001,gid=10001,mode=0700,noexec,nosuid,nodev", *mount,
        "--memory", "1024m", "--memory-swap", "1024m", "--pids-limit", "64", "--cpus", "1",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--ipc", "none", "--log-driver", "none",
        "-w", "/work", "-e", "TMPDIR=/work", image,
    ]  # fmt: skip


def baseline_program(sub: Submission, image: str, build: str) -> tuple[list[str] | None, float]:
    """(the command that runs the program once, compile wall seconds): Python runs its source;
    C++ and Java are compiled once into `build` by a `docker run` of their own."""
    if sub.language == "python":
        return docker_run(image) + ["python3", "-I", "-S", "-c", sub.program], 0.0
    from sandboxes.languages import CPP_FLAGS, JAVAC_FLAGS, JVM_FLAGS

    os.chmod(build, 0o777)
    if sub.language == "cpp":
        name, compile_ = "solution.cpp", ["g++", *CPP_FLAGS, "-o", "/build/solution", "/build/solution.cpp"]
        run = docker_run(image, build) + ["/build/solution"]
    else:
        name, compile_ = "Main.java", ["javac", *JAVAC_FLAGS, "-d", "/build", "/build/Main.java"]
        run = docker_run(image, build) + ["java", f"-Xmx{sub.limits.memory_mb}m", *JVM_FLAGS, "-cp", "/build", "Main"]
    with open(os.path.join(build, name), "w") as f:
        f.write(sub.program)
    t = time.perf_counter()
    proc = subprocess.run(docker_run(image, build, writable=True) + compile_, capture_output=True)
    return (run if proc.returncode == 0 else None), time.perf_counter() - t


def run_baseline(work, parallel: int, progress: Progress, image: str = IMAGE) -> Run:
    """One `docker run` per test, stopping each submission at its first failure (compiled
    languages: one more `docker run` per submission to compile)."""
    import tempfile

    task = progress.add_task("baseline: docker run per test", total=len(work))
    latencies: list[float] = []
    executed: list[int] = []
    statuses: dict[str, int] = {}
    compiles: list[float] = []

    def one(sub: Submission):
        t = time.perf_counter()
        status = "passed"
        with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as build:
            command, seconds = baseline_program(sub, image, build)
            compiles.append(seconds)
            for n, case in enumerate(sub.tests, 1):
                if command is None:
                    status = "compile_error"
                    break
                try:
                    proc = subprocess.run(
                        command, input=case.input.encode(), capture_output=True,
                        timeout=LIMITS.time_s * LIMITS.wall_factor + 10,
                    )
                    ok = proc.returncode == 0 and compare_outputs(case.output, proc.stdout.decode())[0]
                    status = "passed" if ok else ("wrong_answer" if proc.returncode == 0 else "runtime_error")
                except subprocess.TimeoutExpired:
                    status = "time_limit"
                if status != "passed":
                    break
        executed.append(n)
        statuses[status] = statuses.get(status, 0) + 1
        latencies.append(time.perf_counter() - t)
        progress.advance(task)

    started = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, [s for _, s in work]))
    seconds = time.perf_counter() - started
    language = work[0][1].language
    return Run(f"docker run per test (baseline){'' if language == 'python' else ', ' + language}", len(work),
               sum(executed), seconds, latencies, statuses, f"subsample of {len(work)} submissions",
               compile_s=sum(compiles) / len(compiles) if language != "python" else None)  # fmt: skip


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--programs", type=int, default=240, help="submissions in the mixed workload")
    ap.add_argument("--tests", type=int, default=10, help="tests per submission")
    ap.add_argument("--pool", type=int, default=4, help="warm containers (and baseline runs in flight)")
    ap.add_argument("--batch", type=int, default=8, help="submissions per exec in the warm pool")
    ap.add_argument("--baseline", type=int, default=24, help="submissions graded by the baseline")
    ap.add_argument("--quick", action="store_true", help="only the two warm-pool modes (before/after comparisons)")
    ap.add_argument("--engine-cgroup", action="store_true",
                    help="containers in the engine's default cgroup with its default CPU weight (as before the weight was added)")
    ap.add_argument("--languages", default="python,cpp,java", help="languages to measure (comma-separated)")
    ap.add_argument("--compiled-programs", type=int, default=48, help="submissions per compiled language")
    ap.add_argument("--image", default=IMAGE, help="sandbox image tag")
    args = ap.parse_args()
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    console = Console(width=200)
    console.print(f"cores: {os.cpu_count()}  load before: {load()}")
    mixed = workload(args.programs, args.tests)
    trivial = workload(args.programs, args.tests, kinds=("right",))
    sub = mixed[: args.baseline]  # the kinds cycle, so the first N keep the workload's mix
    cfg = DockerConfig(image=args.image, pool_size=args.pool, batch=args.batch)
    if args.engine_cgroup:
        cfg = DockerConfig(image=args.image, pool_size=args.pool, batch=args.batch, cgroup_parent="", cpu_shares=0)
    runs, per_language = [], {}
    with Progress(console=console, transient=True) as progress:
        if "python" in languages:
            runs = [
                run_pool("warm pool, mixed", cfg, mixed, progress),
                run_pool("warm pool, trivial programs", cfg, trivial, progress),
            ]
            if args.quick:
                pass
            else:
                runs += [
                    run_pool("warm pool, one submission per exec, mixed",
                             DockerConfig(image=args.image, pool_size=args.pool, batch=1), mixed, progress),
                    run_pool("warm pool, new container per submission, mixed",
                             DockerConfig(image=args.image, pool_size=args.pool, batch=1, recycle_every=1),
                             mixed[: len(mixed) // 4], progress, f"first {len(mixed) // 4} submissions"),
                    run_baseline(sub, args.pool, progress, args.image),
                ]  # fmt: skip
        for lang in (lang for lang in languages if lang != "python"):
            work = workload(args.compiled_programs, args.tests, language=lang)
            per_language[lang] = [run_pool(f"warm pool, mixed, {lang}", cfg, work, progress)]
            if not args.quick:
                per_language[lang].append(run_baseline(work[: max(4, args.baseline // 3)], args.pool, progress, args.image))
    _table(console, args, ([runs] if runs else []) + list(per_language.values()))
    if args.quick:  # the warm pool only: no baseline to compare with
        return
    expected = {"right": "passed", "wrong": "wrong_answer", "crash": "runtime_error", "slow": "passed"}
    for lang, group in per_language.items():
        work = workload(args.compiled_programs, args.tests, language=lang)
        want = {s: sum(1 for k, _ in work if expected[k] == s) for s in set(expected.values())}
        assert group[0].statuses == {s: n for s, n in want.items() if n}, (
            f"the pool graded the {lang} workload wrongly: {group[0].statuses}")
        console.print(f"{lang}: warm pool vs docker run per test: [bold]{group[0].tests_per_s / group[1].tests_per_s:.1f}x[/]")
    if not runs:
        return
    base = runs[-1].tests_per_s
    mixed_ratio, trivial_rate = runs[0].tests_per_s / base, runs[1].tests_per_s
    console.print(
        f"warm pool vs container per test: [bold]{mixed_ratio:.1f}x[/] (target >= 10x); "
        f"trivial programs: [bold]{trivial_rate:.0f} tests/s[/] (target >= 100 on 2 cores)"
    )
    assert runs[0].statuses == {
        s: sum(1 for k, _ in mixed if expected[k] == s) for s in set(expected.values())
    }, f"the pool graded the mixed workload wrongly: {runs[0].statuses}"


def _table(console: Console, args, groups: list[list[Run]]) -> None:
    """One row per run; each group's last run is its baseline (a group of pool runs only has none)."""
    table = Table(title=f"sandbox throughput ({args.tests} tests per submission, stop at first failure)")
    for col in ("mode", "submissions", "tests run", "seconds", "tests/s", "tests/CPU-s", "tests/box-CPU-s", "subm/s",
                "p50 s", "p99 s", "x baseline", "compile s/subm", "statuses"):  # fmt: skip
        table.add_column(col, justify="right" if col not in ("mode", "statuses") else "left")
    for group in groups:
        base = group[-1].tests_per_s if group[-1].name.startswith("docker run") else None
        for r in group:
            table.add_row(
                r.name + (f"\n[dim]{r.note}[/]" if r.note else ""), str(r.submissions), str(r.tests), f"{r.seconds:.1f}",
                f"{r.tests_per_s:.1f}", f"{r.tests / r.cpu_s:.1f}" if r.cpu_s else "-",
                f"{r.tests / r.box_cpu_s:.1f}" if r.box_cpu_s else "-", f"{r.submissions / r.seconds:.2f}",
                f"{r.pct(0.5):.3f}", f"{r.pct(0.99):.3f}", f"{r.tests_per_s / base:.1f}" if base else "-",
                "" if r.compile_s is None else f"{r.compile_s:.2f}", " ".join(f"{k}={v}" for k, v in sorted(r.statuses.items())),
            )  # fmt: skip
    console.print(table)
    console.print(f"load after: {load()}")


if __name__ == "__main__":
    main()
