"""`ringdata curate` (being built: see the open issue)."""

from ringdata.errors import RingdataError


def curate() -> None:
    """Not built yet."""
    raise RingdataError("ringdata curate is not built yet")
