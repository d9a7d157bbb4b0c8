"""What a JVM per test costs under other start-up flags, in the sandbox image, in the same run.

    python benchmarks/bench_jvm.py [--variants base,g1,cts5] [--programs triv,scan,...] [--rounds 11] [--image TAG]

A Java test case is a fresh JVM (sandboxes/languages.py `JVM_FLAGS`), so its start-up is most of
what a short test costs. This runs small probe programs inside one `docker run` of the image (one
CPU, the pool's user, read-only root, /work a tmpfs), each under `JVM_FLAGS` (with the JDK's own
class-data archive; `archive` adds the image's contest archive, as the runner does) and under every
variant asked for, alternated program by program and round by round so that load drifts hit all
alike, and prints the median CPU (user + sys of the JVM, all its threads) per program and variant
and its ratio to `JVM_FLAGS`. Every variant must print what `JVM_FLAGS` prints.

A flag can only be applied if no program costs more under it, since the per-test CPU limit is
what decides `time_limit`: the probes are chosen to find the programs a start-up saving is paid
for by (allocation-heavy, CPU-bound loops, many lukewarm methods that a JIT policy compiles later),
beside the start-up-bound ones (a `BufferedReader` or `Scanner` read, lambdas and streams).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess

from rich.console import Console
from rich.table import Table

from sandboxes.docker_backend import UID
from sandboxes.image import IMAGE
from sandboxes.languages import ENV, JVM_ARCHIVE, JVM_FLAGS

_LUKEWARM_BODY = " ".join(f"x = x * {31 + k} + (x >>> {1 + k % 13}) ^ {k * 7};" for k in range(40))
PROGRAMS = {  # class name -> source; each reads "12 30" from stdin or nothing
    "Triv": "import java.io.*; public class Triv { public static void main(String[] a) throws IOException {"
            " String[] p = new BufferedReader(new InputStreamReader(System.in)).readLine().trim().split(\" \");"
            " System.out.println(Long.parseLong(p[0]) + Long.parseLong(p[1])); } }",
    "Scan": "import java.util.*; public class Scan { public static void main(String[] a) {"
            " Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }",
    "Lam": "import java.io.*; import java.util.*; import java.util.stream.*; public class Lam {"
           " public static void main(String[] a) throws IOException {"
           " int[] xs = Arrays.stream(new BufferedReader(new InputStreamReader(System.in)).readLine().trim().split(\"\\\\s+\"))"
           ".mapToInt(Integer::parseInt).toArray();"
           " List<Integer> l = IntStream.of(xs).boxed().sorted(Comparator.reverseOrder()).collect(Collectors.toList());"
           " System.out.println(String.format(\"%d %s\", l.stream().mapToInt(x -> x).sum(),"
           " l.stream().map(String::valueOf).collect(Collectors.joining(\",\")))); } }",
    # garbage in collections: what a collector's barriers and heap sizing cost
    "Alloc": "import java.util.*; public class Alloc { public static void main(String[] a) { long t = 0;"
             " for (int rep = 0; rep < 6; rep++) { HashMap<Integer, List<Integer>> m = new HashMap<>();"
             " for (int i = 0; i < 300000; i++) m.computeIfAbsent(i % 50000, k -> new ArrayList<>()).add(i);"
             " StringBuilder sb = new StringBuilder(); for (List<Integer> l : m.values()) { t += l.size(); sb.append(l.get(0)).append(','); }"
             " t += sb.length(); TreeMap<String, Integer> tm = new TreeMap<>();"
             " for (int i = 0; i < 60000; i++) tm.put(\"k\" + (i * 7919 % 60000), i); t += tm.firstEntry().getValue(); }"
             " System.out.println(t); } }",
    # hot loops (on-stack replacement) and deep recursion: the JIT's steady state
    "Cpu": "public class Cpu { static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }"
           " public static void main(String[] a) { int n = 20000000; boolean[] c = new boolean[n + 1]; long s = 0;"
           " for (int i = 2; (long) i * i <= n; i++) if (!c[i]) for (int j = i * i; j <= n; j += i) c[j] = true;"
           " for (int i = 2; i <= n; i++) if (!c[i]) s += i; System.out.println(s + fib(32)); } }",
    # 300 loop-free methods called 5,000 times each: a JIT that compiles later interprets them longer
    "Luke": "public class Luke { "
            + " ".join(f"static long m{m}(long x) {{ {_LUKEWARM_BODY} return x + {m}; }}" for m in range(300))
            + " public static void main(String[] a) { long s = 0; for (int r = 0; r < 5000; r++) {"
            + " ".join(f"s += m{m}(s + r);" for m in range(300))
            + " } System.out.println(s); } }",
}
VARIANTS = {  # name -> (flags added, flags of JVM_FLAGS dropped)
    "base": ((), ()),
    "g1": (("-XX:+UseG1GC", "-XX:ParallelGCThreads=1", "-XX:ConcGCThreads=1"), ("-XX:+UseSerialGC",)),
    "cts3": (("-XX:CompileThresholdScaling=3",), ()),
    "cts5": (("-XX:CompileThresholdScaling=5",), ()),
    "c1": (("-XX:TieredStopAtLevel=1",), ()),
    "xms128": (("-Xms128m",), ()),
    "notiered": (("-XX:-TieredCompilation",), ()),
    # the image's contest class-data archive (languages.py JVM_ARCHIVE), which the runner adds where
    # current; built from sandboxes/image/probes and the bundled solutions, none of these probes
    "archive": ((f"-XX:SharedArchiveFile={JVM_ARCHIVE}",), ()),
}

# Runs inside the container: compile the probes, then time every (program, variant) in turns.
# `subprocess` reaps each child itself, so its CPU is the growth of the children's rusage around
# the run (one child at a time): user + sys of every thread of the JVM. The job comes on stdin
# (the lukewarm probe's source alone is larger than one argument may be).
_INSIDE = r"""
import json, os, resource, statistics, subprocess, sys
job = json.loads(sys.stdin.read())
os.makedirs("/work/src", exist_ok=True)
for name, source in job["programs"].items():
    with open(f"/work/src/{name}.java", "w") as f:
        f.write(source)
subprocess.run(["javac", "-d", "/work/classes", *[f"/work/src/{n}.java" for n in job["programs"]]], check=True)
cpu = {f"{p} {v}": [] for p in job["programs"] for v in job["variants"]}
out = {}
def used():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
for _ in range(job["rounds"]):
    for p in job["programs"]:
        for v, argv in job["variants"].items():
            before = used()
            got = subprocess.run([*argv, "-cp", "/work/classes", p], input=b"12 30\n", capture_output=True,
                                 env=job["env"], cwd="/work").stdout
            cpu[f"{p} {v}"].append(used() - before)
            out.setdefault(p, {}).setdefault(v, got.decode(errors="replace"))
print(json.dumps({"median": {k: statistics.median(t) for k, t in cpu.items()}, "out": out}))
"""


def argv_of(variant: str, memory_mb: int = 512) -> list[str]:
    added, dropped = VARIANTS[variant]
    return ["java", f"-Xmx{memory_mb}m", *[f for f in JVM_FLAGS if f not in dropped], *added]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", default="base,g1,cts5", help=f"comma-separated, of {','.join(VARIANTS)}")
    ap.add_argument("--programs", default=",".join(PROGRAMS), help="comma-separated probe programs")
    ap.add_argument("--rounds", type=int, default=11, help="runs of each program under each variant")
    ap.add_argument("--image", default=IMAGE, help="sandbox image tag")
    args = ap.parse_args()
    variants = ["base", *[v for v in args.variants.split(",") if v and v != "base"]]
    programs = [p for p in args.programs.split(",") if p]
    job = {"programs": {p: PROGRAMS[p] for p in programs}, "variants": {v: argv_of(v) for v in variants},
           "rounds": args.rounds, "env": {**ENV, "MALLOC_ARENA_MAX": "2"}}  # fmt: skip
    console = Console(width=160)
    console.print(f"load before: {os.getloadavg()}")
    uid, gid = UID.split(":")
    docker = ["docker", "run", "--rm", "-i", "--cpus", "1", "--memory", "1g", "--user", UID, "--read-only",
              "--network", "none", "--tmpfs", f"/work:rw,size=64m,uid={uid},gid={gid},mode=0700", args.image]  # fmt: skip
    done = subprocess.run([*docker, "python3", "-c", _INSIDE], input=json.dumps(job), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    report = json.loads(done.stdout)
    table = Table(title=f"CPU per JVM run, ms (median of {args.rounds}), and the ratio to JVM_FLAGS")
    for col in ("program", *variants):
        table.add_column(col, justify="left" if col == "program" else "right")
    for p in programs:
        base = report["median"][f"{p} base"]
        cells = []
        for v in variants:
            t = report["median"][f"{p} {v}"]
            same = report["out"][p][v] == report["out"][p]["base"]
            cells.append(f"{t * 1000:.1f}" + ("" if v == "base" else f" x{t / base:.2f}") + ("" if same else " OUTPUT DIFFERS"))
        table.add_row(p, *cells)
    console.print(table)
    console.print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
