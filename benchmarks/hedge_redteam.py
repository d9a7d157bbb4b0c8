"""Hedging red team, honest forms and the peer graders' suite, graded by the real `Grader`.

    python benchmarks/hedge_redteam.py                  # 60 problems per set (~17k responses)
    python benchmarks/hedge_redteam.py --per-set 0      # every bundled gold (~144k responses: long)
    python benchmarks/hedge_redteam.py --json out.json  # the figures and every failing case

Prints, per kind (tests/rewards/cases/hedges.py says what each is):
- hedges that can raise expected reward and were rewarded (should be 0),
- hedges that cannot raise it but were rewarded (should be 0: they teach a policy to hedge),
- honest correct answers that scored 0 (should be 0),
then the worst patterns, and the agreement with the peer graders' own test suites
(`../shared/data/peer_math/cases.jsonl`: non-debatable and all). Every response is graded twice;
a verdict that differs between the two runs is counted and printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rewards import GradeConfig, Grader
from tests.rewards.cases.hedges import build_cases

PEER = ROOT.parent / "shared" / "data" / "peer_math" / "cases.jsonl"
if not PEER.exists():
    PEER = Path("/work/shared/data/peer_math/cases.jsonl")


def peer_agreement(grader: Grader) -> tuple[int, int, int, int, list[str]]:
    """(agree non-debatable, non-debatable, agree all, all, disagreement lines)."""
    from tests.rewards.test_peer_math import peer_items

    rows, items = peer_items(PEER)
    verdicts = grader.grade_many(items)
    nd = agree_nd = agree = 0
    bad = []
    for row, v in zip(rows, verdicts):
        ok = v.correct == row["expected"]
        agree += ok
        if not row.get("debatable"):
            nd += 1
            agree_nd += ok
        if not ok:
            bad.append(f"{row['id']} {'debatable ' if row.get('debatable') else ''}expected={row['expected']} "
                       f"got={v.reason.value} gold={row['gold_answer'][:50]!r} extracted={v.extracted!r}")
    return agree_nd, nd, agree, len(rows), bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-set", type=int, default=60, help="problems per bundled set (SciBench: twice that); 0 = all")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="write figures and failing cases here")
    args = ap.parse_args()

    cases = build_cases(args.per_set or None)
    items = [(c.problem, c.response) for c in cases]
    with Grader(GradeConfig(workers=args.workers, timeout_s=10.0)) as grader:
        start = time.perf_counter()
        first = grader.grade_many(items)
        second = grader.grade_many(items)
        seconds = time.perf_counter() - start
        peer = peer_agreement(grader) if PEER.exists() else None

    unstable = sum(a.reward != b.reward for a, b in zip(first, second))
    total, failed, by_pattern = Counter(), Counter(), Counter()
    failing = []
    for c, v in zip(cases, first):
        family = "math" if c.problem.domain == "math" else ("mcq" if c.problem.choices else "sci")
        total[(c.kind, family)] += 1
        bad = v.correct if c.kind != "honest" else not v.correct
        if bad:
            failed[(c.kind, family)] += 1
            by_pattern[(c.kind, family, c.pattern)] += 1
            failing.append({"kind": c.kind, "family": family, "pattern": c.pattern, "gold": c.problem.answer,
                            "response": c.response, "reason": v.reason.value, "extracted": v.extracted})

    label = {"raise": "hedges that can raise expected reward, rewarded",
             "flat": "hedges that cannot raise it, rewarded", "honest": "honest correct answers scored 0"}
    print(f"{len(cases)} responses over real golds, graded twice in {seconds:.1f} s ({args.workers} workers); "
          f"verdicts that changed between runs: {unstable}")
    for kind in ("raise", "flat", "honest"):
        parts = [f"{f} {failed[(kind, f)]}/{total[(kind, f)]}" for f in ("math", "mcq", "sci") if total[(kind, f)]]
        n_fail = sum(failed[(kind, f)] for f in ("math", "mcq", "sci"))
        n_all = sum(total[(kind, f)] for f in ("math", "mcq", "sci"))
        print(f"  {label[kind]}: {n_fail}/{n_all}  ({', '.join(parts)})")
    if by_pattern:
        print("worst patterns:")
        for (kind, family, pattern), n in by_pattern.most_common(25):
            print(f"  {n:5d}  {kind:6s} {family:4s} {pattern}")
    if peer:
        agree_nd, nd, agree, n, bad = peer
        print(f"peer suites: {agree_nd}/{nd} non-debatable agree, {agree}/{n} all")
        for line in bad:
            print("  " + line)
    if args.json:
        args.json.write_text(json.dumps({
            "responses": len(cases), "unstable": unstable,
            "failed": {f"{k}/{f}": failed[(k, f)] for k, f in total}, "total": {f"{k}/{f}": n for (k, f), n in total.items()},
            "peer": peer[:4] if peer else None, "failing": failing}, indent=1))


if __name__ == "__main__":
    main()
