"""Raw readers: a file (or a `datasets` folder) in, a list of plain dict rows out.

Readers know file formats, not data sets: turning a raw row into a `Problem` is the adapters' job
(`ringdata.core.io.formats`). Every failure is a `DataError` naming the file and, where there is one,
the row (counted from 1: a JSONL row is its line; see `DataError`) and what to do, so a broken input is one line on the
terminal rather than a traceback.

Why rows as dicts and not a columnar frame: public problem files are nested and not uniform (the
same `tests` field is an object in one row and a list in the next), and each row has to be checked
with an error that names it. The curation steps that follow are columnar.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ringdata.core.errors import DataError

# File name endings a directory scan picks up; anything else in a directory is ignored.
SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz", ".ndjson", ".json", ".parquet", ".csv")
_DATASET_MARKERS = ("dataset_info.json", "state.json")  # what `Dataset.save_to_disk` writes
_DATASET_DICT_MARKER = "dataset_dict.json"  # what `DatasetDict.save_to_disk` writes


@dataclass(frozen=True)
class RawFile:
    """The rows of one input as plain Python values, with the name errors should use."""

    path: Path
    rows: list[dict[str, Any]]
    row_numbers: list[int]  # the row number to quote in errors for rows[i] (JSONL: its line)

    @property
    def name(self) -> str:
        return str(self.path)


def is_dataset_dir(path: Path) -> bool:
    return path.is_dir() and (
        all((path / m).exists() for m in _DATASET_MARKERS) or (path / _DATASET_DICT_MARKER).exists()
    )


def expand_inputs(inputs: list[Path]) -> list[Path]:
    """Files and `datasets` folders to read, in a stable order; a directory means every data file
    (and every `datasets` folder) below it. The same file named twice is read once."""
    found: list[Path] = []
    for path in inputs:
        if not path.exists():
            raise DataError("no such file or directory", file=str(path), hint="check the path")
        if path.is_file() or is_dataset_dir(path):
            found.append(path)
            continue
        inside = _scan(path)
        if not inside:
            raise DataError(
                f"directory has no data files (looked for {', '.join(SUFFIXES)} or a datasets folder)",
                file=str(path),
            )
        found.extend(inside)
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _scan(directory: Path) -> list[Path]:
    out: list[Path] = []
    for child in sorted(directory.iterdir()):
        if child.name.startswith("."):
            continue
        if is_dataset_dir(child):
            out.append(child)
        elif child.is_dir():
            out.extend(_scan(child))
        elif child.name.endswith(SUFFIXES):
            out.append(child)
    return out


def read_raw(path: Path) -> RawFile:
    """Read one input. Raises `DataError` for a missing, empty, undecodable or unknown file."""
    if not path.exists():
        raise DataError("no such file or directory", file=str(path), hint="check the path")
    if path.is_dir():
        if is_dataset_dir(path):
            return _read_dataset_dir(path)
        raise DataError(
            "is a directory, not a data file or a datasets folder",
            file=str(path),
            hint="pass the directory to `ringdata curate` to read every data file inside",
        )
    name = path.name.lower()
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        raw = _read_jsonl(path)
    elif name.endswith(".json"):
        raw = _read_json(path)
    elif name.endswith(".parquet"):
        raw = _read_parquet(path)
    elif name.endswith(".csv"):
        raw = _read_csv(path)
    else:
        raise DataError(
            f"cannot read files named *{path.suffix or path.name}",
            file=str(path),
            hint="use .jsonl, .json, .parquet, .csv or a folder written by datasets' save_to_disk",
        )
    if not raw.rows:
        raise DataError("file has no rows", file=str(path), hint="remove it from the inputs or fill it")
    return raw


def _text(path: Path) -> str:
    """The file's text; a non-UTF-8 byte is an error naming its line."""
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise DataError(f"not a readable gzip file ({exc})", file=str(path)) from None
    if not data.strip():
        raise DataError("file is empty", file=str(path), hint="remove it from the inputs or fill it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n")
        raise DataError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8",
            file=str(path),
            row=line,
            hint="re-encode the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`",
        ) from None


def _read_jsonl(path: Path) -> RawFile:
    rows, numbers = [], []
    for i, line in enumerate(_text(path).splitlines()):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"not valid JSON ({exc.msg} at column {exc.colno})",
                file=str(path),
                row=i,
                hint="fix or delete that line",
            ) from None
        if not isinstance(value, dict):
            raise DataError(
                f"a JSON {type(value).__name__}, expected an object",
                file=str(path),
                row=i,
                hint="each line must be one JSON object",
            )
        rows.append(value)
        numbers.append(i)
    return RawFile(path, rows, numbers)


def _read_json(path: Path) -> RawFile:
    """A JSON array of objects (how SciBench and rllm publish their sets), or one JSON-lines file
    that happens to be named .json."""
    text = _text(path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("{") and exc.msg == "Extra data":
            return _read_jsonl(path)
        raise DataError(
            f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            file=str(path),
            hint="fix the file, or save one object per line as .jsonl",
        ) from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise DataError(f"top level is a JSON {type(value).__name__}, expected a list of objects", file=str(path))
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise DataError(f"item is a JSON {type(item).__name__}, expected an object", file=str(path), row=i)
    return RawFile(path, value, list(range(len(value))))


def read_parquet(path: Path, *, what: str = "Parquet file"):
    """A `pyarrow.Table`, or a one-line `DataError` naming the file (missing or unreadable). Every
    Parquet file ringdata reads (problems, responses, verdicts) comes through here."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such {what}", file=str(path))
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"not a readable Parquet file ({exc})", file=str(path)) from None


def _read_parquet(path: Path) -> RawFile:
    rows = read_parquet(path).to_pylist()
    return RawFile(path, rows, list(range(len(rows))))


def _read_csv(path: Path) -> RawFile:
    """Every cell is read as text (no type guessing): adapters parse numbers and JSON cells."""
    import io

    import polars as pl

    text = _text(path)
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"not a readable CSV file ({first})", file=str(path)) from None
    rows = frame.to_dicts()
    # a CSV data row i sits on line i + 2 (after the header); quote data rows, 0-based
    return RawFile(path, rows, list(range(len(rows))))


def _dataset_table(path: Path):
    """The rows of a `Dataset.save_to_disk` folder, read with pyarrow: the shards state.json lists
    (`data-0000i-of-0000n.arrow`, Arrow IPC streams, indices already flattened by save_to_disk),
    in order. One reader does not justify importing `datasets` (seconds, and a dependency)."""
    import pyarrow as pa

    try:
        state = json.loads((path / "state.json").read_text())
        shards = [path / f["filename"] for f in state["_data_files"]]
        tables = []
        for shard in shards:
            with pa.memory_map(str(shard)) as source:
                tables.append(pa.ipc.open_stream(source).read_all())
        return pa.concat_tables(tables) if tables else pa.table({})
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise DataError(f"not a readable datasets folder ({type(exc).__name__}: {exc})", file=str(path)) from None


def _read_dataset_dir(path: Path) -> RawFile:
    if (path / _DATASET_DICT_MARKER).exists():
        splits = json.loads((path / _DATASET_DICT_MARKER).read_text()).get("splits", [])
        raise DataError(
            f"folder holds several splits ({', '.join(splits)})",
            file=str(path),
            hint=f"pass one split folder, e.g. {path / (splits[0] if splits else 'train')}",
        )
    rows = _dataset_table(path).to_pylist()
    if not rows:
        raise DataError("dataset has no rows", file=str(path))
    return RawFile(path, rows, list(range(len(rows))))
