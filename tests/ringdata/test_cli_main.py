"""ringdata/cli/main.py, the one error boundary, through the real entry point: `python -m ringdata`
in a fresh process (not typer's test runner), so what a user sees is what is tested. Every failure
is one line on stderr, starting "error:", and a non-zero exit; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import DATA, ROOT, assert_one_line_error, ringdata


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "model").mkdir()  # a directory without config.json
    (d / "bad.toml").write_text('model = "tiny"\nbogus = 1\n[stages.math]\n')
    (d / "bad.jsonl").write_text(json.dumps({"question": "q", "domain": "math"}) + "\n{not json\n")
    (d / "r.jsonl").write_text(json.dumps({"problem_id": "x", "response": "1"}) + "\n")
    return d


CASES = [
    # (arguments, exit code, words the one line must hold)
    (["nocommand"], 2, "No such command"),
    (["curate", "{d}/missing.jsonl", "--out", "{d}/o"], 1, "missing.jsonl", "no such file"),
    (["curate", "{d}/bad.jsonl", "--out", "{d}/o"], 1, "bad.jsonl", "row 1"),
    (["grade", "--problems", "{d}/bad.jsonl", "--responses", "{d}/r.jsonl", "--out", "{d}/g.parquet",
      "--sandbox", "vm"], 2, "--sandbox", "unknown sandbox 'vm'"),
    (["grade", "--problems", "{data}/problems/gsm8k_train.jsonl", "--responses", "{d}/none.jsonl",
      "--out", "{d}/g.parquet"], 1, "none.jsonl", "no such responses file"),
    (["report", "{d}/model"], 1, "neither a curate output"),
    (["train", "--config", "{d}/bad.toml", "--out", "{d}/run"], 1, "bad.toml", "bogus"),
    (["rollout", "--model", "{d}/model", "--problems", "{data}/problems/gsm8k_train.jsonl", "--out", "{d}/r.jsonl",
      "--backend", "hf"], 1, "not a transformers model dir"),
    (["rollout", "--model", "{d}/model", "--problems", "{d}/p.jsonl", "--out", "{d}/r.jsonl", "--backend", "gpu"],
     2, "--backend"),
    (["select-checkpoint", "{d}/model"], 1, "not a transformers model dir"),
]


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c[0][:1] + [str(c[1])]) for c in CASES])
def test_every_failure_is_one_line_and_a_non_zero_exit(files, case):
    args, code, *words = case
    args = [a.format(d=files, data=DATA) for a in args]
    assert_one_line_error(ringdata(*args), code, *words)


def test_the_debug_variable_shows_the_traceback(files):
    env = dict(os.environ, RINGDATA_DEBUG="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "ringdata", "report", str(files / "model")], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "RingdataError" in proc.stderr
