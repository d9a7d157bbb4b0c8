"""Shared fixtures. Engines that CI must have (Docker, vLLM) fail rather than skip when the
RINGDATA_REQUIRE_* variables are set, as scripts/test.sh does: a green run never hides a missing
engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def skip_or_fail(what: str, env: str, why: str) -> None:
    if os.environ.get(env):
        pytest.fail(f"{what} is required here ({env}=1) but unavailable: {why}")
    pytest.skip(f"{what} unavailable: {why}")
