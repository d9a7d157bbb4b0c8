#!/usr/bin/env bash
# The README's first command: set up, then run the main job on the bundled data.
# Its outputs are its own (out/demo/, runs/demo-bundled), apart from the tour's (out/curated,
# out/grades.parquet, runs/bundled, ...), so the tour runs as written after it; a second demo
# replaces them (--overwrite). Every step prints a line at least every 10 s, piped or not.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
started=$SECONDS
echo "demo: curate the bundled problems -> out/demo/curated"
ringdata curate data/problems --out out/demo/curated --overwrite
ringdata report out/demo/curated
echo "demo: grade the demo responses -> out/demo/grades.parquet"
ringdata grade --problems out/demo/curated/problems.parquet --responses data/demo/responses.jsonl \
  --out out/demo/grades.parquet --overwrite
# Train the tiny model (fitted on first use), stage 1 math then stage 2 code + science, on the
# curated bundled data
echo "demo: train the tiny model on it -> runs/demo-bundled"
ringdata train --config configs/tiny-bundled.toml --stage math-then-code --out runs/demo-bundled --overwrite \
  --set stages.math.data=out/demo/curated/problems.parquet --set stages.code.data=out/demo/curated/problems.parquet
echo "demo: done in $((SECONDS - started)) s after setup; next: the README's tour"
