"""sandboxes/health.py: the image's state against this checkout's recipe, and the smoke test, on
the real engine and the real bubblewrap backend."""

from __future__ import annotations

import pytest

from sandboxes.health import SMOKE_RIGHT, ImageState, image_health, smoke_test
from sandboxes.image import current_recipe
from tests.conftest import SANDBOX_IMAGE, skip_or_fail


@pytest.fixture(scope="module")
def engine():
    from ringdata.core.errors import RingdataError
    from sandboxes.image import client

    try:
        return client()
    except RingdataError as exc:
        skip_or_fail("Docker engine", "RINGDATA_REQUIRE_DOCKER", str(exc))


def test_a_missing_image_is_missing(engine):
    health = image_health(engine, "ringdata-sandbox-never-built")
    assert health.state is ImageState.MISSING and health.recipe is None and health.current == current_recipe()


def test_the_test_image_is_present_or_stale_by_its_recipe(engine):
    health = image_health(engine, SANDBOX_IMAGE)
    if health.state is ImageState.MISSING:
        skip_or_fail(f"the {SANDBOX_IMAGE} image", "RINGDATA_REQUIRE_DOCKER", "not built (ringdata sandbox build)")
    assert (health.state is ImageState.PRESENT) == (health.recipe == current_recipe())
    assert "python" in health.languages


def test_the_smoke_test_passes_on_the_local_backend():
    from sandboxes.local import bwrap_problem

    if problem := bwrap_problem():
        pytest.skip(f"bubblewrap unavailable: {problem}")
    result = smoke_test("local")
    assert result.ok, result.error or result.detail
    assert "python" in result.languages and set(result.languages) <= set(SMOKE_RIGHT)


def test_a_sandbox_that_cannot_start_is_an_error_not_a_crash():
    from sandboxes.docker_backend import DockerConfig

    result = smoke_test("docker", DockerConfig(image="ringdata-sandbox-never-built", pool_size=1))
    assert not result.ok and result.error and result.languages == ()
