"""`ringdata select-checkpoint` (being built: see the open issue)."""

from ringdata.errors import RingdataError


def select_checkpoint() -> None:
    """Not built yet."""
    raise RingdataError("ringdata select-checkpoint is not built yet")
