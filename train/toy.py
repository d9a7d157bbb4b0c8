"""The toy verifiable task: small-integer arithmetic a tiny model can half-learn in a minute.

Math problems ("What is 7*8?", answer "56", domain "math") are graded by the real math grader:
the expected response is `\\boxed{56}`. Code problems ("Print the sum of the two integers on
stdin.", stdin/stdout tests, domain "code") are graded by the real code grader in the sandbox.
Both are ordinary `Problem` records, written with `write_toy` to a file `ringdata rollout`,
`ringdata grade` and `ringdata train` read like any other problem file.

Generation is deterministic given the seed (its own `random.Random`; no global state).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from ringdata.core.records import Problem, TestCase, make_id, problems_to_table

__all__ = ["ToyConfig", "code_problems", "math_problems", "reference_response", "write_toy"]

SOURCE = "toy"
OPS = ("+", "-", "*")
CODE_OPS = {"sum": "+", "difference": "-", "product": "*"}


@dataclass(frozen=True)
class ToyConfig:
    add_max: int = 9  # operands of + and - are in [0, add_max]: single digits, so the whole task
    # (236 questions at the defaults) is small enough for a 0.4M-parameter model to half-learn in
    # a minute on 2 cores; two-digit operands left it near 0% after the same time
    mul_max: int = 5  # operands of * are in [0, mul_max]
    code_tests: int = 4  # stdin/stdout tests per code problem
    code_max: int = 1000  # code test operands are in [-code_max, code_max]


def _operands(rng: random.Random, op: str, config: ToyConfig) -> tuple[int, int]:
    hi = config.mul_max if op == "*" else config.add_max
    return rng.randint(0, hi), rng.randint(0, hi)


def math_problems(n: int, *, seed: int = 0, config: ToyConfig = ToyConfig(), source: str = SOURCE) -> list[Problem]:
    """`n` distinct arithmetic problems, in generation order; fewer when the question space (236
    questions at the default config) runs out, so `math_problems(10**6)` is the whole task."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[Problem] = []
    for _ in range(min(n, 10**5) * 20):
        if len(out) == n:
            break
        op = rng.choice(OPS)
        a, b = _operands(rng, op, config)
        question = f"What is {a}{op}{b}?"
        if question in seen:
            continue
        seen.add(question)
        answer = str(eval(f"{a}{op}{b}"))  # noqa: S307 - two ints and one operator we chose
        meta = {"a": a, "b": b, "op": op}
        out.append(Problem(make_id(source, question), "math", source, question, answer=answer, metadata=meta))
    return out


def code_problems(n: int, *, seed: int = 0, config: ToyConfig = ToyConfig(), source: str = "toy_code") -> list[Problem]:
    """`n` stdin/stdout problems: print the sum/difference/product of "a b" read from stdin. Each
    question carries its index ("Task 7: ...") so ids stay distinct; each has its own tests."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name, op = rng.choice(sorted(CODE_OPS.items()))
        question = f"Task {i}: read two integers a and b from one line of stdin and print their {name} (a{op}b)."
        tests = []
        for _ in range(config.code_tests):
            a, b = rng.randint(-config.code_max, config.code_max), rng.randint(-config.code_max, config.code_max)
            tests.append(TestCase(input=f"{a} {b}\n", output=f"{eval(f'({a}){op}({b})')}\n"))  # noqa: S307
        solution = reference_response(Problem("", "code", source, question, metadata={"op": op}))
        out.append(
            Problem(make_id(source, question), "code", source, question, tests=tuple(tests),
                    solutions=(solution,), metadata={"op": op})
        )
    return out


def reference_response(problem: Problem) -> str:
    """The response the tiny model is fitted to produce (and a correct one for any model)."""
    if problem.domain == "code":
        op = problem.metadata["op"]
        return f"```python\na, b = map(int, input().split())\nprint(a {op} b)\n```"
    return f"\\boxed{{{problem.answer}}}"


def write_toy(problems: list[Problem], path: Path) -> Path:
    """Write problems as Parquet (`.parquet`) or JSONL (anything else), in `PROBLEM_SCHEMA`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(problems_to_table(problems), path)
        return path
    with path.open("w", encoding="utf-8") as f:
        for p in problems:
            f.write(json.dumps(p.to_row(), ensure_ascii=False) + "\n")
    return path
