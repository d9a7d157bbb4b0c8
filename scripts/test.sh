#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh), then runs the whole test suite against the real
# Docker engine, the real vLLM CPU engine and real math-verify. Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The models the tests sample from are built on first use (train/built.py, into ringdata.core.cache):
# copied from data/models/ when the project ships the current recipe's fit, else fitted (5-8 minutes
# on 2 idle cores); built here, before the tests, a fit is not charged to the first test's time
# limit, and the log says what the wait is.
python3 - <<'PY'
from ringdata.core.logs import quiet_libraries

quiet_libraries()  # no "Writing model shards" bars from the libraries in the log: the fit says its steps
from ringdata.core.cache import cache_root
from ringdata.core.console import make_console
from ringdata.core.progress import make_progress
from train.built import BUILT, built_model_dir
print(f"[test] the models the tests use, built on first use into {cache_root()}", flush=True)
for name in BUILT:
    with make_progress(make_console()) as progress:
        print(f"[test] {name}: {built_model_dir(name, progress=progress)}", flush=True)
PY
export RINGDATA_REQUIRE_DOCKER=1 RINGDATA_REQUIRE_VLLM=1 RINGDATA_REQUIRE_RAY=1 RINGDATA_REQUIRE_BROWSER=1
# --timeout: a hung test fails with a stack trace instead of eating the CI budget.
exec python3 -m pytest -q -p no:cacheprovider --timeout 600 "$@"
