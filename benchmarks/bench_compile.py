"""C++ compile cost with and without the precompiled <bits/stdc++.h>, in the same run.

    python benchmarks/bench_compile.py [--backends docker,local] [--image TAG] [--rounds 2]

Grades every C++ reference solution of data/code_multilang (each against its own tests) through
each backend, twice per round: once as submissions compile (`-I` the precompiled header's
directory, sandboxes/languages.py) and once with that directory pointed somewhere empty, the
compile before the header existed. The two alternate submission by submission, so load drifts
hit both alike. Prints the median compile CPU seconds per solution (the compiler's own CPU inside
the sandbox, `ExecResult.compile_s`) for each, their ratio (target >= 3x) and the load average;
every solution must pass both ways.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
from pathlib import Path

from rich.console import Console
from rich.table import Table

import sandboxes.languages as languages
from ringdata.core.records import TestCase
from sandboxes import Limits, SandboxChoice, Submission, open_sandbox
from sandboxes.docker_backend import DockerConfig
from sandboxes.image import IMAGE

DATA = Path(__file__).resolve().parent.parent / "data" / "code_multilang" / "problems.jsonl"
FENCE = re.compile(r"```cpp\n(.*?)```", re.S)


def solutions() -> list[Submission]:
    """Every C++ reference solution with its problem's tests."""
    subs = []
    for line in DATA.read_text().splitlines():
        row = json.loads(line)
        tests = tuple(TestCase.from_dict(t) for t in row["tests"])
        for text in row["solutions"]:
            for source in FENCE.findall(text):
                subs.append(Submission(source, tests, Limits(time_s=2.0), language="cpp"))
    return subs


def grade(sandbox, sub: Submission, pch: bool) -> float:
    """Compile CPU seconds of one solution, graded alone (no batch shares its compile)."""
    saved = languages.PCH_DIR
    languages.PCH_DIR = saved if pch else "/nonexistent-ringdata-pch"  # plan() reads it per submission
    try:
        result = sandbox.run(sub)
    finally:
        languages.PCH_DIR = saved
    assert result.passed, f"a reference solution failed ({'with' if pch else 'without'} the header): {result.status}"
    return result.compile_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backends", default="docker,local", help="comma-separated: docker, local")
    ap.add_argument("--image", default=IMAGE, help="sandbox image tag (Docker)")
    ap.add_argument("--rounds", type=int, default=1, help="times each solution is compiled each way")
    args = ap.parse_args()
    console = Console(width=160)
    subs = solutions()
    console.print(f"{len(subs)} C++ solutions; load before: {os.getloadavg()}")
    table = Table(title="C++ compile CPU per solution (median, seconds)")
    for col in ("backend", "solutions", "without the header", "with it", "ratio"):
        table.add_column(col, justify="left" if col == "backend" else "right")
    for kind in [b.strip() for b in args.backends.split(",") if b.strip()]:
        choice = SandboxChoice(kind, docker=DockerConfig(image=args.image, pool_size=1))
        with open_sandbox(choice) as sandbox:
            grade(sandbox, subs[0], True)  # warm-up: page cache
            before, after = [], []
            for _ in range(args.rounds):
                for sub in subs:
                    before.append(grade(sandbox, sub, False))
                    after.append(grade(sandbox, sub, True))
        b, a = statistics.median(before), statistics.median(after)
        table.add_row(kind, str(len(subs)), f"{b:.3f}", f"{a:.3f}", f"{b / a:.1f}x")
    console.print(table)
    console.print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
