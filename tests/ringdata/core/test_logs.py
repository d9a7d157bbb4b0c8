"""Library log lines stay out of the user's way by default and come back with -v."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# what an earlier in-process CLI call of this test session set: the subprocesses start without it
QUIET_ENV = ("VLLM_LOGGING_LEVEL", "TRANSFORMERS_VERBOSITY", "TORCH_CPP_LOG_LEVEL", "HF_HUB_DISABLE_PROGRESS_BARS")

# What the issue saw mixed into ringdata's output from transformers: its warning for a long prompt
# it is only asked to count, and a Python warning raised from inside a library module.
NOISE = """
import sys, warnings
from ringdata.core.logs import quiet_libraries
quiet_libraries(verbose=sys.argv[1] == "-v")
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(sys.argv[2])
tok.model_max_length = 8
tok("x" * 100)
import transformers  # a warning raised from a line inside the library, as torch's deprecations are
warnings.warn_explicit("deprecated-thing", FutureWarning, transformers.__file__, 1, module="transformers")
print("ringdata-output")
"""


@pytest.fixture(scope="module")
def tiny_dir():

    from train.tiny import tiny_model_dir

    return tiny_model_dir()


@pytest.mark.parametrize("verbose", [False, True])
def test_transformers_lines_hidden_by_default_and_shown_with_v(tiny_dir, verbose):
    env = {k: v for k, v in os.environ.items() if k not in QUIET_ENV}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-W", "always", "-c", NOISE, "-v" if verbose else "-", str(tiny_dir)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ringdata-output"
    shown = [n for n in ("Token indices sequence length", "deprecated-thing") if n in proc.stderr]
    assert shown == (["Token indices sequence length", "deprecated-thing"] if verbose else []), proc.stderr


@pytest.mark.slow
def test_vllm_engine_lines_hidden_by_default_and_shown_with_v(tiny_dir, tmp_path):
    """A real vLLM engine through `ringdata rollout`: its own lines (Triton, torch deprecations,
    C++ NUMA warnings, weight-loading bars, INFO lines where it configures logging) only with -v."""
    pytest.importorskip("vllm")
    import json

    problems = tmp_path / "p.jsonl"
    problems.write_text(json.dumps({"question": "What is 2+3?", "answer": "5", "domain": "math"}) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in QUIET_ENV}
    env["PYTHONPATH"] = str(ROOT)
    stderr = {}
    for flags in ([], ["-v"]):
        argv = [sys.executable, "-m", "ringdata", *flags, "rollout", "--model", str(tiny_dir), "--problems", str(problems),
                "-k", "2", "--max-tokens", "8", "--max-model-len", "256", "--backend", "vllm",
                "--out", str(tmp_path / f"r{len(flags)}.jsonl")]
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        stderr[bool(flags)] = proc.stderr
    # only ringdata's own progress line: no INFO lines, warnings or weight-loading bars
    # (a slow start repeats the phase's line every 10 s: "rollout (loading the model, ...): ...")
    assert {line.split(":")[0].split(" (")[0] for line in stderr[False].splitlines() if line.strip()} == {"rollout"}, \
        stderr[False][-3000:]
    library_lines = [line for line in stderr[True].splitlines() if line.strip() and not line.startswith("rollout")]
    assert len(library_lines) >= 2, stderr[True][-2000:]  # vLLM's and torch's own lines are back


def test_the_cli_takes_v_before_the_command():
    proc = subprocess.run([sys.executable, "-m", "ringdata", "-v", "report", "/nonexistent"],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "not a directory" in proc.stderr
