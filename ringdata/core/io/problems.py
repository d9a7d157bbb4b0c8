"""Read problem files of any supported format into one `PROBLEM_SCHEMA` frame, and write them.

`read_problems` is what `ringdata curate` calls: it expands directories, reads each file
(`readers`), renames columns (`--field`), picks the adapter (`--format`, else auto-detection),
converts every row, and gives each problem a stable id: the data set's own id when it has one
(`task_id`, `unique_id`, `problemid`, `id`), else `make_id(source, question)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from rich.progress import Progress

from ringdata.core.errors import DataError, RingdataError
from ringdata.core.io.formats import ADAPTERS, Adapter, FieldError, detect, get_adapter
from ringdata.core.io.readers import RawFile, expand_inputs, read_parquet, read_raw
from ringdata.core.records import DOMAINS, PROBLEM_SCHEMA, Problem, conform, make_id, table_to_problems


@dataclass(frozen=True)
class ReadConfig:
    format: str | None = None  # adapter name; None = auto-detect per file
    fields: tuple[tuple[str, str], ...] = ()  # (field the adapter expects, column in the file)
    domain: str | None = None  # overrides the adapter's / row's domain
    source: str | None = None  # overrides the source name (default: the row's, else the file stem)


@dataclass(frozen=True)
class InputStats:
    file: str
    format: str
    rows: int


@dataclass
class ReadResult:
    frame: pl.DataFrame  # PROBLEM_SCHEMA columns
    inputs: list[InputStats] = field(default_factory=list)


def parse_field_map(text: str | None) -> tuple[tuple[str, str], ...]:
    """"question=problem,answer=solution" -> (("question", "problem"), ("answer", "solution"))."""
    if not text:
        return ()
    pairs = []
    for part in text.split(","):
        target, sep, source = part.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise RingdataError(
                f"--field {part!r} is not FIELD=COLUMN; write e.g. --field question=problem,answer=solution"
            )
        pairs.append((target.strip(), source.strip()))
    return tuple(pairs)


def file_stem(path: Path) -> str:
    name = path.name
    for suffix in (".jsonl.gz", ".jsonl", ".ndjson", ".json", ".parquet", ".csv"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def choose_adapter(raw: RawFile, config: ReadConfig) -> Adapter:
    if config.format:
        return get_adapter(config.format)
    first = raw.rows[0]
    found = detect(first)
    if not found and "question" in first and config.domain:
        return ADAPTERS["native"]  # Problem fields by name, the domain given on the command line
    names = ", ".join(sorted(first))
    if not found:
        raise DataError(
            f"cannot tell the format from the columns ({names})",
            file=raw.name,
            hint="pass --format NAME (one of " + ", ".join(ADAPTERS) + ") or map columns with "
            "--field question=COL,answer=COL and give --domain",
        )
    if len(found) > 1:
        raise DataError(
            f"columns ({names}) fit several formats: {', '.join(a.name for a in found)}",
            file=raw.name,
            hint="pass --format NAME to choose one",
        )
    return found[0]


def _rename(row: dict[str, Any], fields: tuple[tuple[str, str], ...], raw: RawFile, n: int) -> dict[str, Any]:
    if not fields:
        return row
    row = dict(row)
    for target, source in fields:
        if source not in row:
            raise DataError(
                f"column is missing (--field maps it to {target!r}); columns here: {', '.join(sorted(row))}",
                file=raw.name,
                row=n,
                field=source,
            )
        row[target] = row.pop(source)
    return row


def convert_file(raw: RawFile, config: ReadConfig, advance=lambda n=1: None) -> tuple[pl.DataFrame, str]:
    """One file's rows as a `PROBLEM_SCHEMA` frame, and the name of the adapter used."""
    renamed = [_rename(r, config.fields, raw, n) for r, n in zip(raw.rows, raw.row_numbers)]
    raw = RawFile(raw.path, renamed, raw.row_numbers)
    adapter = choose_adapter(raw, config)
    stem = file_stem(raw.path)
    out: list[dict[str, Any]] = []
    for row, n in zip(raw.rows, raw.row_numbers):
        try:
            got = adapter.convert(row)
        except FieldError as exc:
            raise DataError(
                f"{exc.message} ({adapter.name} format)",
                file=raw.name,
                row=n,
                field=exc.field,
                hint=exc.hint or "fix this row, or map the right column with --field FIELD=COLUMN",
            ) from None
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # a shape the adapter did not foresee
            raise DataError(
                f"cannot convert this row with the {adapter.name} format ({type(exc).__name__}: {exc})",
                file=raw.name,
                row=n,
                hint="check the row, or pass --format / --field",
            ) from None
        domain = config.domain or got.get("domain") or adapter.domain
        if not domain:
            raise DataError("missing", file=raw.name, row=n, field="domain", hint="add a domain column or pass --domain")
        source = config.source or got.get("source") or stem
        own = got.get("own_id")
        if own is not None and str(own).strip():
            pid = str(own).strip() if got.get("id_is_full") else f"{source}/{str(own).strip()}"
        else:
            pid = make_id(source, got["question"])
        meta = dict(got.get("metadata") or {})
        meta.setdefault("origin", f"{raw.path.name}:{n}")
        out.append(
            {
                "id": pid,
                "domain": domain,
                "source": source,
                "question": got["question"],
                "answer": got.get("answer"),
                "choices": got.get("choices"),
                "tests": got.get("tests"),
                "entry_point": got.get("entry_point"),
                "language": got.get("language"),
                "solutions": got.get("solutions"),
                "metadata": json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str),
                "pass_rate": got.get("pass_rate"),
                "n_samples": got.get("n_samples"),
            }
        )
        advance(1)
    try:
        table = pa.Table.from_pylist(out, schema=PROBLEM_SCHEMA)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise DataError(f"rows do not fit the problem schema ({exc})", file=raw.name) from None
    return pl.from_arrow(conform(table, file=raw.name)), adapter.name


def unique_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Repeated ids (SciBench reuses a few problem ids; the same native id in two files) get
    "#2", "#3", ... in input order, so every row stays addressable and ids stay stable."""
    nth = pl.int_range(pl.len()).over("id")
    return frame.with_columns(
        pl.when(nth == 0).then(pl.col("id")).otherwise(pl.col("id") + "#" + (nth + 1).cast(pl.Utf8)).alias("id")
    )


def read_problems(inputs: list[Path], config: ReadConfig = ReadConfig(), progress: Progress | None = None) -> ReadResult:
    """Every problem in `inputs` (files, directories, `datasets` folders), in input order."""
    frames, stats = [], []
    paths = expand_inputs(list(inputs))
    # One bar for the whole read, not one per file (a sharded set is dozens of files): its total
    # grows as each file is opened, so rows/s is right from the start.
    task = progress.add_task("read", total=0) if progress is not None else None
    seen = 0
    for n, path in enumerate(paths, start=1):
        raw = read_raw(path)
        advance = lambda k=1: None  # noqa: E731
        if progress is not None:
            seen += len(raw.rows)
            progress.update(task, total=seen, description=f"read ({n}/{len(paths)} files)" if len(paths) > 1 else "read")
            advance = lambda k=1: progress.advance(task, k)  # noqa: E731
        frame, fmt = convert_file(raw, config, advance)
        frames.append(frame)
        stats.append(InputStats(str(path), fmt, frame.height))
    if progress is not None:
        progress.remove_task(task)
    frame = unique_ids(pl.concat(frames, how="vertical_relaxed"))
    return ReadResult(frame, stats)


def read_problem_records(path: Path, config: ReadConfig = ReadConfig()) -> list[Problem]:
    """`read_problems` of one file (or directory) as `Problem` records, for the commands that take
    problems one at a time (`ringdata grade`, `ringdata rollout`)."""
    return [Problem.from_row(row) for row in read_problems([path], config).frame.iter_rows(named=True)]


def to_table(frame: pl.DataFrame, *, file: str) -> pa.Table:
    """A polars frame with the problem columns as exactly `PROBLEM_SCHEMA`."""
    return conform(frame.select([c for c in PROBLEM_SCHEMA.names if c in frame.columns]).to_arrow(), file=file)


def write_problems(frame: pl.DataFrame, path: Path) -> Path:
    """Write `frame` as Parquet with exactly `PROBLEM_SCHEMA`."""
    pq.write_table(to_table(frame, file=str(path)), path)
    return path


def read_curated(path: Path, domains: Sequence[str] = DOMAINS, *, field: str = "data") -> list[Problem]:
    """The `domains` problems of a curated Parquet file (or a `ringdata curate --out` dir, whose
    kept problems.parquet it reads, never dropped.parquet), schema-checked. `field` names the
    option or config key the path came from, for the error message."""
    if not path.exists():
        raise DataError("data file not found", file=str(path), field=field)
    if path.is_dir():
        path = path / "problems.parquet"
        if not path.exists():
            raise DataError("a data directory must hold problems.parquet (ringdata curate --out DIR)",
                            file=str(path.parent), field=field)
    table = conform(read_parquet(path), file=str(path))
    problems = [p for p in table_to_problems(table) if p.domain in domains]
    if not problems:
        raise DataError(f"no {'/'.join(domains)} problems", file=str(path), field=field)
    return problems
