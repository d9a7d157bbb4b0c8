"""The README's tour, command by command, as written: a fresh directory holding the bundled data
and configs, each command run through the real console entry point in order, each one's exit code
and its promised outputs checked. The only additions are the small options the README names
(`--steps 2`, `--limit 80`, `--probe-size 8`), so the tour fits the suite's time, and the sandbox
commands' image: the test image, with its own languages (`ringdata sandbox build` in a test must
find it current: run on a branch whose recipe differs, it rebuilt the shared image under everyone)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, SANDBOX_IMAGE, sandbox_build_args

SMALL = {  # the README's "adding only ..." options, per command
    "train": ["--steps", "2"],
    "rollout": ["--limit", "80"],  # 80 that fit the tiny model; the code contests before them do not
    "select-checkpoint": ["--probe-size", "8"],
}
EXPECT = {  # (command, its --out or first argument) -> what it promises to leave behind
    ("curate", "out/curated"): ["out/curated/problems.parquet", "out/curated/report.html"],
    ("grade", "out/grades.parquet"): ["out/grades.parquet", "out/grades.pass_rates.parquet"],
    ("curate", "out/curated2"): ["out/curated2/problems.parquet"],
    ("train", "runs/bundled"): ["runs/bundled/math/final/config.json", "runs/bundled/code/final/config.json"],
    ("train", "runs/demo"): ["runs/demo/math/final/config.json", "runs/demo/code/final/config.json"],
    ("report", "runs/demo"): ["runs/demo/report.html"],
    ("rollout", "out/responses.jsonl"): ["out/responses.jsonl"],
}


def _key(argv: list[str]) -> tuple[str, str]:
    target = argv[argv.index("--out") + 1] if "--out" in argv else (argv[1] if len(argv) > 1 else "")
    return argv[0], target


def tour_commands() -> list[str]:
    """The `ringdata ...` lines of the README's tour block, continuation lines joined."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## A tour.*?```bash\n(.*?)```", text, re.S).group(1)
    block = re.sub(r"\\\n\s*", "", block)
    lines = [line.split("  #")[0].strip() for line in block.splitlines()]
    return [line for line in lines if line.startswith("ringdata ")]


def test_the_tour_is_what_this_test_runs():
    commands = tour_commands()
    assert len(commands) == 11, commands
    assert all("[" not in c and "DIR" not in c for c in commands), "a placeholder is not a command"


@pytest.mark.slow
@pytest.mark.docker
def test_every_tour_command_runs_as_written(tmp_path):
    build_args = sandbox_build_args()  # before anything runs: never a build of a stale image
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "configs", tmp_path / "configs")  # copied: configs name ../out relative to themselves
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "HF_HUB_OFFLINE": "1"}
    timings = []
    for command in tour_commands():
        argv = shlex.split(command)[1:]
        argv += SMALL.get(argv[0], []) + _sandbox_image(argv, build_args)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "ringdata", *argv], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=900)
        timings.append(f"{time.perf_counter() - started:6.1f} s  {command}")
        assert proc.returncode == 0, f"`{command}` failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        assert "Traceback" not in proc.stderr, proc.stderr
        for path in EXPECT.get(_key(argv), []):
            assert (tmp_path / path).exists(), f"`{command}` did not write {path}"
        if argv[:2] == ["sandbox", "build"]:
            assert "already exists" in proc.stdout, proc.stdout  # checked, never built
    print("\n".join(timings))


def _sandbox_image(argv: list[str], build_args: list[str]) -> list[str]:
    """The tour's sandbox commands look at the test image; `build` gets its languages too."""
    if argv[0] != "sandbox":
        return []
    return build_args if argv[1:2] == ["build"] else ["--image", SANDBOX_IMAGE]


def test_the_demo_writes_apart_from_the_tour():
    """The README's first command (scripts/demo.sh) and the tour after it write different paths:
    the tour's first command used to stop at "out/curated/problems.parquet already exists"."""
    demo = re.sub(r"\\\n\s*", "", (ROOT / "scripts/demo.sh").read_text())
    demo_outs = {shlex.split(line)[shlex.split(line).index("--out") + 1]
                 for line in demo.splitlines() if line.startswith("ringdata ") and "--out" in line}
    tour_outs = {_key(shlex.split(c)[1:])[1] for c in tour_commands() if "--out" in c}
    assert demo_outs and tour_outs
    for d in demo_outs:
        for t in tour_outs:
            assert not (d == t or d.startswith(t.rstrip("/") + "/") or t.startswith(d.rstrip("/") + "/")), (d, t)
