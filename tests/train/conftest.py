"""Session fixtures for the trainer tests: ONE vLLM engine per test session (an engine costs
seconds to start and its KV cache, 256 MiB for the tiny model: train/backends/vllm.py
kv_cache_bytes). The tiny model (`tiny_dir`) is in tests/conftest.py."""

from __future__ import annotations


import pytest

from tests.conftest import skip_or_fail

@pytest.fixture(scope="session")
def vllm_backend(tiny_dir):
    """One vLLM engine on the tiny model for the whole session. Tests that push weights must push
    the original weights back (use `original_weights`)."""
    from train.rollout import make_backend, vllm_available

    if not vllm_available():
        skip_or_fail("vLLM", "RINGDATA_REQUIRE_VLLM", "vllm is not installed")
    try:
        backend = make_backend("vllm", tiny_dir, max_model_len=256, seed=0)
    except Exception as exc:  # noqa: BLE001 - an engine that cannot start here is "unavailable"
        skip_or_fail("vLLM", "RINGDATA_REQUIRE_VLLM", f"the engine did not start: {exc}")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def original_weights(tiny_dir):
    """The tiny model's weights, transformers names, as saved."""
    from safetensors.torch import load_file

    return load_file(str(tiny_dir / "model.safetensors"))
