#!/usr/bin/env bash
# The GPU check, one GPU, under 9 minutes:
#   0. tests/train/test_cuda.py (skipped everywhere else): the chunked output layer at Qwen's vocabulary
#      against float64 and its memory, bf16 autocast against float32, the GPU process group's CPU collectives;
#   1. benchmarks/bench_step.py at the 0.5b preset (a Qwen2.5-0.5B-shaped model, random weights):
#      the C3PO step (chunked loss + reference forward) beside a plain causal-LM step, micro-batch
#      tokens swept until out of memory: tokens/s, model TFLOP/s, peak GiB, c3po/plain ratios
#      (issue 22's targets: >= 0.75x the plain step's tokens/s, <= 0.5x its peak memory at 32k).
#      1 runs the trainer's cuda defaults (compiled chunks, log-softmax kept up to 4 GiB, so the
#      32k row recomputes); 1b the same eager (--no-compile: is compiling faster?); 1c the
#      log-softmax kept at 32k (--keep-mb 24000: what skipping the recompute buys there);
#   2. a short C3PO run of the toy math stage on CUDA with transformers rollouts (the vLLM CUDA
#      wheel is not assumed), printing the held-out reward before and after.
# Usage: bash benchmarks/gpu_check.sh [RUN_DIR] [PARTS]   (PARTS: which of 0 1 2 to run, default all;
#        RINGDATA_CACHE: where the tiny model is cached). The timeouts add up to 540 s, under one
#        10-minute device command; with less device time left, run PARTS "1" first.
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir=${1:-/tmp/ringdata-gpu-check}
parts=${2:-"0 1 2"}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
start=$SECONDS
python - <<'PY'
import torch
assert torch.cuda.is_available(), "gpu_check.sh needs a CUDA GPU (torch.cuda.is_available() is False)"
p = torch.cuda.get_device_properties(0)
print(f"torch {torch.__version__}, {p.name}, {p.total_memory / 2**30:.0f} GiB")
PY

if [[ " $parts " == *" 0 "* ]]; then
echo "== 0. tests/train/test_cuda.py =="
timeout 90 python -m pytest -q -p no:cacheprovider -s tests/train/test_cuda.py || echo "test_cuda stopped: exit $?"
fi

if [[ " $parts " == *" 1 "* ]]; then
echo "== 1. bench_step --preset 0.5b, the trainer's cuda defaults (plain step vs C3PO step) =="
timeout 150 python benchmarks/bench_step.py --preset 0.5b --device cuda --iters 3 --max-tokens 65536 || echo "bench_step stopped: exit $?"
echo "== 1b. the same eager (--no-compile), up to 32k tokens =="
timeout 90 python benchmarks/bench_step.py --preset 0.5b --device cuda --iters 3 --no-compile --max-tokens 32768 || echo "bench_step --no-compile stopped: exit $?"
echo "== 1c. the log-softmax kept for the backward at 32k (--keep-mb 24000) =="
timeout 90 python benchmarks/bench_step.py --preset 0.5b --device cuda --iters 3 --keep-mb 24000 --max-tokens 32768 || echo "bench_step --keep-mb stopped: exit $?"
fi

if [[ " $parts " == *" 2 "* ]]; then
echo "== 2. C3PO on the toy math stage, cuda, transformers rollouts =="
rm -rf "$run_dir"
timeout 120 python -m ringdata train --config configs/tiny.toml --stage math --backend hf --steps 12 --out "$run_dir"
python - "$run_dir" <<'PY'
import json, sys
from pathlib import Path
recs = [json.loads(l) for l in (Path(sys.argv[1]) / "math" / "metrics.jsonl").read_text().splitlines() if l.strip()]
stage = json.loads((Path(sys.argv[1]) / "math" / "stage.json").read_text())
evals = [r["eval_reward"] for r in recs if r["kind"] == "eval"]
steps = [r for r in recs if r["kind"] == "step"]
print(f"device {stage['device']}, old log-probs from the {stage['old_logprobs']}")
print(f"held-out reward before {evals[0]:.3f} -> after {evals[-1]:.3f}")
print(f"train reward first 3 steps {sum(r['reward'] for r in steps[:3]) / 3:.3f} -> last 3 {sum(r['reward'] for r in steps[-3:]) / 3:.3f}")
gaps = [r["logprob_gap_max"] for r in steps if "logprob_gap_max" in r]
if gaps:
    print(f"sampler-vs-trainer log-prob gap: mean {sum(r['logprob_gap_mean'] for r in steps) / len(steps):.4f}, max {max(gaps):.4f}")
print(f"train tokens/s {sum(r['tokens_per_s'] for r in steps) / len(steps):.0f}, step time {sum(r['step_time'] for r in steps) / len(steps):.2f} s")
PY
fi
echo "gpu_check done in $((SECONDS - start)) s"
