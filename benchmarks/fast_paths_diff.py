"""The math grader's fast paths (`rewards.math.fast`) against the parser for everything: every case
we have, graded with `MathConfig(fast_paths=True)` and with `fast_paths=False`, must get the same
verdict (reward and reason; the extracted answer and the detail are compared and reported too).

    python benchmarks/fast_paths_diff.py                 # every source below, all cores
    python benchmarks/fast_paths_diff.py --lean --limit 60   # the fixed sample tests/rewards/test_fast.py grades

Sources: the labelled case tables (tests/rewards/cases/*.jsonl), the parametrized cases of the math
tests (test_math, test_canonical), the peer graders' suite (../shared/data/peer_math), TinyV's
HardVerify-Math (data/graders/hardverify_math.json, both answers with the question), the
generalisation generator (both halves, each case under its gold and its decoy), the hedging red team
(tests/rewards/cases/hedges.py, `--hedges-per-set` problems of each bundled set), and bench_grade's mix over every MATH and GSM8K test gold (one right
and one wrong response each). Each case is graded in-process under a 20 s alarm (a case the alarm
cuts is reported, not compared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# one case: (source, domain, gold, response, question, choices, unit)


def _param_cases(module) -> list[tuple]:
    """The (gold, response[, question, unit]) rows of a test module's parametrize marks."""
    out = []
    for name in dir(module):
        fn = getattr(module, name)
        for mark in getattr(fn, "pytestmark", []):
            if mark.name != "parametrize":
                continue
            names = [n.strip() for n in (mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0])]
            if "gold" not in names or not ({"response", "answer"} & set(names)):
                continue
            for values in mark.args[1]:
                values = getattr(values, "values", values)
                row = dict(zip(names, values))
                domain = "science" if "science" in name else "math"
                out.append((f"{module.__name__.rsplit('.', 1)[-1]}::{name}", domain, row["gold"],
                            row.get("response", row.get("answer")), row.get("question"), None, row.get("unit")))
    return out


def collect(limit: int | None = None, hedges_per_set: int = 40, lean: bool = False) -> list[tuple]:
    """Every case of every source (`lean`: without the generalisation generator, whose vocabularies
    take half a minute to load, and with the red team over 3 problems per set: the test's sample)."""
    from tests.rewards import test_canonical, test_math
    from tests.rewards.cases.hedges import build_cases
    from tests.rewards.conftest import load_cases
    from tests.rewards.test_peer_math import PEER, peer_items

    sources: dict[str, list[tuple]] = {}
    sources["case tables"] = [("cases", r["domain"], r["gold"], r["response"], None, tuple(r["choices"]) if r.get("choices") else None,
                               r.get("unit")) for r in load_cases()]
    sources["test parameters"] = _param_cases(test_math) + _param_cases(test_canonical)
    if PEER.exists():
        sources["peer suite"] = [("peer", "math", p.answer, resp, p.question, None, None) for p, resp in peer_items(PEER)[1]]
    rows = json.loads((ROOT / "data/graders/hardverify_math.json").read_text())
    sources["hardverify"] = [("hardverify", "math", r["ground_truth"], f"The final answer is $\\boxed{{{r[k]}}}$.", r["question"], None, None)
                             for r in rows for k in ("fn_output", "tn_output")]
    if not lean:
        from tests.rewards.cases.generalise import build

        sources["generalise"] = [("generalise", "math", g, c.response, c.question, None, None)
                                 for half in ("tuning", "heldout") for c in build(half, per_set=None) for g in (c.gold, c.decoy) if g]
    sources["hedge red team"] = [("hedges", c.problem.domain, c.problem.answer, c.response, c.problem.question, c.problem.choices,
                                  (c.problem.metadata or {}).get("unit")) for c in build_cases(per_set=3 if lean else hedges_per_set)]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_grade

    rng = random.Random(0)
    golds = bench_grade.load_golds(rng)
    sources["bench_grade mix"] = [("bench", "math", g, bench_grade.make_response(g, right, rng), "q", None, None)
                                  for g in golds[: 2 * (limit or len(golds))] for right in (True, False)]
    out = []
    for name, cases in sources.items():
        if limit is not None and len(cases) > limit:
            cases = random.Random(name).sample(cases, limit)
        out += [(name, *c[1:]) for c in cases]
    return out


class _Alarm(Exception):
    pass


def _on_alarm(*_):
    raise _Alarm


def grade_both(cases: list[tuple]) -> list[tuple]:
    """(verdict with fast paths, verdict without) per case; a case cut by the alarm gives None."""
    import warnings

    from rewards.grade import check_in_worker
    from rewards.math.config import MathConfig
    from rewards.science import ScienceConfig

    warnings.simplefilter("ignore")
    signal.signal(signal.SIGALRM, _on_alarm)
    on, off, science = MathConfig(fast_paths=True), MathConfig(fast_paths=False), ScienceConfig()
    out = []
    for source, domain, gold, response, question, choices, unit in cases:
        pair = []
        for config in (off, on):
            signal.alarm(20)
            try:
                pair.append(check_in_worker(domain, gold, choices, unit, response, config, science, question=question))
            except _Alarm:
                pair.append(None)
            finally:
                signal.alarm(0)
        out.append(tuple(pair))
    return out


def compare(cases: list[tuple], verdicts: list[tuple]) -> dict:
    report = {"cases": len(cases), "by_source": {}, "differ": [], "extracted_or_detail_differ": 0, "cut": 0}
    for case, (off, on) in zip(cases, verdicts):
        src = report["by_source"].setdefault(case[0], {"cases": 0, "differ": 0})
        src["cases"] += 1
        if off is None or on is None:
            report["cut"] += 1
            continue
        if (on.reward, on.reason) != (off.reward, off.reason):
            src["differ"] += 1
            report["differ"].append({"case": case, "on": [on.reason.value, on.detail], "off": [off.reason.value, off.detail]})
        elif (on.extracted, on.detail) != (off.extracted, off.detail):
            report["extracted_or_detail_differ"] += 1
            report.setdefault("detail_examples", []).append({"case": case[:3], "on": [on.extracted, on.detail],
                                                             "off": [off.extracted, off.detail]})
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="at most this many cases per source (a fixed sample)")
    parser.add_argument("--lean", action="store_true", help="the test's sources (no generalisation generator, a small red team)")
    parser.add_argument("--hedges-per-set", type=int, default=40,
                        help="the red team's problems per bundled set (all of them: 250k cases, hours on 2 cores)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, help="write the report as JSON here")
    args = parser.parse_args()
    start, load = time.perf_counter(), os.getloadavg()[0]
    cases = collect(args.limit, args.hedges_per_set, args.lean)
    shards = [cases[i :: args.workers] for i in range(args.workers)]
    with ProcessPoolExecutor(args.workers) as pool:
        graded = list(pool.map(grade_both, shards))
    verdicts = [None] * len(cases)
    for i, shard in enumerate(graded):
        verdicts[i :: args.workers] = shard
    report = compare(cases, verdicts)
    for name, s in report["by_source"].items():
        print(f"{name:<18}{s['cases']:>7} cases, {s['differ']} verdicts differ")
    print(f"total {report['cases']} cases: {len(report['differ'])} verdicts differ (reward, reason), "
          f"{report['extracted_or_detail_differ']} differ only in extracted answer or detail, {report['cut']} cut by the alarm; "
          f"{time.perf_counter() - start:.0f} s, load {load:.1f} -> {os.getloadavg()[0]:.1f}")
    for d in report["differ"][:20]:
        print("DIFFER", d)
    for d in report.get("detail_examples", [])[:5]:
        print("detail only:", d)
    if args.out:
        args.out.write_text(json.dumps(report, default=str, indent=1))
    sys.exit(1 if report["differ"] else 0)


if __name__ == "__main__":
    main()
