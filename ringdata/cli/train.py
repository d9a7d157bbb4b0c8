"""`ringdata train` (being built: see the open issue)."""

from ringdata.errors import RingdataError


def train() -> None:
    """Not built yet."""
    raise RingdataError("ringdata train is not built yet")
