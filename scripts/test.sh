#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh), then runs the whole test suite against the real
# Docker engine, the real vLLM CPU engine and real math-verify. Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export RINGDATA_REQUIRE_DOCKER=1 RINGDATA_REQUIRE_VLLM=1 RINGDATA_REQUIRE_RAY=1 RINGDATA_REQUIRE_BROWSER=1
# --timeout: a hung test fails with a stack trace instead of eating the CI budget.
exec python3 -m pytest -q -p no:cacheprovider --timeout 600 "$@"
