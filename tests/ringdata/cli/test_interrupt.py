"""Ctrl-C, as a terminal sends it (SIGINT to the whole process group, worker processes included):
every command says what it kept and the exact command that continues it, exits 130, and leaves
no trap behind (a half-written directory that looks finished, parts silently graded again)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ringdata.core.records import Problem, TestCase, problems_to_table
from tests.conftest import DATA, ROOT, assert_one_line_error, ringdata


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RINGDATA_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def interrupt_when(args, ready, *, cwd: Path, timeout: float = 300) -> tuple[int, str]:
    """Run `ringdata ARGS` in its own process group, send SIGINT to the group once `ready(lines)`
    is true for the stderr lines so far (polled), and return (exit code, stderr)."""
    import threading

    proc = subprocess.Popen([sys.executable, "-m", "ringdata", *map(str, args)], cwd=cwd, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    try:
        while not ready(lines):
            assert proc.poll() is None, "finished before it could be interrupted:\n" + "".join(lines)
            assert time.monotonic() < deadline, "never got ready to be interrupted"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=120)
        reader.join(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, "".join(lines)


def continue_command(err: str, verb: str = "continue with") -> list[str]:
    """The command the message names, as argv for `ringdata` (without the program name)."""
    line = next(line for line in err.splitlines() if line.startswith(f"{verb}: "))
    argv = shlex.split(line.removeprefix(f"{verb}: "))
    assert argv[0] == "ringdata", line
    return argv[1:]


def test_curate_stopped_leaves_no_half_written_directory(tmp_path):
    out = tmp_path / "curated"
    # stopped once reading is done: the directory is complete or absent, whenever the signal lands
    code, err = interrupt_when(["curate", DATA / "problems", "--out", out],
                               lambda lines: any(line.startswith("read") for line in lines), cwd=tmp_path)
    assert code == 130, err
    assert "Traceback" not in err, err
    assert "interrupted: kept nothing" in err
    assert continue_command(err, "run it again with") == ["curate", str(DATA / "problems"), "--out", str(out)]
    assert not out.exists() or {"problems.parquet", "dropped.parquet", "report.json"} <= {p.name for p in out.iterdir()}
    assert [p.name for p in tmp_path.iterdir() if p.name != "curated"] == []  # no partial sibling left


SLOW = "import time\ntime.sleep(0.3)\na, b = map(int, input().split())\nprint(a + b)\n"  # 0.3 s a response


@pytest.fixture
def slow_code(tmp_path):
    """12 code responses that each take 0.3 s in the sandbox, so a run is stopped mid-way."""
    from sandboxes.local import bwrap_problem

    problem = bwrap_problem()
    if problem:
        pytest.skip(f"local sandbox unavailable here: {problem}")
    problems = [Problem(id=f"c{i}", domain="code", source="t", question=f"Task {i}: print a+b.",
                        tests=(TestCase(input="1 2\n", output="3\n"),)) for i in range(6)]
    pq.write_table(problems_to_table(problems), tmp_path / "problems.parquet")
    rows = [{"problem_id": p.id, "response": f"```python\n{SLOW}```"} for p in problems for _ in range(2)]
    (tmp_path / "responses.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path / "problems.parquet", tmp_path / "responses.jsonl"


def test_grade_stopped_keeps_its_parts_and_the_named_command_finishes_it(tmp_path, slow_code):
    problems, responses = slow_code
    out = tmp_path / "grades.parquet"
    args = ["grade", "-p", problems, "-r", responses, "-o", out, "--chunk-rows", "2", "--workers", "1",
            "--sandbox", "local"]
    parts = tmp_path / "grades.parts"
    code, err = interrupt_when(args, lambda lines: len(list(parts.glob("part-*.parquet"))) >= 1, cwd=tmp_path)
    assert code == 130 and "Traceback" not in err, err
    kept = next(line for line in err.splitlines() if line.startswith("interrupted: kept"))
    assert "verdicts" in kept and str(parts) in kept, kept
    resume = continue_command(err)
    assert resume == [*map(str, args), "--resume"]

    again = ringdata(*args, cwd=tmp_path)  # the same command without --resume: refused, nothing regraded
    assert_one_line_error(again, 1, str(parts), "pass --resume to continue it, or --overwrite")

    done = ringdata(*resume, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "resumed:" in done.stdout
    assert pq.read_metadata(out).num_rows == 12 and not parts.exists()


def test_rollout_stopped_resumes_to_what_an_uninterrupted_run_writes(tmp_path, untrained_tiny_dir):
    from train.rollout import CHUNK
    from train.toy import math_problems, write_toy

    write_toy(math_problems(3 * CHUNK, seed=5), tmp_path / "p.jsonl")
    args = ["rollout", "-m", untrained_tiny_dir, "-p", tmp_path / "p.jsonl", "-k", "2", "--backend", "hf",
            "--max-tokens", "12", "--seed", "3"]
    out, partial = tmp_path / "r.jsonl", tmp_path / "r.partial.jsonl"
    code, err = interrupt_when([*args, "--out", out], lambda lines: partial.exists() and partial.stat().st_size > 0,
                               cwd=tmp_path)
    assert code == 130 and "Traceback" not in err, err
    kept = next(line for line in err.splitlines() if line.startswith("interrupted: kept"))
    assert str(partial) in kept and not out.exists(), kept
    resume = continue_command(err)
    assert resume[-1] == "--resume"

    again = ringdata(*args, "--out", out, cwd=tmp_path)  # without --resume: refused, nothing sampled again
    assert_one_line_error(again, 1, str(partial), "pass --resume to continue it")
    done = ringdata(*resume, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "resume: " in done.stdout and "are kept" in done.stdout, done.stdout
    assert not partial.exists()

    whole = ringdata(*args, "--out", tmp_path / "whole.jsonl", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    assert out.read_text() == (tmp_path / "whole.jsonl").read_text()  # same chunks, same seeds, same rows


SMALL_STAGE = [f"--set=stages.math.{key}" for key in (  # a step of seconds: 2 prompts x 4 samples x 8 tokens
    "eval_problems=2", "eval_samples=1", "prompts_per_step=2", "samples_per_prompt=4", "max_response_tokens=8",
    "token_budget=32")]


def test_train_stopped_names_its_checkpoint_and_resume_says_where_it_continues(tmp_path, untrained_tiny_dir):
    out = tmp_path / "run"
    args = ["train", "-c", ROOT / "configs/tiny.toml", "--stage", "math", "--steps", "6", "--backend", "hf",
            "--set", f"model={untrained_tiny_dir}", "--set", "stages.math.checkpoint_every=1", *SMALL_STAGE, "--out", out]
    code, err = interrupt_when(args, lambda lines: (out / "math" / "checkpoints").is_dir()
                               and any(p.name.startswith("step_") for p in (out / "math" / "checkpoints").iterdir()),
                               cwd=tmp_path)
    assert code == 130 and "Traceback" not in err, err
    kept = next(line for line in err.splitlines() if line.startswith("interrupted: kept"))
    assert "math at step" in kept and "of 6" in kept, kept
    resume = continue_command(err)
    assert resume[-1] == "--resume"
    done = ringdata(*resume, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("resume: math"))
    assert "continues from" in line and "checkpoints/step_" in line and "of 6)" in line, line
    assert (out / "math" / "final" / "config.json").is_file()
    again = ringdata(*resume, cwd=tmp_path)  # all done: says so, trains nothing
    assert again.returncode == 0 and "resume: math is finished" in again.stdout, again.stderr


def test_train_resume_says_when_there_is_nothing_to_resume_from(tmp_path, untrained_tiny_dir):
    out = tmp_path / "run"
    (out / "math").mkdir(parents=True)  # a stage that stopped before its first checkpoint
    proc = ringdata("train", "-c", ROOT / "configs/tiny.toml", "--stage", "math", "--steps", "1", "--backend", "hf",
                    "--set", f"model={untrained_tiny_dir}", *SMALL_STAGE, "--out", out, "--resume", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "resume: math has no checkpoint in" in proc.stdout and "it starts at step 1" in proc.stdout


def test_ctrl_c_while_the_command_is_still_loading_is_one_line():
    """A real SIGINT that lands while the CLI's libraries import (before `ringdata.cli.main`
    exists, the first seconds of every command): one line and exit 130, no import traceback. The
    signal is sent from inside the import of typer, so it lands there every time."""
    script = (
        "import builtins, os, signal, sys\n"
        "real = builtins.__import__\n"
        "def hook(name, *args, **kwargs):\n"
        "    if name == 'typer':\n"
        "        builtins.__import__ = real\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = hook\n"
        "sys.argv = ['ringdata', 'curate', '--help']\n"
        "from ringdata.cli.start import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "interrupted: kept nothing (the command was still starting)\n", proc.stderr


def test_the_installed_command_and_python_m_start_in_the_guard():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["ringdata"] == "ringdata.cli.start:main"
    assert "from ringdata.cli.start import main" in (ROOT / "ringdata" / "__main__.py").read_text()
    light = subprocess.run([sys.executable, "-c", "import sys, ringdata.cli.start; print(sorted(m for m in sys.modules "
                            "if m.split('.')[0] in ('pyarrow', 'polars', 'typer', 'rich')))"],
                           env=_env(), capture_output=True, text=True, timeout=60)
    assert light.stdout.strip() == "[]", light.stdout  # the guard is in place before any of them loads
