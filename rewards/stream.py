"""Grading a responses file of any size: chunks in, verdicts out as each chunk finishes.

    run = grade_file(problems_by_id, Path("R.jsonl"), Path("G.parquet"), grader, resume=True)
    run.tally.pass_rates()        # summed from the written verdicts

Memory holds one chunk of responses and its verdicts (plus a few bytes per problem), whatever
the file's size. Each chunk's verdicts and rejected rows go to `G.parts/part-NNNNNN.*` (the
verdict part is renamed into place last, so a part that exists is whole); when every chunk is
done the parts are joined into `G.parquet` and the rejected rows into `G.rejected.jsonl`, pass
rates and the summary are summed from `G.parquet`, and the parts are removed (the manifest stays
in `G.parquet`'s metadata, so resuming a finished run grades nothing and only sums).

Resume: a run that died leaves its parts. `resume=True` skips every chunk whose part exists (the
manifest checks that the responses file and chunk size are the same) and grades the rest, so no
row is graded twice and none is lost; sample numbering is rebuilt by reading the skipped chunks,
which costs reading, not grading.

`grader` is anything with `grade_many_timed(items, on_done)`: `rewards.Grader` on this machine,
`rewards.ray_executor.RayGrader` on a Ray cluster (its driver reads the chunks);
`rewards.ray_stream.grade_file_on_ray` writes the same parts with Ray Data doing the reading.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pyarrow.parquet as pq

from rewards.results import Graded, Tally, verdict_rows
from ringdata.core.errors import RingdataError
from ringdata.core.io.runs import (GradeOutputs, check_responses_file, count_response_rows, iter_responses, iter_verdicts,
                              join_verdicts, verdicts_metadata, write_pass_rates, write_rejected, write_verdicts)
from ringdata.core.records import Problem

if TYPE_CHECKING:  # grade_file takes a Grader or a RayGrader; it builds neither
    from rewards.grade import BatchGrader

__all__ = ["FileGrade", "Parts", "Stopped", "grade_file", "stopped_run"]

MOSTLY_REJECTED = 0.5  # above this share of rejected rows, grading warns: likely the wrong problems file
MANIFEST_KEY = "ringdata.grade.manifest"  # in the verdict file: what it was graded from, for --resume


@dataclass
class FileGrade:
    outputs: GradeOutputs
    tally: Tally  # summed from the written verdict file
    rejected: Counter = field(default_factory=Counter)  # why -> rows not graded
    graded: int = 0  # rows this run graded
    resumed: int = 0  # rows a previous run had graded (skipped here)
    written: list[Path] = field(default_factory=list)

    def check_coverage(self, responses: str, problems: str) -> str | None:
        """Raise when no row was graded, after deleting the empty verdict and pass-rate files (a
        following `curate --pass-rates` would keep everything with an empty table); a warning
        line when most rows were rejected. The rejected rows stay on disk, to look at."""
        rejected, graded = sum(self.rejected.values()), self.graded + self.resumed
        total = graded + rejected
        why = ", ".join(f"{n} {w}" for w, n in self.rejected.most_common())
        if not graded:
            for path in (self.outputs.verdicts, self.outputs.pass_rates):
                Path(path).unlink(missing_ok=True)
            hint = (f"do the responses answer the problems in {problems}?" if "unknown problem_id" in why
                    else "each row needs problem_id and response")
            raise RingdataError(f"{responses}: nothing to grade: none of its {total} rows could be graded "
                                f"({why or 'the file has no rows'}); {hint}")
        if rejected > MOSTLY_REJECTED * total:
            return (f"{rejected} of {total} response rows ({100 * rejected / total:.0f}%) were not graded ({why}); "
                    f"pass rates cover only {len(self.tally.problems)} problems")
        return None


def _manifest(responses: Path, chunk_rows: int) -> dict[str, Any]:
    st = responses.stat()
    return {"responses": str(responses.resolve()), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns, "chunk_rows": chunk_rows}


def has_run(out: Path) -> bool:
    """Whether `out` holds a grade run, stopped or finished: what --resume continues."""
    return _parts_dir(out).is_dir() or GradeOutputs.beside(out).verdicts.exists()


@dataclass(frozen=True)
class Stopped:
    """What a stopped run left in `G.parts`: finished chunks that --resume does not grade again."""

    dir: Path
    parts: int  # finished chunks
    rows: int  # verdict rows in them


def stopped_run(out: Path) -> Stopped | None:
    """The finished parts of a run into `out` that stopped before joining them, or None."""
    parts = sorted(_parts_dir(out).glob("part-*.parquet"))
    if not parts:
        return None
    return Stopped(_parts_dir(out), len(parts), sum(pq.read_metadata(p).num_rows for p in parts))


def _parts_dir(out: Path) -> Path:
    return out.with_suffix(".parts") if out.suffix == ".parquet" else out.parent / f"{out.name}.parts"


class Parts:
    """One run's verdict parts: chunk k's verdicts in `G.parts/part-k.parquet` (renamed into
    place last, so a part that exists is whole: what --resume trusts) and its rejected rows beside
    it; joined into the outputs when the run is done. The local path (`grade_file`) and the Ray
    path (`rewards.ray_stream.grade_file_on_ray`) write the same parts, so either resumes the other."""

    def __init__(self, responses: Path, out: Path, chunk_rows: int) -> None:
        check_responses_file(responses)
        self.outputs = GradeOutputs.beside(out)
        self.dir = _parts_dir(out)
        self.manifest = _manifest(Path(responses), chunk_rows)

    def open(self, resume: bool) -> FileGrade | None:
        """Start the run (or continue it, with `resume`); a finished run's summary when the
        verdict file already holds this very run (nothing left to grade)."""
        if resume and not self.dir.is_dir() and \
                verdicts_metadata(self.outputs.verdicts).get(MANIFEST_KEY) == json.dumps(self.manifest):
            run = FileGrade(self.outputs, Tally())  # that run finished: nothing to grade, only to sum
            _summarise(self.outputs, run)
            run.resumed = sum(p.n for p in run.tally.problems.values())
            return run
        if resume and not self.dir.is_dir() and self.outputs.verdicts.exists():
            raise RingdataError(f"--resume: {self.outputs.verdicts} holds the verdicts of another run (another "
                                "responses file or chunk size); pass --overwrite to replace them")
        if resume and self.dir.is_dir():
            found = self.dir / "manifest.json"
            if not found.exists() or json.loads(found.read_text()) != self.manifest:
                raise RingdataError(f"{self.dir} holds a run over another responses file or chunk size; "
                                    "rerun without --resume to start over")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            (self.dir / "manifest.json").write_text(json.dumps(self.manifest))
        return None

    def path(self, k: int) -> Path:
        return self.dir / f"part-{k:06d}.parquet"

    def write(self, k: int, rows: list[dict], rejected: list) -> None:
        """Chunk k's verdict rows (`VERDICT_SCHEMA`) and rejected rows."""
        write_rejected(self.dir / f"part-{k:06d}.rejected.jsonl", rejected)
        tmp = self.path(k).with_suffix(".tmp")
        write_verdicts(tmp, rows)
        os.replace(tmp, self.path(k))

    def finish(self, run: FileGrade) -> FileGrade:
        """The parts joined into the outputs, pass rates and summary summed from them."""
        _join(self.dir, self.outputs, self.manifest)
        _summarise(self.outputs, run)
        return run


def grade_file(
    problems: dict[str, Problem],
    responses: Path,
    out: Path,
    grader: BatchGrader,
    *,
    chunk_rows: int = 4096,
    resume: bool = False,
    detail: bool = True,
    on_total: Callable[[int], None] | None = None,
    on_done: Callable[[int], None] | None = None,
) -> FileGrade:
    """Grade every row of `responses` into `out` (and its siblings), chunk by chunk; `detail=False`
    leaves the verdicts' detail column empty."""
    parts = Parts(responses, out, chunk_rows)
    finished = parts.open(resume)
    if finished is not None:
        return finished
    done = on_done or (lambda n: None)
    if on_total:
        on_total(count_response_rows(Path(responses)))
    run = FileGrade(parts.outputs, Tally())
    for k, chunk in enumerate(iter_responses(Path(responses), set(problems), chunk_rows)):
        if parts.path(k).exists():
            run.resumed += len(chunk.rows)
            done(len(chunk.rows) + len(chunk.rejected))
            continue
        items = [(problems[r.problem_id], r.response) for r in chunk.rows]
        results = grader.grade_many_timed(items, on_done=done)
        graded = [Graded(r, problems[r.problem_id], v, s) for r, (v, s) in zip(chunk.rows, results)]
        parts.write(k, verdict_rows(graded, detail=detail), chunk.rejected)
        done(len(chunk.rejected))
        run.graded += len(graded)
    return parts.finish(run)


def _join(parts: Path, outputs: GradeOutputs, manifest: dict[str, Any]) -> None:
    """The parts joined into the outputs (the manifest kept in the verdict file), then removed."""
    join_verdicts(sorted(parts.glob("part-*.parquet")), outputs.verdicts, {MANIFEST_KEY: json.dumps(manifest)})
    outputs.rejected.unlink(missing_ok=True)
    for path in sorted(parts.glob("part-*.rejected.jsonl")):  # streamed: there may be many
        if path.stat().st_size:
            with path.open("rb") as src, outputs.rejected.open("ab") as dst:
                shutil.copyfileobj(src, dst)
    shutil.rmtree(parts)


def _summarise(outputs: GradeOutputs, run: FileGrade) -> None:
    """Pass rates and the summary, from the written verdicts and rejected rows."""
    for batch in iter_verdicts(outputs.verdicts):
        run.tally.add_rows(batch)
    run.written = [outputs.verdicts, write_pass_rates(outputs.pass_rates, run.tally.pass_rates())]
    if outputs.rejected.exists():
        with outputs.rejected.open(encoding="utf-8") as fh:
            for line in fh:
                why = json.loads(line)["why"]
                run.rejected["not JSON" if why.startswith("not JSON") else why] += 1
        run.written.append(outputs.rejected)
