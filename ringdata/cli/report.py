"""`ringdata report` (being built: see the open issue)."""

from ringdata.errors import RingdataError


def report() -> None:
    """Not built yet."""
    raise RingdataError("ringdata report is not built yet")
