"""Benchmark: `ringdata serve` against grading in-process, on one workload in one run.

    python benchmarks/bench_serve.py                       # 24 problems x 8 responses x 10 tests
    python benchmarks/bench_serve.py --problems 48 --pool-size 4
    python benchmarks/bench_serve.py --load 20000          # the load run only: 64 clients, mixed requests

Three ways to grade the same responses (Python and C++ programs, half right, half wrong):
- in-process: `rewards.code.CodeGrader.grade_many` on a warm Docker pool, with the backend's
  default warm runner per container (`DockerConfig.persistent`, as serve uses), and again with
  one `docker exec` per batch (`persistent=False`): both are baselines, the first the stricter;
- batched: `POST /ringdata/grade`, one request per problem with all its responses, 16 clients;
- one-test-per-request: SandboxFusion style, `POST /run_code` per (response, test) with the
  test's stdin, stdout compared by the client (as verl's sandbox_fusion reward does), 64 clients.

Each reports responses/s and tests/s (tests of the problems graded, whether or not a wrong
program ran them all), with the same pass/fail required of all three. Targets: batched >= 0.9x
in-process, one-test-per-request >= 0.5x. The server runs in its own process with the same pool
size as the in-process grader; every mode runs `--repeat` times, alternated, and the medians are
compared; the load average is printed beside each run.

`--load N`: 64 clients send N mixed /run_code requests (python, cpp, java; right programs
echoing a token unique to the request, CPU bombs, memory bombs): responses lost, duplicated or
crossed between requests (a token that is not the request's own), p50/p99 latency, requests/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = {  # name: (stdin of test t, expected stdout, right python, wrong python, right cpp)
    "square": (lambda t: f"{t}\n", lambda t: f"{t * t}\n", "n = int(input())\nprint(n * n)", "n = int(input())\nprint(n + n)",
               "#include <cstdio>\nint main(){long long n;scanf(\"%lld\",&n);printf(\"%lld\\n\",n*n);}"),
    "sum": (lambda t: f"{t} {t + 3}\n", lambda t: f"{2 * t + 3}\n", "a, b = map(int, input().split())\nprint(a + b)",
            "a, b = map(int, input().split())\nprint(a * b)",
            "#include <cstdio>\nint main(){long long a,b;scanf(\"%lld %lld\",&a,&b);printf(\"%lld\\n\",a+b);}"),
    "reverse": (lambda t: f"abc{t}xyz\n", lambda t: f"zyx{str(t)[::-1]}cba\n", "print(input()[::-1])", "print(input())",
                "#include <iostream>\n#include <string>\n#include <algorithm>\nint main(){std::string s;std::cin>>s;"
                "std::reverse(s.begin(),s.end());std::cout<<s<<std::endl;}"),
}  # fmt: skip


def workload(n_problems: int, n_responses: int, n_tests: int, seed: int = 0):
    """(problems as rows, [(problem index, response, expected pass)])."""
    rng = random.Random(seed)
    problems, items = [], []
    for i in range(n_problems):
        name = list(KINDS)[i % len(KINDS)]
        stdin, out, right, wrong, cpp = KINDS[name]
        tests = [{"input": stdin(t + i), "output": out(t + i)} for t in range(n_tests)]
        problems.append({"id": f"{name}-{i}", "domain": "code", "source": "bench", "question": name, "tests": tests})
        for k in range(n_responses):
            is_right = k % 2 == 0
            program, lang = (cpp, "cpp") if k % 4 == 0 else (right if is_right else wrong, "python")
            items.append((i, f"```{lang}\n# {k}\n{program}\n```" if lang == "python" else f"```cpp\n{program}\n```", is_right))
    return problems, items


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def containers_cpu(owner: str | None) -> dict[str, float]:
    """CPU seconds each live sandbox container of `owner` has used (cgroup v1 or v2), by id."""
    import docker

    found = {}
    if owner is None:
        return found
    for ct in docker.from_env().containers.list(filters={"label": f"ringdata.sandbox={owner}"}):
        for path, scale in ((f"/sys/fs/cgroup/cpuacct/{ct.id}/cpuacct.usage", 1e9),
                            (f"/sys/fs/cgroup/cpuacct/docker/{ct.id}/cpuacct.usage", 1e9),
                            (f"/sys/fs/cgroup/system.slice/docker-{ct.id}.scope/cpu.stat", 1e6),
                            (f"/sys/fs/cgroup/{ct.id}/cpu.stat", 1e6)):  # fmt: skip
            try:
                text = Path(path).read_text()
            except OSError:
                continue
            found[ct.id] = (int(text.split()[1]) if text.startswith("usage_usec") else int(text)) / scale
            break
    return found


def cpu_growth(before: dict[str, float], after: dict[str, float]) -> float:
    """Containers' CPU between two readings (a container replaced meanwhile counts from 0)."""
    return sum(v - before.get(k, 0.0) for k, v in after.items())


def server_owner(port: int) -> str | None:
    import re

    found = re.search(r"ringdata\.sandbox=(\S+)\)", Path(f"/tmp/bench-serve-{port}.log").read_text())
    return found.group(1) if found else None


def start_server(args) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "ringdata", "serve", "--port", str(port), "--sandbox", "docker",
                             "--pool-size", str(args.pool_size), "--workers", "1", "--slots", "256",
                             "--max-queue", "100000"], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(f"/tmp/bench-serve-{port}.log", "wb"))  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/v1/ping", timeout=5)
            return proc, url
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


def submissions(url: str) -> dict[str, float]:
    """The server's batcher counts: submissions taken, and sent to the sandbox after merging."""
    import re

    text = urllib.request.urlopen(url + "/metrics", timeout=30).read().decode()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r'^ringdata_serve_sandbox_submissions_total\{what="(\w+)"\} (\S+)', text, re.MULTILINE)}


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST")
    for _ in range(50):
        try:
            with urllib.request.urlopen(request, timeout=600) as r:
                return json.load(r)
        except urllib.error.HTTPError as exc:
            if exc.code != 429:
                raise
            time.sleep(float(exc.headers.get("Retry-After", 1)))
    raise RuntimeError("still 429 after 50 tries")


class InProcess:
    """`CodeGrader.grade_many` on its own warm pool, kept open across rounds: with the Docker
    backend's default warm runner per container (`persistent`, as serve), or one exec per batch."""

    def __init__(self, problems, items, args, persistent: bool) -> None:
        from dataclasses import replace

        from rewards.code import CodeGrader
        from ringdata.core.records import Problem
        from sandboxes import SandboxChoice

        self.problems = [Problem.from_row({**p, "metadata": None}) for p in problems]
        self.items = items
        choice = SandboxChoice("docker")
        choice = replace(choice, docker=replace(choice.docker, pool_size=args.pool_size, persistent=persistent))
        self.grader = CodeGrader(choice)
        self.grader.grade_many([(self.problems[0], items[0][1])])  # the pool is warm before the clock starts
        self.owner = getattr(self.grader.sandbox, "owner", None)

    def __call__(self):
        cts, own = containers_cpu(self.owner), time.process_time()
        started = time.perf_counter()
        verdicts = self.grader.grade_many([(self.problems[i], r) for i, r, _ in self.items])
        wall = time.perf_counter() - started
        cpu = {"grader process": time.process_time() - own, "containers": cpu_growth(cts, containers_cpu(self.owner))}
        return [v.correct for v in verdicts], wall, cpu

    def close(self) -> None:
        self.grader.close()


def batched(url, problems, items, args) -> list[bool]:
    by_problem: dict[int, list[int]] = {}
    for k, (i, _, _) in enumerate(items):
        by_problem.setdefault(i, []).append(k)
    result = [False] * len(items)

    def one(i: int):
        rows = post(url + "/ringdata/grade", {"problem": problems[i], "responses": [items[k][1] for k in by_problem[i]]})["rows"]
        for k, row in zip(by_problem[i], rows):
            result[k] = row["correct"]

    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, by_problem))
    return result, time.perf_counter() - started


def one_test_per_request(url, problems, items, args) -> list[bool]:
    from rewards.code import extract_program

    calls = []
    for k, (i, response, _) in enumerate(items):
        program, _, language = extract_program(response)
        calls += [(k, program, language, t) for t in problems[i]["tests"]]
    passed = [True] * len(items)

    def one(call):
        k, program, language, test = call
        got = post(url + "/run_code", {"code": program, "language": language, "stdin": test["input"], "run_timeout": 2})
        ok = got["status"] == "Success" and got["run_result"]["stdout"].split() == test["output"].split()
        if not ok:
            passed[k] = False

    started = time.perf_counter()
    with ThreadPoolExecutor(64) as pool:
        list(pool.map(one, calls))
    return passed, time.perf_counter() - started


def compare(args) -> None:
    """Every mode `--repeat` times, the order rotated each round (the host's load drifts: no mode
    always runs first or last); per run and the median, with CPU seconds beside the wall."""
    import statistics

    problems, items = workload(args.problems, args.responses, args.tests)
    n_tests = sum(len(problems[i]["tests"]) for i, _, _ in items)
    expected = [e for _, _, e in items]
    print(f"workload: {len(problems)} problems, {len(items)} responses, {n_tests} tests "
          f"(python and C++, half right); pool {args.pool_size} containers; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    local = {"in-process": InProcess(problems, items, args, persistent=True),  # the Docker default
             "in-process one exec": InProcess(problems, items, args, persistent=False)}  # fmt: skip
    proc, url = start_server(args)
    runs: dict[str, list[tuple[float, dict]]] = {}
    try:
        post(url + "/ringdata/grade", {"problem": problems[0], "responses": [items[0][1]]})  # warm
        owner = server_owner(int(url.rsplit(":", 1)[1]))

        def served(fn):
            def run():
                server, own, cts = cpu_of(proc.pid), time.process_time(), containers_cpu(owner)
                sent = submissions(url)
                got, wall = fn(url, problems, items, args)
                sent = {k: v - sent.get(k, 0) for k, v in submissions(url).items()}
                print(f"    sandbox submissions: {sent.get('taken', 0):.0f} taken by the batcher, "
                      f"{sent.get('sent', 0):.0f} sent after merging", flush=True)  # fmt: skip
                return got, wall, {"server process": cpu_of(proc.pid) - server, "clients": time.process_time() - own,
                                   "containers": cpu_growth(cts, containers_cpu(owner))}  # fmt: skip
            return run

        modes = {**local, "batched": served(batched), "one-test-per-request": served(one_test_per_request)}
        names = list(modes)
        for r in range(args.repeat):
            for name in names[r % len(names):] + names[: r % len(names)]:
                got, wall, cpu = modes[name]()
                assert got == expected, f"{name} verdicts differ from the workload's"
                runs.setdefault(name, []).append((wall, cpu))
                spent = sum(cpu.values())
                print(f"  round {r + 1} {name:>22}: {wall:6.2f} s {n_tests / wall:7.1f} tests/s | {spent:5.2f} CPU s "
                      f"({', '.join(f'{k} {v:.2f}' for k, v in cpu.items())}); load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
        for grader in local.values():
            grader.close()
    wall = {name: statistics.median(w for w, _ in rs) for name, rs in runs.items()}
    cpu = {name: statistics.median(sum(c.values()) for _, c in rs) for name, rs in runs.items()}
    print(f"median of {args.repeat} (x: against in-process | in-process one exec):")
    for name in runs:
        print(f"{name:>22}: {wall[name]:6.2f} s {n_tests / wall[name]:7.1f} tests/s "
              f"{wall['in-process'] / wall[name]:5.2f}x | {wall['in-process one exec'] / wall[name]:5.2f}x;  "
              f"{cpu[name]:5.2f} CPU s {n_tests / cpu[name]:6.1f} tests/CPU-s "
              f"{cpu['in-process'] / cpu[name]:5.2f}x | {cpu['in-process one exec'] / cpu[name]:5.2f}x")  # fmt: skip
    print("  (CPU: the processes named and the sandbox containers' cgroups; the Docker engine's own is not counted)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def load(args) -> None:
    programs = {
        "python": "print(input()[::-1])",
        "cpp": "#include <iostream>\n#include <string>\n#include <algorithm>\nint main(){std::string s;std::cin>>s;"
               "std::reverse(s.begin(),s.end());std::cout<<s<<std::endl;}",
        "java": "import java.util.*;\npublic class Main{public static void main(String[] x){Scanner s=new Scanner(System.in);"
                "System.out.println(new StringBuilder(s.nextLine()).reverse());}}",
    }  # fmt: skip

    def body(i: int) -> dict:
        kind = i % 10
        if kind == 8:
            return {"code": "while True: pass", "language": "python", "run_timeout": 0.5}
        if kind == 9:
            return {"code": "x = bytearray(3 << 30)", "language": "python"}
        language = ("python",) * 5 + ("cpp", "cpp", "java")
        return {"code": programs[language[kind]], "language": language[kind], "stdin": f"req{i:07d}\n"}

    proc, url = start_server(args)
    seen, bad, latencies = set(), [], []

    def one(i: int):
        started = time.perf_counter()
        got = post(url + "/run_code", body(i))
        latencies.append(time.perf_counter() - started)
        kind = i % 10
        ok = (got["run_result"]["status"] == "TimeLimitExceeded" if kind == 8 else got["status"] == "Failed" if kind == 9
              else got["status"] == "Success" and got["run_result"]["stdout"].strip() == f"req{i:07d}"[::-1])  # fmt: skip
        if i in seen or not ok:
            bad.append((i, str(got)[:200]))
        seen.add(i)

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(64) as pool:
            list(pool.map(one, range(args.load)))
        wall = time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
    latencies.sort()
    n = len(latencies)
    print(f"{args.load} requests, 64 clients, pool {args.pool_size}: {wall:.1f} s, {args.load / wall:.1f} requests/s, "
          f"p50 {latencies[n // 2]:.3f} s, p99 {latencies[int(n * 0.99)]:.3f} s; lost {args.load - len(seen)}, "
          f"wrong or crossed {len(bad)}; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for b in bad[:5]:
        print("  ", b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=24)
    parser.add_argument("--responses", type=int, default=8, help="per problem")
    parser.add_argument("--tests", type=int, default=10, help="per problem")
    parser.add_argument("--pool-size", type=int, default=4, help="warm containers, for both sides")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of every mode, alternated")
    parser.add_argument("--load", type=int, default=0, help="run the load test with this many requests instead")
    args = parser.parse_args()
    load(args) if args.load else compare(args)


if __name__ == "__main__":
    main()
