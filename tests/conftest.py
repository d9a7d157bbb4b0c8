"""Shared fixtures. Engines that CI must have (Docker, vLLM) fail rather than skip when the
RINGDATA_REQUIRE_* variables are set, as scripts/test.sh does: a green run never hides a missing
engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may come from a hub: fail instead
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
# The Docker sandbox image the tests use: `ringdata-sandbox` (what setup.sh builds); another tag
# tests an image built beside it (`ringdata sandbox build --image TAG`) without touching the shared one.
SANDBOX_IMAGE = os.environ.get("RINGDATA_TEST_SANDBOX_IMAGE", "ringdata-sandbox")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a test's torch.distributed rendezvous)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def skip_or_fail(what: str, env: str, why: str) -> None:
    if os.environ.get(env):
        pytest.fail(f"{what} is required here ({env}=1) but unavailable: {why}")
    pytest.skip(f"{what} unavailable: {why}")


def sandbox_build_args() -> list[str]:
    """`--image` and `--languages` that make `ringdata sandbox build` a no-op on the test image.
    A test never builds: on a branch whose recipe differs from the image's, a build would replace
    the image everyone's tests share; such a test fails (or skips) instead, naming the fix."""
    from sandboxes.image import client, current_recipe, image_languages, image_recipe

    try:
        c = client()
    except Exception as exc:  # noqa: BLE001 - the engine's absence is reported as such
        skip_or_fail("Docker engine", "RINGDATA_REQUIRE_DOCKER", str(exc))
    recipe = image_recipe(c, SANDBOX_IMAGE)
    if recipe != current_recipe():
        skip_or_fail(f"a current {SANDBOX_IMAGE} image", "RINGDATA_REQUIRE_DOCKER",
                     f"its recipe is {recipe or 'missing'}, this checkout's is {current_recipe()}: "
                     f"`ringdata sandbox build --image {SANDBOX_IMAGE}` first")  # fmt: skip
    return ["--image", SANDBOX_IMAGE, "--languages", ",".join(sorted(image_languages(c, SANDBOX_IMAGE)))]


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """`ringdata ARGS...` through the real entry point and its error boundary: (exit code, stdout, stderr)."""
    from ringdata.cli.main import main

    monkeypatch.setattr(sys, "argv", ["ringdata", *map(str, args)])
    monkeypatch.delenv("RINGDATA_DEBUG", raising=False)
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def ringdata(*args, cwd=None) -> subprocess.CompletedProcess:
    """`python -m ringdata ARGS...` in a fresh process, as a user runs it (RINGDATA_DEBUG unset)."""
    env = {k: v for k, v in os.environ.items() if k != "RINGDATA_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "ringdata", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int, *words: str) -> None:
    """The failure is one line on stderr, "error: ...", holding `words`, and exit code `code`."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == code, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert all(w in lines[0] for w in words), lines[0]


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    """The fitted tiny model directory (built on first use; RINGDATA_CACHE moves the cache)."""
    from train.tiny import tiny_model_dir

    return tiny_model_dir()


@pytest.fixture(scope="session")
def untrained_tiny_dir(tmp_path_factory) -> Path:
    """The tiny model unfitted (random weights, built in seconds): for tests of what commands do
    around a model (resume, interrupt, path errors), not of what it says."""
    from train.tiny import tiny_model_dir

    return tiny_model_dir(tmp_path_factory.mktemp("tiny-untrained"), steps=0)


@pytest.fixture(scope="module")
def ray_cluster():
    """A real Ray cluster on this host: a head and one more node (one CPU each), so placement
    across nodes is real; tests may add and remove nodes. Per module, so no other test runs
    beside a live cluster. Fails instead of skipping under RINGDATA_REQUIRE_RAY=1 (scripts/test.sh)."""
    import logging

    try:
        import ray
        from ray.cluster_utils import Cluster
    except ImportError as exc:
        skip_or_fail("Ray", "RINGDATA_REQUIRE_RAY", str(exc))
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.WARNING)
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture(scope="session")
def demo_graded_items(tmp_path_factory):
    """The bundled demo: data/demo/responses.jsonl against the bundled problems, normalised and
    cleaned as `ringdata curate` does (dedup and decontamination skipped: they drop none of the
    demo's problems and take most of the time): [(problem, response), ...] in file order."""
    from ringdata.curate.pipeline import CurateConfig, curate
    from ringdata.core.io.problems import read_problem_records
    from ringdata.core.io.runs import read_responses

    out = tmp_path_factory.mktemp("curated")
    curate([DATA / "problems"], out, CurateConfig(dedup=False, decontam=False))
    by_id = {p.id: p for p in read_problem_records(out / "problems.parquet")}
    rows = read_responses(DATA / "demo" / "responses.jsonl", set(by_id)).rows
    return [(by_id[r.problem_id], r.response) for r in rows]
