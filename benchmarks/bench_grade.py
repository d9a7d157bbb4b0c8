"""Benchmark: math verifications per second, `rewards.Grader` at full parallelism against
sequential `math_verify.parse` + `verify`, in the same run on the same responses.

    python benchmarks/bench_grade.py              # 1,200 responses, all cores
    python benchmarks/bench_grade.py --n 400 --workers 2

The mix: gold answers of MATH (test) and GSM8K (test), each with a model-style response of
500-4,000 characters (reasoning steps with LaTeX, a </think> block, then the final answer in a
\\boxed{}, "The final answer is $...$" or "####"), half right (the gold re-spelled) and half wrong.
Also reported: p50/p99 latency per verification for both, agreement between the two on
right/wrong, timeouts ("hangs": our verdicts with reason timeout, baseline calls over the bound)
and leaked worker processes after the grader is closed. Targets: >= 1.8x the baseline on 2
cores, zero hangs, zero leaked processes. The load average is printed beside the figures: on a
shared machine the wall-clock ratio depends on it, so verifications per CPU-second are printed too (ours: the
parent's and the workers' CPU during the run, start-up excluded as for wall time).
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


def ours(pairs: list[tuple[str, str]], workers: int, timeout: float) -> tuple[list[bool], list[float], int, list[int], float, int, float]:
    from rewards import GradeConfig, Grader
    from rewards.pool import wait_gone
    from ringdata.records import Problem

    items = [(Problem(id=str(i), domain="math", source="bench", question="q", answer=g), r) for i, (g, r) in enumerate(pairs)]
    grader = Grader(GradeConfig(workers=workers, timeout_s=timeout))
    grader.pool.wait_ready()  # start the workers (imports) outside the measurement
    pids = grader.pool.pids()
    cpu0, start = _cpu(pids) + time.process_time(), time.perf_counter()
    timed = grader.grade_many_timed(items)
    wall = time.perf_counter() - start
    cpu = _cpu(grader.pool.pids()) + time.process_time() - cpu0  # workers replaced mid-run are not counted
    grader.close()
    leaked = wait_gone(pids)
    hangs = sum(v.reason.value == "timeout" for v, _ in timed)
    return [v.correct for v, _ in timed], [s for _, s in timed], hangs, leaked, wall, len(pids), cpu


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1200, help="responses")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="verifier processes")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per verification")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    golds = load_golds(rng)
    pairs = [(g, make_response(g, i % 2 == 0, rng)) for i, g in enumerate(golds[: args.n])]
    lengths = [len(r) for _, r in pairs]
    print(f"{len(pairs)} responses, {min(lengths)}-{max(lengths)} chars (mean {statistics.mean(lengths):.0f}); "
          f"{args.workers} workers; load average before: {os.getloadavg()[0]:.2f}")

    start, cpu = time.perf_counter(), time.process_time()
    base_ok, base_lat, base_hangs = baseline(pairs, int(args.timeout))
    base_wall, base_cpu = time.perf_counter() - start, time.process_time() - cpu
    our_ok, our_lat, our_hangs, leaked, our_wall, n_workers, our_cpu = ours(pairs, args.workers, args.timeout)

    labels = [i % 2 == 0 for i in range(len(pairs))]
    print(f"{'':<28}{'verif/s':>10}{'verif/cpu-s':>12}{'p50 ms':>10}{'p99 ms':>10}{'hangs':>8}{'agree w/ label':>16}")
    for name, wall, cpu_s, lat, hangs, ok in (
        ("math_verify sequential", base_wall, base_cpu, base_lat, base_hangs, base_ok),
        (f"ringdata Grader x{n_workers}", our_wall, our_cpu, our_lat, our_hangs, our_ok),
    ):
        agree = sum(a == b for a, b in zip(ok, labels)) / len(labels)
        print(f"{name:<28}{len(pairs) / wall:>10.1f}{len(pairs) / cpu_s:>12.1f}{pct(lat, 50) * 1e3:>10.1f}"
              f"{pct(lat, 99) * 1e3:>10.1f}{hangs:>8}{agree:>16.3f}")
    ratio = base_wall / our_wall
    print(f"speed-up: {ratio:.2f}x (target >= 1.8x on 2 cores); hangs: {our_hangs} (target 0); "
          f"leaked worker processes: {len(leaked)} (target 0); load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
