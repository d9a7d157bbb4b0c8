#!/usr/bin/env bash
# Before/after on one machine, interleaved so both see the same load: the single-machine grading
# path of two checkouts (e.g. a `git worktree add` at the older commit, and this one), ROUNDS times
# in the order before, after, before, after, ...
#
#   bash benchmarks/interleave.sh /work/wt/old /work/wt/new [ROUNDS] [CLI_ROWS]
#
# Each round runs, in each checkout (its own PYTHONPATH):
#   1. bench_grade.py --n 400 --workers 2   (verif/s and verif/CPU-s of rewards.Grader on long responses)
#   2. bench_sandbox.py --quick --programs 120   (the warm Docker pool: tests/s, tests/CPU-s)
#   3. `ringdata grade` on CLI_ROWS short boxed answers (JSONL), under /usr/bin/time: wall, CPU
#      (user+sys, verifier processes included) and peak RSS of the whole command.
set -euo pipefail
before=$(realpath "$1"); after=$(realpath "$2"); rounds=${3:-2}; rows=${4:-20000}
tmp=$(mktemp -d /tmp/interleave.XXXXXX); trap 'rm -rf "$tmp"' EXIT
python - "$tmp" "$rows" <<'PY'
import json, sys
from pathlib import Path
import pyarrow.parquet as pq
sys.path.insert(0, ".")
from ringdata.core.records import Problem, problems_to_table
tmp, n = Path(sys.argv[1]), int(sys.argv[2])
pq.write_table(problems_to_table([Problem(id=f"p{i}", domain="math", source="bench", question="q", answer=str(i))
                                  for i in range(1000)]), tmp / "problems.parquet")
with (tmp / "responses.jsonl").open("w") as fh:
    for i in range(n):
        fh.write(json.dumps({"problem_id": f"p{i % 1000}", "response": f"so \\boxed{{{i % 1000 if i % 2 else i % 1000 + 1}}}"}) + "\n")
PY
for r in $(seq 1 "$rounds"); do
  for side in before after; do
    dir=${!side}
    echo "=== round $r: $side ($(git -C "$dir" rev-parse --short HEAD)); load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$dir" && PYTHONPATH=$dir python benchmarks/bench_grade.py --n 400 --workers 2 | tail -4)
    (cd "$dir" && PYTHONPATH=$dir python benchmarks/bench_sandbox.py --quick --programs 120 | grep -E "warm pool|load after")
    rm -f "$tmp"/g.*
    (cd "$dir" && PYTHONPATH=$dir /usr/bin/time -f "cli grade $rows rows: %e s wall, %U+%S s CPU, peak RSS %M KiB" \
       python -m ringdata grade -p "$tmp/problems.parquet" -r "$tmp/responses.jsonl" -o "$tmp/g.parquet" --workers 2 \
       >/dev/null 2>"$tmp/err" ) ; tail -1 "$tmp/err"
  done
done
