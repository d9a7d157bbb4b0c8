"""ringdata: raw reasoning problems in, clean RL data, trusted rewards and a C3PO policy out."""

from ringdata.errors import DataError, RingdataError
from ringdata.records import PROBLEM_SCHEMA, Problem, TestCase, make_id

__all__ = ["PROBLEM_SCHEMA", "DataError", "Problem", "RingdataError", "TestCase", "make_id"]
__version__ = "0.1.0"
