"""Readers and writers. Problem files: `read_problems` (any supported format, auto-detected or named
with `--format`) and `write_problems` (Parquet, exactly `PROBLEM_SCHEMA`). The files that cross
commands (responses, verdicts, pass rates) have their schemas and reader/writer pairs in
`ringdata.core.io.runs`."""

from ringdata.core.io.formats import ADAPTERS, get_adapter
from ringdata.core.io.problems import ReadConfig, ReadResult, parse_field_map, read_problems, write_problems

__all__ = ["ADAPTERS", "ReadConfig", "ReadResult", "get_adapter", "parse_field_map",
           "read_problems", "write_problems"]
