"""`Problem` records and their one Arrow schema.

A problem is one row of `PROBLEM_SCHEMA`. The columnar form (a `pyarrow.Table` or a
`polars.DataFrame`) is what curation works on; the `Problem` dataclass is the row form that
graders and the trainer take one at a time.

Columns
- id: stable; `make_id(source, question)` unless the input gives one.
- domain: "math" | "code" | "science".
- source: where the row came from (data set name or file stem).
- question: the prompt text, normalised by curation.
- answer: gold answer for math and science (canonical string); null for code.
- choices: option texts of a multiple-choice question, in letter order (A, B, ...); null otherwise.
- tests: code tests; each item is either stdin/stdout (`input`, `output`) or a Python statement
  block run after the program (`assert`). Null for math and science.
- entry_point: the function a code problem must define (HumanEval/MBPP style); nullable.
- language: the language a code answer must be written in ("python", "cpp", "java"); null means
  any of them (stdin/stdout problems). A problem with function-call tests is Python whatever it says.
- solutions: reference solutions (code) used by `curate --validate-tests`; nullable. Each is a bare
  program (its language guessed: C++ by `#include`/`main`, Java by a class with `main`, else
  Python) or one fenced block naming its language (three backticks plus `cpp`, the code, three backticks).
- metadata: a JSON object as text (level, subject, url, ...): free-form, never interpreted.
- pass_rate / n_samples: added by the difficulty step from a `ringdata grade` pass-rate table.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

import pyarrow as pa

from ringdata.core.errors import DataError

Domain = Literal["math", "code", "science"]
DOMAINS: tuple[str, ...] = ("math", "code", "science")
LANGUAGES: tuple[str, ...] = ("python", "cpp", "java")  # what the code sandbox runs (sandboxes/languages.py)

TEST_TYPE = pa.struct(
    [
        pa.field("input", pa.string()),  # stdin fed to the program (stdio test)
        pa.field("output", pa.string()),  # expected stdout (stdio test)
        pa.field("assert", pa.string()),  # statements run after the program (function test)
    ]
)

PROBLEM_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("domain", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("question", pa.string(), nullable=False),
        pa.field("answer", pa.string()),
        pa.field("choices", pa.list_(pa.string())),
        pa.field("tests", pa.list_(TEST_TYPE)),
        pa.field("entry_point", pa.string()),
        pa.field("language", pa.string()),
        pa.field("solutions", pa.list_(pa.string())),
        pa.field("metadata", pa.string()),
        pa.field("pass_rate", pa.float64()),
        pa.field("n_samples", pa.int64()),
    ]
)
COLUMNS: tuple[str, ...] = tuple(PROBLEM_SCHEMA.names)
REQUIRED: tuple[str, ...] = tuple(f.name for f in PROBLEM_SCHEMA if not f.nullable)


def make_id(source: str, question: str) -> str:
    """A stable id: the source plus 16 hex digits of the hash of the whitespace-folded question.

    Stable across runs and machines, so a pass-rate table or a dropped-record report keeps
    pointing at the same problem after the data is re-curated.
    """
    folded = " ".join(question.split())
    digest = hashlib.blake2b(f"{source}\x00{folded}".encode(), digest_size=8).hexdigest()
    return f"{source}/{digest}"


@dataclass(frozen=True)
class TestCase:
    """One code test: stdin/stdout (`input`, `output`) or a statement block (`assert_`)."""

    input: str | None = None
    output: str | None = None
    assert_: str | None = None

    __test__ = False  # not a pytest class

    @property
    def kind(self) -> Literal["stdio", "assert"]:
        return "assert" if self.assert_ is not None else "stdio"

    def to_dict(self) -> dict[str, str | None]:
        return {"input": self.input, "output": self.output, "assert": self.assert_}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TestCase":
        return cls(input=d.get("input"), output=d.get("output"), assert_=d.get("assert"))


@dataclass(frozen=True)
class Problem:
    """One row of `PROBLEM_SCHEMA`, for code that handles problems one at a time."""

    id: str
    domain: str
    source: str
    question: str
    answer: str | None = None
    choices: tuple[str, ...] | None = None
    tests: tuple[TestCase, ...] | None = None
    entry_point: str | None = None
    language: str | None = None  # the language a code answer must use; None = any of LANGUAGES
    solutions: tuple[str, ...] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    pass_rate: float | None = None
    n_samples: int | None = None

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "domain": self.domain,
            "source": self.source,
            "question": self.question,
            "answer": self.answer,
            "choices": list(self.choices) if self.choices is not None else None,
            "tests": [t.to_dict() for t in self.tests] if self.tests is not None else None,
            "entry_point": self.entry_point,
            "language": self.language,
            "solutions": list(self.solutions) if self.solutions is not None else None,
            "metadata": json.dumps(self.metadata, ensure_ascii=False, sort_keys=True),
            "pass_rate": self.pass_rate,
            "n_samples": self.n_samples,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Problem":
        meta = row.get("metadata")
        return cls(
            id=row["id"],
            domain=row["domain"],
            source=row["source"],
            question=row["question"],
            answer=row.get("answer"),
            choices=tuple(row["choices"]) if row.get("choices") is not None else None,
            tests=tuple(TestCase.from_dict(t) for t in row["tests"])
            if row.get("tests") is not None
            else None,
            entry_point=row.get("entry_point"),
            language=row.get("language"),
            solutions=tuple(row["solutions"]) if row.get("solutions") is not None else None,
            metadata=json.loads(meta) if meta else {},
            pass_rate=row.get("pass_rate"),
            n_samples=row.get("n_samples"),
        )


def problems_to_table(problems: Iterable[Problem]) -> pa.Table:
    return pa.Table.from_pylist([p.to_row() for p in problems], schema=PROBLEM_SCHEMA)


def table_to_problems(table: pa.Table) -> list[Problem]:
    return [Problem.from_row(r) for r in table.to_pylist()]


def conform(table: pa.Table, *, file: str) -> pa.Table:
    """Return `table` with exactly `PROBLEM_SCHEMA`, or raise one `DataError` naming the problem.

    Missing nullable columns are added as nulls and extra columns are dropped; a missing required
    column, a column of the wrong type, a null in a required column, an unknown domain or language is an
    error that names the file, the first bad row and the field.
    """
    for name in REQUIRED:
        if name not in table.column_names:
            raise DataError(f"missing required column {name!r}", file=file, field=name)
    columns = []
    for f in PROBLEM_SCHEMA:
        if f.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, f.type))
            continue
        col = table.column(f.name)
        if col.type != f.type:
            try:
                col = col.cast(f.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise DataError(
                    f"column has type {col.type}, expected {f.type} ({exc})",
                    file=file,
                    field=f.name,
                ) from None
        if not f.nullable and col.null_count:
            row = col.is_null().to_pylist().index(True)
            raise DataError("required value is null", file=file, row=row, field=f.name)
        columns.append(col)
    out = pa.Table.from_arrays(columns, schema=PROBLEM_SCHEMA)
    for name, allowed in (("domain", DOMAINS), ("language", (None, *LANGUAGES))):
        bad = [i for i, d in enumerate(out.column(name).to_pylist()) if d not in allowed]
        if bad:
            value = out.column(name)[bad[0]].as_py()
            raise DataError(
                f"{name} is {value!r}; expected one of {', '.join(a for a in allowed if a)}",
                file=file,
                row=bad[0],
                field=name,
            )
    return out
