"""Shared fixtures. Engines that CI must have (Docker, vLLM) fail rather than skip when the
RINGDATA_REQUIRE_* variables are set, as scripts/test.sh does: a green run never hides a missing
engine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def skip_or_fail(what: str, env: str, why: str) -> None:
    if os.environ.get(env):
        pytest.fail(f"{what} is required here ({env}=1) but unavailable: {why}")
    pytest.skip(f"{what} unavailable: {why}")


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
