"""Scale-out: the local reward executor against the Ray executor at equal cores, and throughput
as simulated nodes are added, in the same run.

    python benchmarks/bench_scaleout.py [--programs 160] [--tests 10] [--math 400] [--cores 2]

Workloads: code (bench_sandbox's mix: a quarter each right, wrong, crashing, slow programs with
`--tests` stdin/stdout tests, graded by the warm Docker pool, stopping at the first failure) and
math (`--math` short boxed answers through math-verify). Each is graded by

1. the local executor (`rewards.Grader`, `--cores` verifier processes, `--cores` warm containers);
2. Ray with one node of `--cores` CPUs (one sandbox actor owning `--cores` containers, one verifier
   actor with `--cores` processes): the Ray path's overhead at equal cores (target >= 0.8x local);
3. Ray with `--cores` simulated nodes of one CPU each (`ray.cluster_utils.Cluster`), one container
   and one verifier process per node: the same cores spread over nodes.

`--push` measures instead the weight push of `rollout_workers = N` (train/ray_rollout.py
`RayRollout.push_weights`: one `ray.put` of the state dict, every engine loading it) to N
transformers engines, one per simulated node (so each node's object store pulls its own copy, as
on a real cluster, here over loopback), for the 25M-parameter tiny model and a
Qwen2.5-0.5B-shaped model with random weights built from its config (nothing downloaded), both in
bf16 (what a bf16 engine loads): seconds per push (median of `--repeats`) and GB/s delivered
(bytes x engines / seconds), for the push as shipped (raw tensor bytes) and, alternating with it,
the baseline of putting the torch tensors themselves (pickled: a copy into the pickle and one out
of it per engine).

On one host extra simulated nodes add no cores, so (3) measures what spreading costs, not a gain;
the gain on a real cluster is estimated from the measured per-core rate: nodes for 8,000 tests/s
= 8000 / (tests/s per core x cores per node), assuming throughput adds up across nodes (each node
runs its own pool; the driver only ships batches, which (2) and (3) charge).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sandbox import KINDS, LIMITS  # noqa: E402

from rewards import GradeConfig, Grader  # noqa: E402
from rewards.code import CodeConfig  # noqa: E402
from ringdata.core.records import Problem, TestCase  # noqa: E402
from sandboxes import SandboxChoice  # noqa: E402
from sandboxes.docker_backend import DockerConfig  # noqa: E402


def code_items(n: int, n_tests: int) -> list[tuple[Problem, str]]:
    tests = tuple(TestCase(input=f"{i}\n", output=f"{i * i}\n") for i in range(n_tests))
    problem = Problem(id="square", domain="code", source="bench", question="square n", tests=tests)
    kinds = list(KINDS)
    return [(problem, f"```python\n{KINDS[kinds[i % 4]]}# submission {i}\n```") for i in range(n)]


def math_items(n: int) -> list[tuple[Problem, str]]:
    problems = [Problem(id=f"m{i}", domain="math", source="bench", question="q", answer=str(i)) for i in range(50)]
    return [(problems[i % 50], f"so \\boxed{{{i % 50 if i % 2 else i % 50 + 1}}}") for i in range(n)]


def tests_run(verdicts, n_tests: int) -> int:
    """Test executions: those passed, plus the failing one (the grader stops there)."""
    return sum(round((v.pass_fraction or 0) * n_tests) + (0 if v.correct else 1) for v in verdicts)


def config(cores: int, pool: int) -> GradeConfig:
    docker = DockerConfig(pool_size=pool)
    return GradeConfig(workers=cores, sandbox=SandboxChoice("docker", docker=docker), code=CodeConfig(limits=LIMITS))


def timed(grader, items, warm) -> tuple[float, list]:
    grader.grade_many(warm)  # containers and verifier processes started, modules imported
    start = time.perf_counter()
    verdicts = grader.grade_many(items)
    return time.perf_counter() - start, verdicts


def run_ray(nodes: int, cpus: int, pool: int, code, mathw, warm) -> tuple[float, list, float, list]:
    import ray
    from ray.cluster_utils import Cluster

    from rewards.ray_executor import RayConfig, RayGrader

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": cpus, "include_dashboard": False})
    for _ in range(nodes - 1):
        cluster.add_node(num_cpus=cpus)
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.WARNING)
    try:
        with RayGrader(config(cpus, pool), RayConfig(address=cluster.address)) as grader:
            code_s, code_v = timed(grader, code, warm)
            math_s, math_v = timed(grader, mathw, warm)
    finally:
        ray.shutdown()
        cluster.shutdown()
    return code_s, code_v, math_s, math_v


# Qwen2.5-0.5B's shape (its config.json), for a model of that size built with random weights.
QWEN_05B = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768, rope_theta=1e6,
                tie_word_embeddings=True, rms_norm_eps=1e-6)


def push_models(tmp: Path) -> dict[str, Path]:
    """The two models, saved as transformers directories (the tiny tokenizer serves both: a push
    never tokenises)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from train.tiny import build_tiny_model, build_tokenizer

    tiny = build_tiny_model(tmp / "tiny-25m", size="25m", steps=0)
    qwen = tmp / "qwen2.5-0.5b-shaped"
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(Qwen2Config(**QWEN_05B)).to(torch.bfloat16)
    model.save_pretrained(qwen)
    build_tokenizer().save_pretrained(qwen)
    del model
    return {"25M (tiny, 25m)": tiny, "Qwen2.5-0.5B-shaped": qwen}


def push_bench(workers: list[int], repeats: int) -> None:
    import statistics
    import tempfile

    import ray
    import torch
    from ray.cluster_utils import Cluster
    from safetensors.torch import load_file

    from train.ray_rollout import RayRollout

    print(f"weight push to N transformers engines, one per simulated node; load average {os.getloadavg()[0]:.2f}")
    print(f"{'model':<22}{'params':>9}{'MB':>8}{'engines':>9}{'how':>15}{'s/push':>9}{'GB/s':>8}  pushes (s)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, model_dir in push_models(Path(tmp)).items():
            weights = {k: v.to(torch.bfloat16) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
            params = sum(t.numel() for t in weights.values())
            size = sum(t.numel() * t.element_size() for t in weights.values())
            for n in workers:
                cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
                for _ in range(n - 1):
                    cluster.add_node(num_cpus=1)
                ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.WARNING)
                try:
                    engines = RayRollout("hf", model_dir, workers=n, address=cluster.address, dtype="bfloat16")
                    pickled = []
                    for i in range(repeats):  # alternating: the same load for both
                        new = {k: v + (i + 1) * 1e-3 for k, v in weights.items()}  # new values each time
                        start = time.perf_counter()  # baseline: the state dict put as torch tensors (pickled)
                        ref = ray.put(new)
                        ray.get([e.push_weights.remote(ref) for e in engines.engines])
                        pickled.append(time.perf_counter() - start)
                        del ref
                        engines.push_weights(new)  # ours: raw bytes
                    for how, times in (("raw bytes", engines.push_seconds), ("pickled torch", pickled)):
                        s = statistics.median(times)
                        print(f"{name:<22}{params / 1e6:>8.0f}M{size / 1e6:>8.0f}{n:>9}{how:>15}{s:>9.3f}"
                              f"{size * n / s / 1e9:>8.2f}  " + " ".join(f"{x:.3f}" for x in times))
                    engines.close()
                finally:
                    ray.shutdown()
                    cluster.shutdown()
    print(f"load average after {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--push", action="store_true", help="measure the weight push to rollout engines instead")
    ap.add_argument("--engines", type=int, nargs="+", default=[1, 2, 4], help="--push: engine counts")
    ap.add_argument("--repeats", type=int, default=3, help="--push: pushes per configuration")
    ap.add_argument("--programs", type=int, default=160, help="code submissions")
    ap.add_argument("--tests", type=int, default=10, help="tests per submission")
    ap.add_argument("--math", type=int, default=400, help="math responses")
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 2, help="cores for every configuration")
    args = ap.parse_args()
    if args.push:
        return push_bench(args.engines, args.repeats)
    code, mathw = code_items(args.programs, args.tests), math_items(args.math)
    warm = code_items(8, 2) + math_items(8)
    print(f"{args.programs} programs x {args.tests} tests, {args.math} math answers, {args.cores} cores; "
          f"load average {os.getloadavg()[0]:.2f}")

    with Grader(config(args.cores, args.cores)) as grader:
        local = (*timed(grader, code, warm), *timed(grader, mathw, warm))
    rows = {"local (Grader)": local,
            f"Ray, 1 node x {args.cores} CPUs": run_ray(1, args.cores, args.cores, code, mathw, warm),
            f"Ray, {args.cores} nodes x 1 CPU": run_ray(args.cores, 1, 1, code, mathw, warm)}

    reference = [(v.reason, v.reward) for v in local[1] + local[3]]
    print(f"{'':<26}{'tests/s':>10}{'code/s':>10}{'math/s':>10}{'vs local':>10}{'same verdicts':>15}")
    base = tests_run(local[1], args.tests) / local[0]
    for name, (code_s, code_v, math_s, math_v) in rows.items():
        rate = tests_run(code_v, args.tests) / code_s
        same = [(v.reason, v.reward) for v in code_v + math_v] == reference
        print(f"{name:<26}{rate:>10.1f}{len(code) / code_s:>10.1f}{len(mathw) / math_s:>10.1f}{rate / base:>9.2f}x{str(same):>15}")
    per_core = base / args.cores
    print(f"per core (local): {per_core:.1f} tests/s; load average after {os.getloadavg()[0]:.2f}")
    for cores in (2, 32, 64):
        print(f"  8,000 tests/s needs ~{8000 / (per_core * cores):,.0f} nodes of {cores} cores "
              "(assuming throughput adds up across nodes)")


if __name__ == "__main__":
    main()
