"""`ringdata grade` (being built: see the open issue)."""

from ringdata.errors import RingdataError


def grade() -> None:
    """Not built yet."""
    raise RingdataError("ringdata grade is not built yet")
