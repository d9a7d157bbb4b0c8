"""The files one command writes and another reads: one schema and one reader/writer pair each.

    ringdata rollout  --out R.jsonl          -> responses   (write_responses)
                                             -> R.skipped.jsonl (write_skipped: prompts too long)
    ringdata grade    --responses R.jsonl    <- responses   (read_responses, iter_responses; on Ray:
                                                            plan_response_chunks + read_response_chunk)
                      --out G.parquet        -> verdicts    (write_verdicts, join_verdicts; read_verdicts, iter_verdicts)
                                             -> G.pass_rates.parquet (write_pass_rates)
                                             -> G.rejected.jsonl     (write_rejected)
    ringdata curate   --pass-rates P         <- pass rates  (read_pass_rates)

Responses are JSONL (one object a line, what people write by hand) or Parquet (by the file's
suffix); verdicts and pass rates are Parquet with exactly the schemas below. A reader checks what
it reads and names the file, row and field of the first problem (`DataError`); a response row it
cannot grade is returned as `Rejected`, never dropped silently.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from ringdata.core.errors import DataError, RingdataError
from ringdata.core.io.readers import read_parquet
from ringdata.core.records import Problem

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "PASS_RATE_SCHEMA", "RESPONSE_SCHEMA", "VERDICT_SCHEMA", "GradeOutputs", "PartialResponses", "PassRate", "Rejected", "Response",
    "ResponseChunk", "ResponseSet", "SampleNumbers", "check_responses_file", "count_response_rows", "iter_responses",
    "iter_verdicts", "join_verdicts", "plan_response_chunks", "read_pass_rates", "read_response_chunk",
    "read_responses", "read_verdicts", "row_problem", "sample_problem", "skipped_path", "verdicts_metadata",
    "write_pass_rates", "write_rejected", "write_responses", "write_skipped", "write_verdicts",
]  # fmt: skip

RESPONSE_SCHEMA = pa.schema([
    pa.field("problem_id", pa.string(), nullable=False),
    pa.field("sample", pa.int64(), nullable=False),  # 0..K-1 per problem
    pa.field("response", pa.string()),  # the model's text; null is graded as an empty response
    pa.field("finish_reason", pa.string()),  # "stop" | "length" (hit --max-tokens); null when unknown
    pa.field("tokens", pa.int64()),  # response tokens; null when unknown
])  # fmt: skip

VERDICT_SCHEMA = pa.schema([
    pa.field("problem_id", pa.string(), nullable=False),
    pa.field("sample", pa.int64(), nullable=False),
    pa.field("domain", pa.string()),
    pa.field("reward", pa.float64()),
    pa.field("correct", pa.bool_()),
    pa.field("reason", pa.string()),  # rewards.Reason value
    pa.field("extracted", pa.string()),  # the answer (or program) the grader read
    pa.field("detail", pa.string()),
    pa.field("pass_fraction", pa.float64()),  # code: fraction of tests passed; null otherwise
    pa.field("seconds", pa.float64()),  # verification time
])  # fmt: skip

PASS_RATE_SCHEMA = pa.schema([
    pa.field("problem_id", pa.string(), nullable=False),
    pa.field("pass_rate", pa.float64(), nullable=False),  # mean reward over the problem's samples, in [0, 1]
    pa.field("n_samples", pa.int64(), nullable=False),
])  # fmt: skip


@dataclass(frozen=True)
class Response:
    """One sampled response to one problem (a row of `RESPONSE_SCHEMA`)."""

    problem_id: str
    sample: int
    response: str
    finish_reason: str | None = None
    tokens: int | None = None


@dataclass(frozen=True)
class PassRate:
    problem_id: str
    pass_rate: float
    n_samples: int


@dataclass(frozen=True)
class Rejected:
    """A response row that could not be graded, with where and why."""

    line: int  # 1-based line (JSONL) or row (Parquet) in the responses file
    problem_id: str | None
    why: str


@dataclass
class ResponseSet:
    rows: list[Response]  # to grade, in file order
    rejected: list[Rejected]


@dataclass(frozen=True)
class GradeOutputs:
    """The files `ringdata grade --out G.parquet` writes: G.parquet and its siblings."""

    verdicts: Path
    pass_rates: Path
    rejected: Path

    @classmethod
    def beside(cls, out: Path) -> "GradeOutputs":
        stem = out.with_suffix("") if out.suffix == ".parquet" else out
        return cls(out, stem.parent / f"{stem.name}.pass_rates.parquet", stem.parent / f"{stem.name}.rejected.jsonl")


# ---- Parquet or JSONL by the suffix -------------------------------------------------------------------


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _write_rows(path: Path, rows: Iterable[dict[str, Any]], schema: pa.Schema) -> Path:
    """Parquet (exactly `schema`) when the name ends in .parquet, else JSONL."""
    path = Path(path)
    if path.suffix != ".parquet":
        return _write_jsonl(path, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(rows), schema=schema), path)
    return path


# ---- responses ---------------------------------------------------------------------------------


def write_responses(path: Path, responses: Iterable[Response]) -> Path:
    """`ringdata rollout`'s output: Parquet when `path` ends in .parquet, else JSONL; written under
    a temporary name and renamed, so the file is whole or absent."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
    _write_rows(tmp, (asdict(r) for r in responses), RESPONSE_SCHEMA)
    os.replace(tmp, path)
    return path


class PartialResponses:
    """A rollout's responses as they are sampled: `OUT.partial.jsonl`, one line per response,
    appended and flushed chunk by chunk, beside `OUT.partial.json` (the settings it was sampled
    with). A stopped rollout keeps it; `--resume` checks the settings, drops a torn last line and
    samples only the problems that lack their K responses. Removed once OUT is written whole."""

    def __init__(self, out: Path, settings: dict[str, Any]) -> None:
        self.out, self.settings = Path(out), settings
        stem = self.out.with_suffix("") if self.out.suffix in (".jsonl", ".parquet") else self.out
        self.path = stem.parent / f"{stem.name}.partial.jsonl"
        self.manifest = stem.parent / f"{stem.name}.partial.json"

    def open(self, *, resume: bool, overwrite: bool) -> list[Response]:
        """Start (or, with `resume`, continue) the partial file; the responses it already holds."""
        if not resume and not overwrite and self.rows():
            raise RingdataError(f"{self.path} holds {len(self.rows()):,} responses of a rollout that stopped; pass "
                                "--resume to continue it, or --overwrite to sample everything again")
        if resume and self.path.exists():
            found = json.loads(self.manifest.read_text()) if self.manifest.exists() else None
            if found != self.settings:
                changed = sorted(k for k in self.settings if (found or {}).get(k) != self.settings[k])
                raise RingdataError(f"--resume: {self.path} was sampled with other settings ({', '.join(changed)}); "
                                    "run the same command, or pass --overwrite to start over")
            self._drop_torn_line()
            return self.rows()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.manifest.write_text(json.dumps(self.settings))
        self.path.write_text("")
        return []

    def _drop_torn_line(self) -> None:
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):  # killed mid-write: the last line is incomplete
            with self.path.open("r+b") as fh:
                fh.truncate(data.rfind(b"\n") + 1)

    def append(self, responses: Sequence[Response]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in responses))
            fh.flush()
            os.fsync(fh.fileno())

    def rows(self) -> list[Response]:
        """The whole lines written so far; a problem's responses once each (a chunk sampled again
        after a torn write draws the same responses)."""
        if not self.path.exists():
            return []
        seen, rows = set(), []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                r = Response(**json.loads(line))
            except (ValueError, TypeError):  # a torn last line
                continue
            if (r.problem_id, r.sample) not in seen:
                seen.add((r.problem_id, r.sample))
                rows.append(r)
        return rows

    def done(self, k: int) -> set[str]:
        """Problems with all `k` responses written: not sampled again."""
        counts: dict[str, int] = {}
        for r in self.rows():
            counts[r.problem_id] = counts.get(r.problem_id, 0) + 1
        return {pid for pid, n in counts.items() if n >= k}

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        self.manifest.unlink(missing_ok=True)


def skipped_path(out: Path) -> Path:
    """Where `ringdata rollout --out OUT` lists the problems it did not sample."""
    stem = out.with_suffix("") if out.suffix in (".jsonl", ".parquet") else out
    return stem.parent / f"{stem.name}.skipped.jsonl"


def write_skipped(path: Path, problems: Sequence[Problem], max_prompt_tokens: int) -> Path:
    """JSONL {problem_id, why}: problems a rollout skipped because their prompt is too long."""
    why = f"prompt longer than {max_prompt_tokens} tokens (max model length minus max tokens)"
    return _write_jsonl(path, ({"problem_id": p.id, "why": why} for p in problems))


def read_responses(path: Path, known_ids: set[str]) -> ResponseSet:
    """Rows `{problem_id, response, sample?, ...}` from JSONL or Parquet, all in memory (see
    `iter_responses` for the rules and for files larger than memory)."""
    rows, rejected = [], []
    for chunk in iter_responses(path, known_ids):
        rows += chunk.rows
        rejected += chunk.rejected
    return ResponseSet(rows, rejected)


def check_responses_file(path: Path) -> None:
    if Path(path).is_dir():
        raise DataError("is a directory; --responses takes one JSONL or Parquet file", file=str(path))
    if not Path(path).is_file():
        raise DataError("no such responses file", file=str(path))


def count_response_rows(path: Path) -> int:
    """Rows in a responses file without parsing them (for a progress bar): Parquet's metadata,
    or the non-blank lines of a JSONL file."""
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def iter_responses(path: Path, known_ids: set[str], chunk_rows: int = 4096) -> Iterator[ResponseSet]:
    """The responses file in chunks of `chunk_rows` input rows (the last may be shorter), read
    as they are needed: memory holds one chunk, plus a few bytes per problem to number samples.
    A missing `sample` gets the next index for its problem. Malformed rows, unknown problem ids
    and repeated (problem_id, sample) pairs are returned as `Rejected`, never dropped silently.
    Raises `DataError` when the file itself cannot be read."""
    path = Path(path)
    check_responses_file(path)
    samples = SampleNumbers()
    raw: list[tuple[int, Any]] = []
    for n, row in _raw_rows(path, chunk_rows):
        raw.append((n, row))
        if len(raw) == chunk_rows:
            yield samples.check(raw, known_ids)
            raw = []
    if raw:
        yield samples.check(raw, known_ids)


def _raw_rows(path: Path, batch_rows: int) -> Iterator[tuple[int, Any]]:
    """(1-based line or row, parsed row or why it did not parse), streamed."""
    if path.suffix == ".parquet":
        try:
            batches = pq.ParquetFile(path).iter_batches(batch_size=batch_rows)
            n = 0
            for batch in batches:
                for row in batch.to_pylist():
                    n += 1
                    yield n, row
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"not a readable Parquet file ({str(exc).strip().splitlines()[0]})", file=str(path)) from None
        return
    with open(path, "rb") as fh:  # lines end at \n only, as `read_response_chunk` cuts them
        for n, raw in enumerate(fh, start=1):
            text = raw.decode("utf-8", errors="replace")
            if text.strip():
                yield n, _parse_line(text)


def _parse_line(text: str) -> Any:
    """A JSONL line's object, or why it is not one."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg})"


@dataclass(frozen=True)
class ResponseChunk:
    """Where chunk `index` of a responses file lies (`plan_response_chunks`): rows [first_row,
    first_row + rows) of the file, counted from 0 (blank lines are not rows), what
    `iter_responses(path, ids, chunk_rows)` yields as its chunk `index`."""

    index: int
    first_row: int
    rows: int
    first_line: int  # 1-based line (JSONL) or row (Parquet) where the chunk starts
    start: int  # JSONL: byte offset of the chunk; Parquet: its first row
    end: int  # JSONL: byte offset past it; Parquet: past its last row


def plan_response_chunks(path: Path, chunk_rows: int) -> list[ResponseChunk]:
    """The chunks of `chunk_rows` rows a responses file falls into, so that other processes
    (Ray read tasks) can each read one: Parquet's from its metadata; JSONL's by one pass that
    finds line ends (no JSON is parsed; memory is a few numbers per chunk)."""
    path = Path(path)
    check_responses_file(path)
    if path.suffix == ".parquet":
        try:
            total = pq.ParquetFile(path).metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"not a readable Parquet file ({str(exc).strip().splitlines()[0]})", file=str(path)) from None
        return [ResponseChunk(k, s, min(chunk_rows, total - s), s + 1, s, min(total, s + chunk_rows))
                for k, s in enumerate(range(0, total, chunk_rows))]
    chunks: list[ResponseChunk] = []
    offset = start = rows = first_row = line = 0
    start_line = 1
    with open(path, "rb") as fh:
        for raw in fh:
            line += 1
            offset += len(raw)
            rows += bool(raw.decode("utf-8", errors="replace").strip())
            if rows == chunk_rows:
                chunks.append(ResponseChunk(len(chunks), first_row, rows, start_line, start, offset))
                first_row, rows, start, start_line = first_row + rows, 0, offset, line + 1
    if rows:
        chunks.append(ResponseChunk(len(chunks), first_row, rows, start_line, start, offset))
    return chunks


def read_response_chunk(path: Path, chunk: ResponseChunk) -> list[tuple[int, Any]]:
    """One chunk's rows as `iter_responses` reads them: (1-based line or row, parsed row or why
    it did not parse)."""
    path = Path(path)
    if path.suffix == ".parquet":
        try:
            pf = pq.ParquetFile(path)
            groups, first, at = [], 0, 0  # the row groups the chunk touches, and where the first starts
            for g in range(pf.metadata.num_row_groups):
                n = pf.metadata.row_group(g).num_rows
                if at + n > chunk.start and at < chunk.end:
                    first = at if not groups else first
                    groups.append(g)
                at += n
            table = pf.read_row_groups(groups).slice(chunk.start - first, chunk.end - chunk.start)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"not a readable Parquet file ({str(exc).strip().splitlines()[0]})", file=str(path)) from None
        return [(chunk.first_line + i, row) for i, row in enumerate(table.to_pylist())]
    out = []
    with open(path, "rb") as fh:
        fh.seek(chunk.start)
        for n, raw in enumerate(io.BytesIO(fh.read(chunk.end - chunk.start)), start=chunk.first_line):
            text = raw.decode("utf-8", errors="replace")
            if text.strip():
                out.append((n, _parse_line(text)))
    return out


class SampleNumbers:
    """Which (problem_id, sample) pairs a file has used so far: a bit mask per problem (samples
    below `_BITS`; a set beyond), so a 1.6M-row file costs bytes per problem, not per row."""

    _BITS = 1 << 16  # samples numbered past this (rare, hand-made files) go to a set

    def __init__(self) -> None:
        self.next: dict[str, int] = {}
        self.mask: dict[str, int] = {}
        self.big: set[tuple[str, int]] = set()

    def seen(self, pid: str, sample: int) -> bool:
        if sample >= self._BITS:
            return (pid, sample) in self.big
        return bool(self.mask.get(pid, 0) >> sample & 1)

    def add(self, pid: str, sample: int) -> None:
        if sample >= self._BITS:
            self.big.add((pid, sample))
        else:
            self.mask[pid] = self.mask.get(pid, 0) | 1 << sample
        self.next[pid] = max(self.next.get(pid, 0), sample + 1)

    def take(self, pid: str, sample: int | None) -> tuple[int, str | None]:
        """Number the next row of problem `pid`: its own `sample` (checked by `sample_problem`)
        or, when None, the problem's next; (sample, why) where why refuses a repeat."""
        if sample is None:
            sample = self.next.get(pid, 0)
        if self.seen(pid, sample):
            return sample, f"repeated sample {sample} for this problem"
        self.add(pid, sample)
        return sample, None

    def check(self, raw: list[tuple[int, Any]], known_ids: set[str]) -> ResponseSet:
        rows, rejected = [], []
        for n, row in raw:
            why, pid = row_problem(row)
            if why is None and pid not in known_ids:
                why = "unknown problem_id"
            if why is None and row.get("sample") is not None:
                why = sample_problem(row["sample"])
            if why is None:
                sample, why = self.take(pid, row.get("sample"))
            if why is not None:
                rejected.append(Rejected(n, pid, why))
                continue
            response = row.get("response")
            rows.append(Response(pid, sample, "" if response is None else response,
                                 row.get("finish_reason"), row.get("tokens")))
        return ResponseSet(rows, rejected)


def sample_problem(sample: Any) -> str | None:
    """Why a row's given `sample` cannot number it, or None."""
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample < 1 << 63:
        return f"sample is {sample!r}, expected a non-negative integer"  # below 2**63: VERDICT_SCHEMA's int64
    return None


def row_problem(row: Any) -> tuple[str | None, str | None]:
    """(why malformed or None, problem_id)."""
    if isinstance(row, str):
        return row, None
    if not isinstance(row, dict):
        return f"a {type(row).__name__}, expected an object", None
    pid = row.get("problem_id")
    if not isinstance(pid, str) or not pid:
        return "missing or non-string problem_id", None
    if "response" not in row:
        return "missing response", pid
    if row["response"] is not None and not isinstance(row["response"], str):
        return f"response is a {type(row['response']).__name__}, expected a string", pid
    return None, pid


def write_rejected(path: Path, rejected: Sequence[Rejected]) -> Path:
    """The rows `read_responses` could not grade, as JSONL {line, problem_id, why}."""
    return _write_jsonl(path, (asdict(r) for r in rejected))


# ---- verdicts ----------------------------------------------------------------------------------


def write_verdicts(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    """`ringdata grade`'s per-response table (Parquet): rows with the `VERDICT_SCHEMA` columns."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(rows), schema=VERDICT_SCHEMA), path)
    return path


def join_verdicts(parts: Sequence[Path], path: Path, metadata: dict[str, str] | None = None) -> Path:
    """One verdict file from verdict parts written in order (a row group per part, streamed),
    with `metadata` in its schema (`verdicts_metadata` reads it back)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, VERDICT_SCHEMA.with_metadata(metadata or {})) as writer:
        for part in parts:
            writer.write_table(pq.read_table(part, schema=VERDICT_SCHEMA))
    return path


def verdicts_metadata(path: Path) -> dict[str, str]:
    """The metadata `join_verdicts` stored; {} when the file is missing or unreadable."""
    try:
        raw = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return {}
    return {k.decode(): v.decode() for k, v in raw.items() if not k.startswith(b"ARROW")}


def iter_verdicts(path: Path, batch_rows: int = 65536) -> Iterator[pa.RecordBatch]:
    """A verdict file in record batches (what `ringdata grade` sums its pass rates from)."""
    yield from pq.ParquetFile(path).iter_batches(batch_size=batch_rows)


def read_verdicts(path: Path) -> pa.Table:
    """A verdict table, checked against `VERDICT_SCHEMA` (columns and types)."""
    table = read_parquet(path, what="verdict table")
    for f in VERDICT_SCHEMA:
        if f.name not in table.column_names:
            raise DataError(f"missing column; the table has {', '.join(table.column_names)}", file=str(path),
                            field=f.name, hint="pass the table `ringdata grade --out` wrote")
    try:
        return table.select(VERDICT_SCHEMA.names).cast(VERDICT_SCHEMA)
    except (pa.ArrowException, ValueError) as exc:
        raise DataError(f"columns do not fit the verdict schema ({exc})", file=str(path)) from None


# ---- pass rates --------------------------------------------------------------------------------


def write_pass_rates(path: Path, rates: Iterable[PassRate]) -> Path:
    """The pass-rate table (Parquet) `curate --pass-rates` reads back with `read_pass_rates`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([asdict(r) for r in rates], schema=PASS_RATE_SCHEMA), path)
    return path


def read_pass_rates(path: Path) -> "pl.DataFrame":
    """The pass-rate table (Parquet, CSV or JSONL) with checked columns, one row per problem."""
    import polars as pl  # here: polars costs a third of a second to import, and only curate needs it

    columns = pl.from_arrow(PASS_RATE_SCHEMA.empty_table()).schema  # PASS_RATE_SCHEMA as polars types
    name = str(path)
    if not path.is_file():
        raise DataError("no such file", file=name, hint="pass the table `ringdata grade` wrote")
    try:
        if path.suffix == ".parquet":
            table = pl.read_parquet(path)
        elif path.suffix == ".csv":
            table = pl.read_csv(path, infer_schema_length=None)
        elif path.suffix in (".jsonl", ".ndjson"):
            table = pl.read_ndjson(path)
        else:
            raise DataError(f"cannot read *{path.suffix} pass-rate tables", file=name, hint="use .parquet, .csv or .jsonl")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"not a readable pass-rate table ({first})", file=name) from None
    for column, dtype in columns.items():
        if column not in table.columns:
            raise DataError(
                f"missing column; the table has {', '.join(table.columns) or 'no columns'}",
                file=name,
                field=column,
                hint="expected problem_id, pass_rate, n_samples as written by `ringdata grade`",
            )
        try:
            table = table.with_columns(pl.col(column).cast(dtype, strict=True))
        except pl.exceptions.PolarsError:
            raise DataError(f"values are not {dtype}", file=name, field=column) from None
    table = table.select(list(columns)).with_row_index("_row")
    bad = table.filter(
        pl.col("problem_id").is_null() | pl.col("pass_rate").is_null() | ~pl.col("pass_rate").is_between(0.0, 1.0)
    )
    if bad.height:
        row = bad.row(0, named=True)
        what = "problem_id" if row["problem_id"] is None else "pass_rate"
        raise DataError(
            f"is {row[what]!r}; pass rates are fractions in [0, 1]" if what == "pass_rate" else "is missing",
            file=name,
            row=row["_row"],
            field=what,
        )
    dup = table.filter(~pl.col("problem_id").is_first_distinct())  # the first repeat
    if dup.height:
        row = dup.row(0, named=True)
        raise DataError(
            f"problem {row['problem_id']!r} appears more than once",
            file=name,
            row=row["_row"],
            field="problem_id",
            hint="merge the grading runs into one row per problem",
        )
    return table.drop("_row")
