"""Grading a responses file on a Ray cluster with Ray Data: `ringdata grade --ray`.

    run = grade_file_on_ray(problems, Path("R.jsonl"), Path("G.parquet"), GradeConfig(...),
                            RayConfig(address="auto"), resume=True)

The pipeline (a Ray Data `Dataset`, streamed; nothing is materialised):

1. read: `plan_response_chunks` cuts the file into chunks of `chunk_rows` rows (JSONL: one pass
   over the bytes for line ends, no JSON parsed; Parquet: its metadata), and each chunk is one Ray
   Data read task (`read_response_chunk`), run on any node: it parses the rows and checks what a
   row alone can tell (`row_problem`, `sample_problem`), so a malformed row becomes a reason, not
   an error. The file must be readable at the same absolute path on every node (a shared file
   system).
2. grade: `map_batches` over an actor pool (`ActorPoolStrategy`), one grading actor per node
   (placed node by node, `_one_per_node`), each a `rewards.Grader` owning that node's sandbox (the warm Docker
   pool, or bubblewrap) and a verifier pool of the node's CPUs, with `in_flight` batches queued
   per actor (backpressure). The verdicts and reasons are therefore the local path's.
3. write: the driver takes the graded batches in input order (`preserve_order`), numbers the
   samples and refuses repeats (the only check that needs every earlier row; a repeated row was
   graded, and its verdict is dropped as the local path drops the row), and writes chunk k's
   verdicts and rejected rows as part k the moment its last row arrives (`rewards.stream.Parts`,
   the local path's parts); at the end they are joined and the pass rates summed from them.

Memory: the driver holds one part being filled plus the batches Ray Data prefetches, and the
object store is bounded by Ray Data's backpressure, whatever the file's size.

Resume: chunks whose part exists are never read or graded; the sample numbering they imply is
read back from their parts. Either path resumes the other's parts (same chunks, same manifest).

Faults: Ray Data restarts a grading actor that died (elsewhere, if its node left) and re-runs the
batch it held (`max_restarts`, `max_task_retries`); a batch's output exists only when the whole
batch came back, so a row is never lost nor written twice, and a worker's death never becomes a
verdict. Retries are Ray Data's (until the batch completes: a finite count is used up in a
moment by the calls refused while an actor restarts); a batch that killed its actor every time
would be retried for ever, which model output cannot do (the verifiers run in their own processes,
programs in the sandbox). When the cluster itself fails (no node left, objects lost), the run
stops with one line, and the parts written so far stay for --resume. Not covered: the driver
dying (rerun with --resume).
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Callable

import pyarrow as pa

from rewards.grade import GradeConfig, Grader
from rewards.ray_executor import RayConfig, connect
from rewards.results import Graded, Tally, verdict_rows
from rewards.stream import FileGrade, Parts
from ringdata.core.errors import DataError, RingdataError
from ringdata.core.io.runs import (VERDICT_SCHEMA, Rejected, ResponseChunk, Response, SampleNumbers, iter_verdicts,
                              plan_response_chunks, read_response_chunk, row_problem, sample_problem)
from ringdata.core.records import Problem

__all__ = ["grade_file_on_ray"]

# What a read task hands on: a row's place, what it holds, and why it cannot be graded if it
# cannot (`why`: the row itself; `sample_why`: its sample; checked after the problem id, as locally).
# The response travels as UTF-8 bytes with lone surrogates kept ("surrogatepass"), so the text graded
# is exactly the text read, whatever a JSON escape put in it.
READ_SCHEMA = pa.schema([
    pa.field("line", pa.int64()), pa.field("row", pa.int64()), pa.field("problem_id", pa.string()),
    pa.field("sample", pa.int64()), pa.field("response", pa.binary()), pa.field("why", pa.string()),
    pa.field("sample_why", pa.string()),
])  # fmt: skip
# What a grading actor hands back: the row's place and the verdict columns (null when rejected).
VERDICT_COLUMNS = [f for f in VERDICT_SCHEMA if f.name not in ("problem_id", "sample")]
GRADED_SCHEMA = pa.schema([f for f in READ_SCHEMA if f.name in ("line", "row", "problem_id", "sample", "why")]
                          + VERDICT_COLUMNS)


def _read_chunk(path: str, chunk: ResponseChunk) -> list[pa.Table]:
    """A Ray Data read task: one chunk as a `READ_SCHEMA` table."""
    cols: dict[str, list] = {f.name: [] for f in READ_SCHEMA}
    for i, (line, row) in enumerate(read_response_chunk(Path(path), chunk)):
        why, pid = row_problem(row)
        sample = row.get("sample") if why is None else None
        sample_why = sample_problem(sample) if sample is not None else None
        for name, value in (("line", line), ("row", chunk.first_row + i), ("problem_id", pid),
                            ("sample", None if sample_why else sample), ("why", why), ("sample_why", sample_why),
                            ("response", _bytes(row.get("response")) if why is None else None)):
            cols[name].append(value)
    return [pa.Table.from_pydict(cols, schema=READ_SCHEMA)]


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8", "surrogatepass")


def _datasource(path: Path, chunks: list[ResponseChunk]):
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class Responses(Datasource):
        """The chunks of a responses file, a read task each, in file order."""

        def estimate_inmemory_data_size(self) -> int:
            return path.stat().st_size

        def get_read_tasks(self, parallelism: int, per_task_row_limit=None, data_context=None) -> list:
            return [ReadTask(partial(_read_chunk, str(path), c),
                             BlockMetadata(num_rows=c.rows, size_bytes=None, exec_stats=None, input_files=None))
                    for c in chunks]

    return Responses()


class _GradeBatches:
    """A Ray Data actor: a `Grader` on its node, grading batches of `READ_SCHEMA` rows."""

    def __init__(self, config: GradeConfig, problems: list, detail: bool) -> None:
        import ray

        os.environ.setdefault("TQDM_DISABLE", "1")
        self.problems: dict[str, Problem] = ray.get(problems[0])  # in a list: handed over as a reference
        node = ray.get_runtime_context().get_node_id()
        cpus = next((n["Resources"].get("CPU", 1) for n in ray.nodes() if n["NodeID"] == node), 1)
        self.grader = Grader(replace(config, workers=max(1, int(cpus))))
        self.detail = detail

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = batch.to_pylist()
        items, at = [], []
        for i, r in enumerate(rows):
            if r["why"] is None:
                r["why"] = "unknown problem_id" if r["problem_id"] not in self.problems else r["sample_why"]
            if r["why"] is None:
                items.append((self.problems[r["problem_id"]], (r["response"] or b"").decode("utf-8", "surrogatepass")))
                at.append(i)
        cols: dict[str, list] = {f.name: [r[f.name] for r in rows] for f in GRADED_SCHEMA if f.name in READ_SCHEMA.names}
        for f in VERDICT_COLUMNS:
            cols[f.name] = [None] * len(rows)
        graded = [Graded(Response(p.id, 0, text), p, v, s)
                  for (p, text), (v, s) in zip(items, self.grader.grade_many_timed(items))]
        for i, verdict in zip(at, verdict_rows(graded, detail=self.detail)):
            for f in VERDICT_COLUMNS:
                cols[f.name][i] = verdict[f.name]
        return pa.Table.from_pydict(cols, schema=GRADED_SCHEMA)

    def __del__(self) -> None:  # Ray Data's graceful shutdown of the pool: containers and workers go
        grader = getattr(self, "grader", None)
        if grader is not None:
            grader.close()


def _one_per_node() -> tuple[int, dict]:
    """(actors, map_batches arguments) for one grading actor per live node with CPUs: Ray Data asks
    for an actor's remote arguments before starting it (`ray_remote_args_fn`), and each gets the
    next node, softly (an actor restarted after its node left goes anywhere). Without that hook
    (it is deprecated, to go in Ray 2.64), Ray Data's default SPREAD placement, which is best effort."""
    import inspect
    import itertools

    import ray
    from ray.data import Dataset
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU", 0) > 0]
    if not nodes:
        raise RingdataError("the Ray cluster has no live node with CPUs to grade on")
    if "ray_remote_args_fn" not in inspect.signature(Dataset.map_batches).parameters:
        return len(nodes), {}
    turn = itertools.cycle(nodes)
    return len(nodes), {"ray_remote_args_fn": lambda: {"scheduling_strategy": NodeAffinitySchedulingStrategy(next(turn), soft=True)}}


def grade_file_on_ray(
    problems: dict[str, Problem],
    responses: Path,
    out: Path,
    config: GradeConfig,
    ray_config: RayConfig | None = None,
    *,
    chunk_rows: int = 4096,
    resume: bool = False,
    detail: bool = True,
    on_total: Callable[[int], None] | None = None,
    on_done: Callable[[int], None] | None = None,
) -> FileGrade:
    """`rewards.stream.grade_file`'s outputs, graded on the Ray cluster of `ray_config.address`."""
    import ray
    import ray.data
    from ray.data import ActorPoolStrategy, DataContext

    ray_config = ray_config or RayConfig()
    parts = Parts(responses, out, chunk_rows)
    finished = parts.open(resume)
    if finished is not None:
        return finished
    connect(ray_config.address)
    done = on_done or (lambda n: None)
    chunks = plan_response_chunks(Path(responses), chunk_rows)
    if on_total:
        on_total(sum(c.rows for c in chunks))
    run = FileGrade(parts.outputs, Tally())
    samples = SampleNumbers()
    todo = [c for c in chunks if not parts.path(c.index).exists()]
    if len(todo) < len(chunks):
        if any(c.index < len(chunks) - len(todo) for c in todo):  # parts are written in order: a prefix
            raise RingdataError(f"{parts.dir} has parts after a missing one; rerun without --resume to start over")
        for c in chunks[: len(chunks) - len(todo)]:
            for batch in iter_verdicts(parts.path(c.index)):
                for pid, sample in zip(batch.column("problem_id").to_pylist(), batch.column("sample").to_pylist()):
                    samples.take(pid, sample)
                    run.resumed += 1
            done(c.rows)
    if todo:
        nodes, placement = _one_per_node()
        with warnings.catch_warnings():  # Ray Data's own deprecations (its context, ray_remote_args_fn): not the user's
            warnings.simplefilter("ignore", DeprecationWarning)
            context = DataContext.get_current()
            context.execution_options.preserve_order = True  # verdicts in input order
            context.enable_progress_bars = False  # ours is the grade bar
            context.print_on_execution_start = False
            logging.getLogger("ray.data").setLevel(logging.ERROR)  # tuning advice, "progress bars disabled"
            dataset = ray.data.read_datasource(_datasource(Path(responses).resolve(), todo)).map_batches(
                _GradeBatches, batch_format="pyarrow", batch_size=ray_config.verifier_batch, zero_copy_batch=True,
                fn_constructor_kwargs={"config": config, "problems": [ray.put(problems)], "detail": detail},
                compute=ActorPoolStrategy(size=nodes, max_tasks_in_flight_per_actor=ray_config.in_flight),
                num_cpus=0, **placement)  # no CPUs taken: the actor's verifier processes use the node's
        _write_in_order(dataset, {c.index: c for c in todo}, chunk_rows, parts, samples, run, done)
    return parts.finish(run)


def _chain(exc: BaseException) -> list[BaseException]:
    """An exception and those behind it (Ray's `cause`, Python's `__cause__`/`__context__`)."""
    out: list[BaseException] = []
    while exc is not None and exc not in out and len(out) < 20:
        out.append(exc)
        exc = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__
    return out


def _write_in_order(dataset, chunks: dict[int, ResponseChunk], chunk_rows: int, parts: Parts, samples: SampleNumbers,
                    run: FileGrade, done: Callable[[int], None]) -> None:
    """Take the graded rows in input order; write each chunk's part when its last row is in."""
    from ray.exceptions import NodeDiedError, ObjectLostError, RayActorError

    k, rows, rejected, seen = -1, [], [], 0
    batches = iter(dataset.iter_batches(batch_format="pyarrow", batch_size=None))
    try:
        for batch in batches:
            for r in batch.to_pylist():
                if r["row"] // chunk_rows != k:
                    assert seen == (chunks[k].rows if k >= 0 else 0), f"chunk {k}: {seen} rows arrived"
                    k, rows, rejected, seen = r["row"] // chunk_rows, [], [], 0
                seen += 1
                why = r["why"]
                if why is None:
                    r["sample"], why = samples.take(r["problem_id"], r["sample"])
                if why is not None:
                    rejected.append(Rejected(r["line"], r["problem_id"], why))
                else:
                    rows.append({f.name: r[f.name] for f in VERDICT_SCHEMA})
                if seen == chunks[k].rows:
                    parts.write(k, rows, rejected)
                    run.graded += len(rows)
            done(batch.num_rows)
    except Exception as exc:  # noqa: BLE001 - sorted below: the data's fault, the cluster's, or a bug (raised)
        chain = _chain(exc)
        bad_file = next((e for e in chain if isinstance(e, DataError)), None)
        if bad_file is not None:  # a read task met an unreadable file
            raise bad_file from None
        lost = next((e for e in chain if isinstance(e, (RayActorError, ObjectLostError, NodeDiedError))), None)
        if lost is not None:
            first = str(lost).strip().splitlines()[0] if str(lost).strip() else type(lost).__name__
            raise RingdataError(f"grading on the Ray cluster failed ({first[:200]}); check the cluster: `ray status`, "
                                "then rerun with --resume") from None
        raise
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # an interrupted run stops the pipeline and releases its actors now
    assert k < 0 or seen == chunks[k].rows, f"chunk {k}: {seen} rows arrived"
