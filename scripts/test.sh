#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh), then runs the whole test suite against the real
# Docker engine, the real vLLM CPU engine and real math-verify. Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The tiny model the tests sample from is built on first use (ringdata.cache: ~2 min of one idle
# core); built here, before the tests, its fit is not charged to the first test's time limit.
python3 - <<'PY'
from ringdata.cache import cache_root
from train.tiny import tiny_model_dir
print(f"[test] the tiny model: built on first use into {cache_root()}", flush=True)
print(f"[test] the tiny model: {tiny_model_dir()}", flush=True)
PY
export RINGDATA_REQUIRE_DOCKER=1 RINGDATA_REQUIRE_VLLM=1 RINGDATA_REQUIRE_RAY=1 RINGDATA_REQUIRE_BROWSER=1
# --timeout: a hung test fails with a stack trace instead of eating the CI budget.
exec python3 -m pytest -q -p no:cacheprovider --timeout 600 "$@"
