"""ringdata: raw reasoning problems in, clean RL data, trusted rewards and a C3PO policy out."""

__all__ = ["PROBLEM_SCHEMA", "DataError", "Problem", "RingdataError", "TestCase", "make_id"]
__version__ = "0.1.0"

# The names load on first use (PEP 562): importing `ringdata` loads nothing else, so the command's
# entry point (ringdata/cli/start.py) is running before pyarrow and the CLI's libraries load, and
# a Ctrl-C while they do is its to answer.
_HOMES = {"DataError": "ringdata.core.errors", "RingdataError": "ringdata.core.errors", "PROBLEM_SCHEMA": "ringdata.core.records",
          "Problem": "ringdata.core.records", "TestCase": "ringdata.core.records", "make_id": "ringdata.core.records"}


def __getattr__(name: str):
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'ringdata' has no attribute {name!r}")
