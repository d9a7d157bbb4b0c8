"""Attacks against the local bubblewrap backend (the properties are in attacks.py)."""

from __future__ import annotations

import pytest

from tests.sandboxes.attacks import *  # noqa: F401,F403 - the shared attack tests
from tests.sandboxes.attacks_reward import *  # noqa: F401,F403 - attacks on the reward
from tests.sandboxes.attacks_compiled import *  # noqa: F401,F403 - C++ attacks, the JVM's limits
from tests.sandboxes.attacks_kernel import *  # noqa: F401,F403 - what the kernel enforces
from tests.sandboxes.attacks_files import *  # noqa: F401,F403 - a submission's own files
from tests.sandboxes.attacks_harness import *  # noqa: F401,F403 - signals to the harness, what outlives a case


@pytest.fixture
def sandbox(local_solo):
    return local_solo


@pytest.fixture
def sandbox_pair(local_pair):
    return local_pair
