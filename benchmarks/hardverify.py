"""Real model answers with labels: TinyV's HardVerify-Math (`data/graders/hardverify_math.json`,
source and licence in data/README.md), graded by the math `Grader` and by plain math-verify.

    python benchmarks/hardverify.py                        # this checkout's grader
    python benchmarks/hardverify.py --grader-root ../main  # another checkout's grader, same cases
    python benchmarks/hardverify.py --json out.json        # figures and every row's verdicts

Each of the 250 rows gives a correct answer that rule-based verifiers reject (`fn_output`) and a
wrong one (`tn_output`). Both are graded as the response `The final answer is $\\boxed{ANSWER}$.`
(as the peer suite wraps a bare answer), with the row's question; plain math-verify gets the same
response and the gold as written (`verify(parse(gold), parse(response))`). Prints accepted-correct
(of 250, higher is better) and accepted-wrong (of 250, lower is better) for both.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "graders" / "hardverify_math.json"


def cases(path: Path = DATA) -> list[tuple[dict, str, bool]]:
    """(row, response, label) for each row's correct and wrong answer."""
    out = []
    for row in json.loads(path.read_text(encoding="utf-8")):
        for key, label in (("fn_output", True), ("tn_output", False)):
            out.append((row, f"The final answer is $\\boxed{{{row[key]}}}$.", label))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grader-root", type=Path, help="grade with the checkout at this path")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write figures and every row's verdicts here")
    args = parser.parse_args()
    root = (args.grader_root or ROOT).resolve()
    sys.path.insert(0, str(root))
    os.environ["PYTHONPATH"] = f"{root}:{os.environ.get('PYTHONPATH', '')}"  # the pool's workers too
    from math_verify import parse, verify

    from rewards import GradeConfig, Grader
    from ringdata.core.records import Problem

    items = cases()
    problems = [(Problem(id=f"hv{r['id']}", domain="math", source="hardverify", question=r["question"], answer=r["ground_truth"]), resp)
                for r, resp, _ in items]
    start = time.perf_counter()
    with Grader(GradeConfig(workers=args.workers, timeout_s=10)) as grader:
        ours = grader.grade_many(problems)
    ours_s = time.perf_counter() - start
    plain, start = [], time.perf_counter()
    for r, resp, _ in items:
        try:
            plain.append(bool(verify(parse(r["ground_truth"]), parse(resp))))
        except Exception:  # noqa: BLE001 - a crash is a rejection, as in a reward function
            plain.append(False)
    plain_s = time.perf_counter() - start
    labels = [label for _, _, label in items]

    def tally(accepted: list[bool]) -> dict[str, int]:
        return {"accepted_correct": sum(a and l for a, l in zip(accepted, labels)),
                "accepted_wrong": sum(a and not l for a, l in zip(accepted, labels))}

    report = {"grader_root": str(root), "correct_answers": sum(labels), "wrong_answers": len(labels) - sum(labels),
              "ringdata": tally([v.correct for v in ours]), "math_verify": tally(plain), "seconds": {"ringdata": ours_s, "math_verify": plain_s}}
    print(json.dumps(report, indent=1))
    if args.json:
        report["rows"] = [{"id": r["id"], "label": l, "gold": r["ground_truth"], "response": resp, "ringdata": v.reason.value,
                           "extracted": v.extracted, "detail": v.detail, "math_verify": m}
                          for (r, resp, l), v, m in zip(items, ours, plain)]
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
