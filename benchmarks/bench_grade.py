"""Benchmark: math verifications per second, `rewards.Grader` at full parallelism against
sequential `math_verify.parse` + `verify`, in the same run on the same responses.

    python benchmarks/bench_grade.py              # 1,200 responses, all cores
    python benchmarks/bench_grade.py --n 400 --workers 2
    python benchmarks/bench_grade.py --n 400 --fast-paths both  # also the grader without its fast paths
    python benchmarks/bench_grade.py --n 1000000  # streaming: rows/s and peak RSS at 100k and 1M rows
    python benchmarks/bench_grade.py --n 1000000 --ray  # the same through `grade --ray` (Ray Data)

With --n of 100,000 or more it measures the streaming path instead (`ringdata grade`'s
rewards.stream.grade_file): a JSONL of short answers ("\\boxed{k}", half right, over 1,000
problems) graded in chunks, each size in a fresh process, reporting rows/s and the grading
process's peak RSS (VmHWM; the verifier workers' memory does not grow with the file). Target: RSS
at 1M within 1.5x of RSS at 100k. With the real verifiers 1M rows take ~5-12 minutes on 2 shared
cores (1,400-3,500 rows/s measured under load 12-29); `--no-verify` swaps in an instant grader to
measure the streaming I/O alone; `--ray` grades through `grade --ray auto` (Ray Data, a Ray
instance started in the child; the RSS is the driver's, the grading actors hold one batch each).

The mix: gold answers of MATH (test) and GSM8K (test), each with a model-style response of
500-4,000 characters (reasoning steps with LaTeX, a </think> block, then the final answer in a
\\boxed{}, "The final answer is $...$" or "####"), half right (the gold re-spelled) and half wrong.
Also reported: p50/p99 latency per verification for both, agreement between the two on
right/wrong, timeouts ("hangs": our verdicts with reason timeout, baseline calls over the bound)
and leaked worker processes after the grader is closed. Targets: >= 1.8x the baseline on 2
cores, zero hangs, zero leaked processes. The load average is printed beside the figures: on a
shared machine the wall-clock ratio depends on it, so verifications per CPU-second are printed too (ours: the
parent's and the workers' CPU during the run, start-up excluded as for wall time), with the ratio of
ours to the baseline in both measures. `--fast-paths both` grades the mix a second time with
`MathConfig(fast_paths=False)` (every answer through the LaTeX parser, `rewards.math.fast` off),
in fresh workers, and counts the verdicts that differ (target 0).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = [
    "Let $x$ be the unknown. Then $2x + 3 = {a}$, so $x = \\frac{{{a} - 3}}{{2}}$.",
    "Substituting back, we check that $\\left({b}\\right)^2 - {b} \\cdot {b} = 0$, as expected.",
    "By the Pythagorean theorem, $c^2 = a^2 + b^2 = {a}^2 + {b}^2$.",
    "We factor: $x^2 - {c}x + {a} = (x - r_1)(x - r_2)$ where $r_1 + r_2 = {c}$.",
    "Wait, let me double-check this step. Counting the cases separately gives {a} and {b}.",
    "So the total is ${a} + {b} = {c}$, and dividing by $\\sqrt{{{b}}}$ does not simplify further.",
]


def load_golds(rng: random.Random) -> list[str]:
    golds = [json.loads(l)["answer"] for l in (ROOT / "data/evalsets/math_test.jsonl").open()]
    golds += [json.loads(l)["answer"].split("####")[-1].strip().replace(",", "") for l in (ROOT / "data/evalsets/gsm8k_test.jsonl").open()]
    rng.shuffle(golds)
    return golds


def make_response(gold: str, right: bool, rng: random.Random) -> str:
    target = rng.randint(500, 4000)
    parts = ["<think>"]
    while sum(map(len, parts)) < target - 150:
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        parts.append(rng.choice(STEPS).format(a=a, b=b, c=a + b))
    answer = gold if right else (str(rng.randint(0, 999)) if gold.strip() != "7" else "8")
    parts.append("</think>")
    parts.append(rng.choice([f"Therefore the answer is $\\boxed{{{answer}}}$.",
                             f"Final Answer: The final answer is ${answer}$. I hope it is correct.",
                             f"\\[\\boxed{{{answer}}}\\]"]))
    return "\n\n".join(parts)


def baseline(pairs: list[tuple[str, str]], timeout: int) -> tuple[list[bool], list[float], int]:
    """Sequential math-verify, as a reward function usually calls it (its SIGALRM timeouts on)."""
    from math_verify import parse, verify

    results, latencies, hangs = [], [], 0
    for gold, response in pairs:
        start = time.perf_counter()
        ok = bool(verify(parse(f"${gold}$", parsing_timeout=timeout), parse(response, parsing_timeout=timeout),
                         timeout_seconds=timeout))
        took = time.perf_counter() - start
        hangs += took > timeout
        results.append(ok)
        latencies.append(took)
    return results, latencies, hangs


def ours(pairs: list[tuple[str, str]], workers: int, timeout: float, fast_paths: bool = True) -> tuple[list, list[float], int, list[int], float, int, float]:
    from rewards import GradeConfig, Grader
    from rewards.math import MathConfig
    from rewards.pool import wait_gone
    from ringdata.core.records import Problem

    items = [(Problem(id=str(i), domain="math", source="bench", question="q", answer=g), r) for i, (g, r) in enumerate(pairs)]
    grader = Grader(GradeConfig(workers=workers, timeout_s=timeout, math=MathConfig(fast_paths=fast_paths)))
    grader.pool.wait_ready()  # start the workers (imports) outside the measurement
    pids = grader.pool.pids()
    cpu0, start = _cpu(pids) + time.process_time(), time.perf_counter()
    timed = grader.grade_many_timed(items)
    wall = time.perf_counter() - start
    cpu = _cpu(grader.pool.pids()) + time.process_time() - cpu0  # workers replaced mid-run are not counted
    grader.close()
    leaked = wait_gone(pids)
    hangs = sum(v.reason.value == "timeout" for v, _ in timed)
    return [v for v, _ in timed], [s for _, s in timed], hangs, leaked, wall, len(pids), cpu


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


STREAM_PROBLEMS = 1000


def stream_files(n: int, tmp: Path) -> tuple[Path, Path]:
    """A problems table and a JSONL of `n` short answers, half right."""
    import pyarrow.parquet as pq

    from ringdata.core.records import Problem, problems_to_table

    problems = tmp / "problems.parquet"
    pq.write_table(problems_to_table([Problem(id=f"p{i}", domain="math", source="bench", question="q", answer=str(i))
                                      for i in range(STREAM_PROBLEMS)]), problems)
    responses = tmp / f"responses-{n}.jsonl"
    with responses.open("w") as fh:
        for i in range(n):
            pid = i % STREAM_PROBLEMS
            fh.write(json.dumps({"problem_id": f"p{pid}", "response": f"so \\boxed{{{pid if i % 2 else pid + 1}}}"}) + "\n")
    return problems, responses


class Instant:
    """--no-verify: a stand-in grader that answers at once, so the streaming I/O (read, number,
    write, join, sum) is measured alone at sizes the verifiers would take an hour over."""

    def grade_many_timed(self, items, on_done=None):
        from rewards.verdict import Verdict

        return [(Verdict.right("0"), 0.0) for _ in items]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def stream_child(problems: Path, responses: Path, workers: int, verify: bool, ray: bool = False) -> None:
    """Grade `responses` as `ringdata grade` does (with --ray: `grade --ray auto`, Ray Data on a
    Ray instance started here); print rows, seconds and this process's peak RSS as JSON."""
    from rewards import GradeConfig, Grader
    from rewards.stream import grade_file
    from ringdata.core.io.problems import read_problem_records

    by_id = {p.id: p for p in read_problem_records(problems)}
    out = responses.with_suffix(".grades.parquet")
    if ray:
        from rewards.ray_executor import RayConfig, connect
        from rewards.ray_stream import grade_file_on_ray

        connect("auto")  # started outside the measurement
        start = time.perf_counter()
        run = grade_file_on_ray(by_id, responses, out, GradeConfig(workers=workers), RayConfig())
        seconds = time.perf_counter() - start
    else:
        with Grader(GradeConfig(workers=workers)) if verify else Instant() as grader:
            if verify:
                grader.pool.wait_ready()
            start = time.perf_counter()
            run = grade_file(by_id, responses, out, grader)
            seconds = time.perf_counter() - start
    hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM"))
    print(json.dumps({"rows": run.graded, "seconds": seconds, "peak_rss_mb": hwm / 1024,
                      "correct": run.tally.reasons["correct"]}))


def stream_bench(sizes: list[int], workers: int, verify: bool, ray: bool = False) -> None:
    import subprocess
    import sys
    import tempfile

    how = f"{workers} workers" if verify else "no verification (--no-verify)"
    how += ", on Ray (Ray Data; RSS is the driver's)" if ray else ""
    print(f"streaming grade of short answers: sizes {sizes}, {how}, load average {os.getloadavg()[0]:.2f}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            problems, responses = stream_files(size, Path(tmp))
            cpu0 = os.times()
            out = subprocess.run([sys.executable, __file__, "--stream-child", str(problems), str(responses),
                                  "--workers", str(workers), *([] if verify else ["--no-verify"]), *(["--ray"] if ray else [])],
                                 capture_output=True, text=True, check=True)
            cpu1 = os.times()
            results[size] = json.loads(out.stdout.strip().splitlines()[-1])
            r = results[size]
            cpu = cpu1.children_user + cpu1.children_system - cpu0.children_user - cpu0.children_system
            expected = size // 2 if verify else size
            per_cpu = "" if ray else (f"; {size / cpu:.0f} rows per CPU-second (the whole child: start-up, "
                                      "reading, writing and every verifier process)")
            print(f"{size:>10,} rows: {r['rows'] / r['seconds']:>8.0f} rows/s, peak RSS {r['peak_rss_mb']:.0f} MiB, "
                  f"{r['correct']:,} correct (expected {expected:,}){per_cpu}; load {os.getloadavg()[0]:.1f}")
            responses.unlink()
    if len(sizes) > 1:
        ratio = results[sizes[-1]]["peak_rss_mb"] / results[sizes[0]]["peak_rss_mb"]
        print(f"peak RSS at {sizes[-1]:,} / at {sizes[0]:,}: {ratio:.2f}x (target <= 1.5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1200, help="responses")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="verifier processes")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per verification")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast-paths", choices=("on", "off", "both"), default="on",
                        help="the math grader's fast paths (rewards.math.fast): on (as shipped), off, or both in one run")
    parser.add_argument("--stream-sizes", type=int, nargs="+", help="streaming: the sizes to measure (default 100,000 and --n)")
    parser.add_argument("--no-verify", action="store_true", help="streaming: an instant stand-in grader (the I/O alone)")
    parser.add_argument("--ray", action="store_true", help="streaming: grade on Ray (Ray Data) as `grade --ray auto` does")
    parser.add_argument("--stream-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        return stream_child(*args.stream_child, args.workers, not args.no_verify, args.ray)
    if args.n >= 100_000 or args.stream_sizes:
        sizes = sorted(set(args.stream_sizes or [100_000, args.n]))
        return stream_bench(sizes, args.workers, not args.no_verify, args.ray)

    rng = random.Random(args.seed)
    golds = load_golds(rng)
    pairs = [(g, make_response(g, i % 2 == 0, rng)) for i, g in enumerate(golds[: args.n])]
    lengths = [len(r) for _, r in pairs]
    print(f"{len(pairs)} responses, {min(lengths)}-{max(lengths)} chars (mean {statistics.mean(lengths):.0f}); "
          f"{args.workers} workers; load average before: {os.getloadavg()[0]:.2f}")

    start, cpu = time.perf_counter(), time.process_time()
    base_ok, base_lat, base_hangs = baseline(pairs, int(args.timeout))
    base_wall, base_cpu = time.perf_counter() - start, time.process_time() - cpu
    rows = [("math_verify sequential", base_wall, base_cpu, base_lat, base_hangs, base_ok)]
    runs = {}
    for fast in ([True, False] if args.fast_paths == "both" else [args.fast_paths == "on"]):
        verdicts, lat, hangs, leaked, wall, n_workers, cpu_s = ours(pairs, args.workers, args.timeout, fast)
        runs[fast] = (verdicts, hangs, leaked)
        rows.append((f"ringdata Grader x{n_workers}" + ("" if fast else ", no fast paths"), wall, cpu_s, lat, hangs,
                     [v.correct for v in verdicts]))

    labels = [i % 2 == 0 for i in range(len(pairs))]
    print(f"{'':<40}{'verif/s':>10}{'verif/cpu-s':>12}{'p50 ms':>10}{'p99 ms':>10}{'hangs':>8}{'agree w/ label':>16}")
    for name, wall, cpu_s, lat, hangs, ok in rows:
        agree = sum(a == b for a, b in zip(ok, labels)) / len(labels)
        print(f"{name:<40}{len(pairs) / wall:>10.1f}{len(pairs) / cpu_s:>12.1f}{pct(lat, 50) * 1e3:>10.1f}"
              f"{pct(lat, 99) * 1e3:>10.1f}{hangs:>8}{agree:>16.3f}")
    for name, wall, cpu_s, *_ in rows[1:]:
        print(f"{name}: {base_wall / wall:.2f}x the baseline's verifications per second, "
              f"{base_cpu / cpu_s:.2f}x per CPU-second (target >= 1.5x)")
    if len(runs) == 2:
        pairs_differ = [(a, b) for a, b in zip(runs[True][0], runs[False][0]) if (a.reward, a.reason) != (b.reward, b.reason)]
        cut = sum("timeout" in (a.reason.value, b.reason.value) for a, b in pairs_differ)
        differ = len(pairs_differ) - cut
        print(f"fast paths on against off: {differ} of {len(pairs)} verdicts differ (reward, reason; target 0; "
              f"{cut} more where one side timed out); "
              f"{rows[2][2] / rows[1][2]:.2f}x per CPU-second, {rows[2][1] / rows[1][1]:.2f}x per second")
    hangs = sum(h for _, h, _ in runs.values())
    leaked = sum(len(lk) for _, _, lk in runs.values())
    print(f"hangs: {hangs} (target 0); leaked worker processes: {leaked} (target 0); "
          f"load average after: {os.getloadavg()[0]:.2f}")

if __name__ == "__main__":
    main()
