"""Container CPU per trivial test for one or more versions of the runner, alternated in one process.

    python benchmarks/bench_runner.py [RUNNER.py ...] [--rounds 5] [--programs 80] [--tests 10]

Each runner file (default: this tree's sandboxes/runner.py; an old one from `git show main:sandboxes/runner.py
> /tmp/old.py`) gets a warm one-container pool of its own, started as the Docker backend starts it;
then, round after round, each pool grades the same trivial submissions (`print(n * n)`, all passing)
and the figure is the CPU its container's cgroup was charged per test executed: the runner, the
zygote and the programs, whatever else the shared cores were doing. The host side is this tree's for
every file, so only the runner differs. Prints every round and the median, with the load.

A before/after comparison of a runner change needs no second worktree, and one container graded
sequentially keeps the figure free of the pool's scheduling: it is what bench_sandbox's
tests/box-CPU-s column measures, with less around it.
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import subprocess
import time

import sandboxes.base as base
from ringdata.core.records import TestCase
from sandboxes import Limits, Submission
from sandboxes.docker_backend import DockerConfig, DockerSandbox

PROGRAM = "n = int(input())\nprint(n * n)\n# submission {i}\n"


def container_cpu_s(container_id: str) -> float:
    """CPU seconds the container's cgroup was charged (cgroup v1 cpuacct or v2 cpu.stat)."""
    for path in glob.glob(f"/sys/fs/cgroup/**/*{container_id}*/cpuacct.usage", recursive=True):
        with open(path) as f:
            return int(f.read()) / 1e9
    for path in glob.glob(f"/sys/fs/cgroup/**/*{container_id}*/cpu.stat", recursive=True):
        with open(path) as f:
            return int(f.read().split("usage_usec", 1)[1].split()[0]) / 1e6
    raise RuntimeError(f"no cgroup found for container {container_id[:12]}")


def pool_for(runner_file: str) -> DockerSandbox:
    """A one-container pool whose runner is `runner_file` (read once, when the pool starts it)."""
    base._runner_args.cache_clear()
    base.runner_source = lambda: open(runner_file).read()
    return DockerSandbox(DockerConfig(pool_size=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runners", nargs="*", default=[os.path.join(os.path.dirname(base.__file__), "runner.py")])
    ap.add_argument("--rounds", type=int, default=5, help="rounds; each grades the workload once per runner")
    ap.add_argument("--programs", type=int, default=80, help="submissions per round")
    ap.add_argument("--tests", type=int, default=10, help="tests per submission")
    args = ap.parse_args()
    tests = tuple(TestCase(input=f"{i}\n", output=f"{i * i}\n") for i in range(args.tests))
    work = [Submission(PROGRAM.format(i=i), tests, Limits(time_s=2.0)) for i in range(args.programs)]
    pools = {}
    try:
        for name in args.runners:
            pools[name] = pool_for(name)
            pools[name].run_many(work[:2])  # the first batch pays for page-cache misses
        print(f"load before: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
        per_test: dict[str, list[float]] = {name: [] for name in pools}
        for r in range(args.rounds):
            for name, pool in pools.items():
                container = next(iter(pool._all))
                cpu, wall = container_cpu_s(container), time.perf_counter()
                results = pool.run_many(work)
                cpu, wall = container_cpu_s(container) - cpu, time.perf_counter() - wall
                n = sum(len(res.cases) for res in results)
                assert all(res.passed for res in results), f"{name} graded a trivial program wrongly"
                per_test[name].append(1000 * cpu / n)
                print(f"round {r} {name}: {1000 * cpu / n:.3f} container CPU-ms per test ({n / wall:.0f} tests/s wall)")
        for name, xs in per_test.items():
            print(f"{name}: median {statistics.median(xs):.3f} container CPU-ms per test, "
                  f"{1000 / statistics.median(xs):.0f} tests per container CPU-s ({len(xs)} rounds)")  # fmt: skip
        print(f"load after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    finally:
        for pool in pools.values():
            pool.close()


if __name__ == "__main__":
    main()
