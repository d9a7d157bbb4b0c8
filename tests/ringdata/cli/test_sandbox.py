"""ringdata/cli/sandbox.py: `ringdata sandbox status|build` through the real CLI entry point."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import SANDBOX_IMAGE, sandbox_build_args, skip_or_fail
from tests.sandboxes.conftest import docker_pool  # noqa: F401 - the session pool fixture


def ringdata(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "ringdata.cli.main", *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, "COLUMNS": "400", **(env or {})},  # no wrapping inside the table
    )  # fmt: skip


def test_status_reports_a_working_sandbox(docker_pool):
    proc = ringdata("sandbox", "status", "--image", SANDBOX_IMAGE)
    assert proc.returncode == 0, proc.stderr
    assert "running" in proc.stdout and "present" in proc.stdout and "docker smoke test" in proc.stdout


def test_status_without_an_engine_says_how_to_start_it():
    proc = ringdata("sandbox", "status", "--no-check", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert proc.returncode == 1
    assert "dockerd --iptables=false" in proc.stdout
    assert "error: the Docker sandbox is not ready" in proc.stderr


def test_build_skips_a_current_image():
    proc = ringdata("sandbox", "build", *sandbox_build_args())
    assert proc.returncode == 0, proc.stderr
    assert "already exists" in proc.stdout


def test_build_refuses_an_unknown_language():
    proc = ringdata("sandbox", "build", "--image", "ringdata-sandbox-never-built", "--languages", "python,rust")
    assert proc.returncode == 1
    assert "unknown language rust" in proc.stderr
