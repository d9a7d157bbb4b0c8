#!/usr/bin/env bash
# The README's first command: set up, then run the main job on the bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The demo's outputs are its own: a second run replaces them (--overwrite) rather than stopping
ringdata curate data/problems --out out/curated --overwrite
ringdata report out/curated
ringdata grade --problems out/curated/problems.parquet --responses data/demo/responses.jsonl \
  --out out/grades.parquet --overwrite
# Train the tiny model, stage 1 math then stage 2 code + science, on the curated bundled data
ringdata train --config configs/tiny-bundled.toml --stage math-then-code --out runs/bundled --overwrite
