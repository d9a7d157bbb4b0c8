"""Sandbox throughput: the warm Docker pool against a container per test, in the same run.

    python benchmarks/bench_sandbox.py [--programs 240] [--tests 10] [--pool 4] [--batch 8] [--baseline 24]

Grades `--programs` submissions (a quarter each right, wrong, crashing, slow: ~20 ms of CPU per
test) of `--tests` stdin/stdout tests each, stopping at the first failure as the grader does, in:

1. the warm pool (`DockerSandbox.run_many`: one `docker exec` per batch of up to 8 submissions,
   a forked process per test), as `CodeGrader.grade_many` uses it;
2. the pool without batching (one submission per exec) and recycling its container after every
   submission (the alternative to in-place cleaning that the sandbox design weighed);
3. the baseline: one `docker run --rm` per test with the same hardening flags, on a subsample of
   `--baseline` submissions (it is ~50x slower; the ratio is per test executed, so a subsample
   measures it fairly), with as many runs in flight as the pool has containers.

And the target case, trivial programs only, through the warm pool. Prints tests/s, submissions/s,
p50/p99 latency per submission and the ratios in a table; the machine's load (`uptime`) goes
beside the figures because the cores are shared. Targets: >= 10x the baseline, >= 100 tests/s for
trivial programs on 2 cores.

Also tests per CPU-second for the pool modes: the CPU the grading cost whatever else the machine
was doing, which is steadier than tests/s on shared cores: the pool containers' cgroups, the
engine (dockerd, containerd and its shims, runc: shared with anyone else using the engine) and
this process; and per CPU-second inside the containers alone (the runner and the programs). `--quick` runs the two warm
pool modes only (for before/after comparisons of the runner).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ringdata.records import TestCase
from sandboxes import Limits, Submission
from sandboxes.docker_backend import IMAGE, UID, DockerConfig, DockerSandbox
from sandboxes.runner import compare_outputs

LIMITS = Limits(time_s=2.0)
KINDS = {
    "right": "n = int(input())\nprint(n * n)\n",
    "wrong": "n = int(input())\nprint(n * n + (n > 4))\n",  # passes 5 tests, then fails
    "crash": "n = int(input())\nprint([n][n])\n",  # passes test 0, then IndexError
    "slow": "import time\nn = int(input())\nend = time.process_time() + 0.02\nwhile time.process_time() < end:\n    pass\nprint(n * n)\n",
}


def workload(n_programs: int, n_tests: int, kinds: tuple[str, ...] = tuple(KINDS)) -> list[tuple[str, Submission]]:
    tests = tuple(TestCase(input=f"{i}\n", output=f"{i * i}\n") for i in range(n_tests))
    return [
        (kind, Submission(KINDS[kind] + f"# submission {i}\n", tests, LIMITS))
        for i in range(n_programs)
        for kind in [kinds[i % len(kinds)]]
    ]


ENGINE = ("dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2", "runc")


def engine_cpu() -> float:
    """CPU seconds of the Docker engine's processes (with the children they reaped: runc) and ours."""
    ticks = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                text = f.read()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        if name in ENGINE or name.startswith("containerd-shim"):
            ticks += sum(int(x) for x in rest[11:15])
    me = os.times()
    return ticks / os.sysconf("SC_CLK_TCK") + me.user + me.system + me.children_user + me.children_system


def container_cpu(sandbox) -> float:
    """CPU seconds used so far by the pool's live containers (their cpuacct cgroups)."""
    total = 0.0
    for cid in list(getattr(sandbox, "_all", ())):
        try:
            pid = sandbox._client.api.inspect_container(cid)["State"]["Pid"]
            with open(f"/proc/{pid}/cgroup") as f:
                path = next(line.split(":", 2)[2].strip() for line in f if "cpuacct" in line.split(":")[1])
            with open(f"/sys/fs/cgroup/cpuacct{path}/cpuacct.usage") as f:
                total += int(f.read()) / 1e9
        except (OSError, KeyError, StopIteration, IndexError, ValueError):
            continue
    return total


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

    @property
    def tests_per_s(self) -> float:
        return self.tests / self.seconds

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))]


def run_pool(name: str, config: DockerConfig, work, progress: Progress, note: str = "") -> Run:
    """Through `run_many`, as `CodeGrader.grade_many` does (batches of submissions per exec).
    A submission's latency is its exec's: submissions batched together share it."""
    with DockerSandbox(config) as sandbox:
        sandbox.run(work[0][1])  # warm-up: the first exec pays for page-cache misses
        task = progress.add_task(name, total=len(work))
        box0, engine0 = container_cpu(sandbox), engine_cpu()
        started = time.perf_counter()
        results = sandbox.run_many([s for _, s in work], on_done=lambda n: progress.advance(task, n))
        seconds = time.perf_counter() - started
        box = container_cpu(sandbox) - box0 if not config.recycle_every else 0.0
        cpu = engine_cpu() - engine0 + box if box else 0.0
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status.value] = statuses.get(r.status.value, 0) + 1
    latencies = [r.wall_s for r in results]
    return Run(name, len(work), sum(len(r.cases) for r in results), seconds, latencies, statuses, note, cpu, box)


DOCKER_RUN = [
    "docker", "run", "--rm", "-i", "--network", "none", "--read-only", "--user", UID,
    "--tmpfs", "/work:rw,size=64m,uid=10001,gid=10001,mode=0700,noexec,nosuid,nodev",
    "--memory", "1024m", "--memory-swap", "1024m", "--pids-limit", "64", "--cpus", "1",
    "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--ipc", "none", "--log-driver", "none",
    "-w", "/work", IMAGE, "python3", "-I", "-S", "-c",
]  # fmt: skip


def run_baseline(work, parallel: int, progress: Progress) -> Run:
    """One `docker run` per test, stopping each submission at its first failure."""
    task = progress.add_task("baseline: docker run per test", total=len(work))
    latencies: list[float] = []
    executed: list[int] = []
    statuses: dict[str, int] = {}

    def one(sub: Submission):
        t = time.perf_counter()
        status = "passed"
        for n, case in enumerate(sub.tests, 1):
            try:
                proc = subprocess.run(
                    DOCKER_RUN + [sub.program], input=case.input.encode(), capture_output=True,
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
    return Run("docker run per test (baseline)", len(work), sum(executed), seconds, latencies, statuses,
               f"subsample of {len(work)} submissions")  # fmt: skip


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
    args = ap.parse_args()
    console = Console(width=200)
    console.print(f"cores: {os.cpu_count()}  load before: {load()}")
    mixed = workload(args.programs, args.tests)
    trivial = workload(args.programs, args.tests, kinds=("right",))
    sub = mixed[: args.baseline]  # the kinds cycle, so the first N keep the workload's mix
    cfg = DockerConfig(pool_size=args.pool, batch=args.batch)
    if args.engine_cgroup:
        cfg = DockerConfig(pool_size=args.pool, batch=args.batch, cgroup_parent="", cpu_shares=0)
    with Progress(console=console, transient=True) as progress:
        runs = [
            run_pool("warm pool, mixed", cfg, mixed, progress),
            run_pool("warm pool, trivial programs", cfg, trivial, progress),
        ]
        if args.quick:
            _table(console, args, runs, None)
            return
        runs += [
            run_pool("warm pool, one submission per exec, mixed", DockerConfig(pool_size=args.pool, batch=1),
                     mixed, progress),
            run_pool("warm pool, new container per submission, mixed",
                     DockerConfig(pool_size=args.pool, batch=1, recycle_every=1),
                     mixed[: len(mixed) // 4], progress, f"first {len(mixed) // 4} submissions"),  # fmt: skip
            run_baseline(sub, args.pool, progress),
        ]
    base = runs[-1].tests_per_s
    _table(console, args, runs, base)
    mixed_ratio, trivial_rate = runs[0].tests_per_s / base, runs[1].tests_per_s
    console.print(
        f"warm pool vs container per test: [bold]{mixed_ratio:.1f}x[/] (target >= 10x); "
        f"trivial programs: [bold]{trivial_rate:.0f} tests/s[/] (target >= 100 on 2 cores)"
    )
    expected = {"right": "passed", "wrong": "wrong_answer", "crash": "runtime_error", "slow": "passed"}
    assert runs[0].statuses == {
        s: sum(1 for k, _ in mixed if expected[k] == s) for s in set(expected.values())
    }, f"the pool graded the mixed workload wrongly: {runs[0].statuses}"


def _table(console: Console, args, runs: list[Run], base: float | None) -> None:
    table = Table(title=f"sandbox throughput ({args.tests} tests per submission, stop at first failure)")
    for col in ("mode", "submissions", "tests run", "seconds", "tests/s", "tests/CPU-s", "tests/box-CPU-s", "subm/s",
                "p50 s", "p99 s", "x baseline", "statuses"):  # fmt: skip
        table.add_column(col, justify="right" if col not in ("mode", "statuses") else "left")
    for r in runs:
        table.add_row(
            r.name + (f"\n[dim]{r.note}[/]" if r.note else ""), str(r.submissions), str(r.tests), f"{r.seconds:.1f}",
            f"{r.tests_per_s:.1f}", f"{r.tests / r.cpu_s:.1f}" if r.cpu_s else "-",
            f"{r.tests / r.box_cpu_s:.1f}" if r.box_cpu_s else "-", f"{r.submissions / r.seconds:.2f}",
            f"{r.pct(0.5):.3f}", f"{r.pct(0.99):.3f}", f"{r.tests_per_s / base:.1f}" if base else "-",
            " ".join(f"{k}={v}" for k, v in sorted(r.statuses.items())),
        )  # fmt: skip
    console.print(table)
    console.print(f"load after: {load()}")


if __name__ == "__main__":
    main()
