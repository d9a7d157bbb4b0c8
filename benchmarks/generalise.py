"""The generalisation test (issue 19), both halves, graded by the real `Grader`.

    python benchmarks/generalise.py                       # this checkout's grader
    python benchmarks/generalise.py --grader-root ../main # another checkout's grader, same cases
    python benchmarks/generalise.py --json out.json       # figures and every failing case

Cases come from `tests/rewards/cases/generalise.py` (vocabularies from pylatexenc, Unicode's
confusables, pint and CLDR, split by a fixed seed). Prints per half and per vocabulary:
- pays: two-candidate hedges rewarded under both candidates (target 0),
- hedge: hedges rewarded under the gold (two-candidate ones included; target <= 2%),
- restated: the question's expression in a wrapper, rewarded (target 0),
- honest: honest forms that scored 0 (target <= 2%).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.rewards.cases.generalise import build  # noqa: E402  (before --grader-root shadows `rewards`)


def grade(cases, root: Path | None) -> list[tuple[bool, bool | None, str]]:
    """(rewarded under the gold, rewarded under the decoy or None, reason) per case."""
    if root is not None:
        sys.path.insert(0, str(root))
        os.environ["PYTHONPATH"] = f"{root}:{os.environ.get('PYTHONPATH', '')}"
    from rewards import GradeConfig, Grader
    from ringdata.core.records import Problem

    def problem(c, gold):
        if c.choices:
            return Problem(id="g", domain="science", source="generalise", question=c.question, answer=gold, choices=c.choices)
        return Problem(id="g", domain="math", source="generalise", question=c.question, answer=gold)

    items = [(problem(c, c.gold), c.response) for c in cases]
    decoys = [(problem(c, c.decoy), c.response) for c in cases if c.decoy]
    with Grader(GradeConfig(workers=2, timeout_s=10.0)) as grader:
        first = grader.grade_many(items)
        second = iter(grader.grade_many(decoys))
    return [(v.correct, next(second).correct if c.decoy else None, v.reason.value) for c, v in zip(cases, first)]


def figures(cases, results) -> dict:
    fails: Counter = Counter()
    totals: Counter = Counter()
    bad = []
    for c, (gold_ok, decoy_ok, reason) in zip(cases, results):
        checks = []
        if c.kind == "pays":
            checks += [("pays", bool(gold_ok and decoy_ok)), ("hedge", bool(gold_ok))]
        elif c.kind == "hedge":
            checks.append(("hedge", bool(gold_ok)))
        elif c.kind == "restated":
            checks.append(("restated", bool(gold_ok)))
        else:
            checks.append(("honest", not gold_ok))
        for name, failed in checks:
            totals[name] += 1
            totals[(name, c.vocab)] += 1
            if failed:
                fails[name] += 1
                fails[(name, c.vocab)] += 1
                bad.append(f"{name} [{c.vocab} {c.spelling!r}] gold={c.gold!r} response={c.response[-90:]!r} -> {reason}")
    return {"totals": totals, "fails": fails, "bad": bad}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grader-root", type=Path, default=None, help="checkout whose `rewards` grades (default: this one)")
    ap.add_argument("--per-set", type=int, default=40)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    halves = {h: build(h, args.per_set) for h in ("tuning", "heldout")}
    start = time.perf_counter()
    results = {h: grade(c, args.grader_root) for h, c in halves.items()}
    print(f"grader: {args.grader_root or ROOT}  ({time.perf_counter() - start:.0f} s)")
    report = {}
    for h, cases in halves.items():
        f = figures(cases, results[h])
        report[h] = {"figures": {str(k): [f["fails"][k], n] for k, n in f["totals"].items()}, "bad": f["bad"]}
        print(f"\n== {h} half: {len(cases)} cases")
        for name in ("pays", "hedge", "restated", "honest"):
            n = f["totals"][name]
            print(f"  {name:9s} {f['fails'][name]:5d} / {n:5d}  ({100 * f['fails'][name] / max(1, n):.1f}%)")
            for k in sorted(k for k in f["totals"] if isinstance(k, tuple) and k[0] == name):
                print(f"      {k[1]:12s} {f['fails'][k]:5d} / {f['totals'][k]}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
