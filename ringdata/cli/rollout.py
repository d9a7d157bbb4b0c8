"""`ringdata rollout` (being built: see the open issue)."""

from ringdata.errors import RingdataError


def rollout() -> None:
    """Not built yet."""
    raise RingdataError("ringdata rollout is not built yet")
