"""Attacks against the Docker backend (the properties are in attacks.py: one per test)."""

from __future__ import annotations

import pytest

from tests.sandboxes.attacks import *  # noqa: F401,F403 - the shared attack tests


@pytest.fixture
def sandbox(docker_solo):
    return docker_solo
