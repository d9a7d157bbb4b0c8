"""The curate pipeline: read, normalise, clean, dedup, decontaminate, filter by difficulty,
optionally validate code tests, and write what was kept, what was dropped and why.

`default_steps(config)` is the plain list of steps (datatrove style: no registry, no DSL);
`curate(inputs, out_dir, config)` runs it with `run_pipeline` and writes, in `out_dir`:

- problems.parquet: the kept problems, exactly `PROBLEM_SCHEMA`;
- dropped.parquet: every dropped problem plus `step`, `drop_reason`, `drop_match`;
- report.json / report.html / funnel.png: see `ringdata.curate.report`.

They are written into a temporary sibling and moved in when all are written
(`ringdata.core.outputs.staged_dir`): a run stopped by Ctrl-C leaves `out_dir` as it was.

Kept plus dropped always equals the rows read (`run_pipeline` asserts it, and so does a test on
the bundled data).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from rich.progress import Progress

from ringdata.curate.base import DROP_MATCH, DROP_REASON, CurateRun, Step, run_pipeline
from ringdata.curate.clean import CleanConfig, clean_steps
from ringdata.curate.decontam import BUNDLED_EVALSETS, DecontamConfig, decontam_steps, resolve_evalsets
from ringdata.curate.dedup import DedupConfig, dedup_steps
from ringdata.curate.difficulty import Difficulty
from ringdata.curate.normalise import Normalise
from ringdata.core.errors import RingdataError
from ringdata.core.io.problems import ReadConfig, read_problems, to_table, write_problems
from ringdata.core.io.runs import read_pass_rates
from ringdata.core.outputs import staged_dir
from ringdata.core.records import DOMAINS
from ringdata.curate.report import build_report, write_report
from sandboxes.choice import SandboxChoice
OUTPUT_FILES = ("problems.parquet", "dropped.parquet", "report.json", "report.html", "funnel.png")


def output_files(out_dir: Path) -> list[Path]:
    """Everything `curate` writes into `out_dir` (what `--overwrite` is about)."""
    return [Path(out_dir) / name for name in OUTPUT_FILES]


@dataclass(frozen=True)
class CurateConfig:
    read: ReadConfig = ReadConfig()
    clean: CleanConfig = CleanConfig()
    dedup: bool = True  # exact then near-duplicate removal (ringdata.curate.dedup)
    near_threshold: float = 0.8  # estimated Jaccard similarity above which two questions are near-duplicates
    decontam: bool = True  # drop problems that overlap an evaluation set (ringdata.curate.decontam)
    ngram: int = 13  # n-gram length (words) of the decontamination overlap test, as GPT-3 / open-r1
    evalsets: tuple[str, ...] = BUNDLED_EVALSETS  # decontaminate against these: bundled set names,
    #   files, "bundled" (every bundled set) or "none" (`ringdata.curate.decontam.resolve_evalsets`)
    pass_rates: str | None = None  # `ringdata grade` pass-rate table; None = no difficulty filter
    min_pass_rate: float = 0.0  # exclusive lower bound on pass rate (0.0 drops never-solved)
    max_pass_rate: float = 1.0  # exclusive upper bound on pass rate (1.0 drops always-solved)
    drop_unrated: bool = False  # drop problems the pass-rate table does not rate (default: keep, counted)
    validate_tests: bool = False  # run reference solutions against code tests in a sandbox
    sandbox: SandboxChoice = SandboxChoice()  # where validate_tests runs reference solutions


def dedup_and_decontam_steps(config: CurateConfig) -> list[Step]:
    """Exact then near dedup, then decontamination against `config.evalsets` (none: no step)."""
    steps: list[Step] = []
    if config.dedup:
        steps += dedup_steps(DedupConfig(threshold=config.near_threshold))
    evalsets = resolve_evalsets(config.evalsets)
    if config.decontam and evalsets:
        steps += decontam_steps(DecontamConfig(ngram=config.ngram, evalsets=evalsets))
    return steps


def validate_step(config: CurateConfig) -> Step:
    from ringdata.curate.validate import ValidateTests  # lazily: it reaches for a sandbox

    return ValidateTests(sandbox=config.sandbox)


def default_steps(config: CurateConfig) -> list[Step]:
    """normalise, clean, dedup, decontaminate, difficulty (with a pass-rate table), validate."""
    steps: list[Step] = [Normalise(), *clean_steps(config.clean)]
    steps += dedup_and_decontam_steps(config)
    if config.pass_rates:
        steps.append(Difficulty(read_pass_rates(Path(config.pass_rates)), config.min_pass_rate, config.max_pass_rate,
                                drop_unrated=config.drop_unrated))
    if config.validate_tests:
        steps.append(validate_step(config))
    return steps


def check_out_dir(inputs: list[Path], out_dir: Path) -> None:
    """An input directory is read recursively, so an output directory inside it would be read back
    as input by the next run (its dropped.parquet among the problems): refuse it."""
    out = Path(out_dir).resolve()
    for path in map(Path, inputs):
        if path.is_dir() and (out == path.resolve() or path.resolve() in out.parents):
            raise RingdataError(f"--out {out_dir} is inside the input directory {path}, whose files are all read: "
                                f"the next run would read this run's outputs as problems; choose an --out outside it")


def check_config(config: CurateConfig) -> None:
    if config.read.domain is not None and config.read.domain not in DOMAINS:
        raise RingdataError(f"--domain must be one of {', '.join(DOMAINS)}; got {config.read.domain!r}")
    if not 0.0 <= config.min_pass_rate < config.max_pass_rate <= 1.0:
        raise RingdataError(
            f"pass-rate bounds must satisfy 0 <= min < max <= 1; got min {config.min_pass_rate}, max {config.max_pass_rate}"
        )
    difficulty = (config.drop_unrated or config.min_pass_rate != CurateConfig.min_pass_rate
                  or config.max_pass_rate != CurateConfig.max_pass_rate)
    if difficulty and not config.pass_rates:  # else the filter asked for would silently not run
        raise RingdataError("--drop-unrated, --min-pass-rate and --max-pass-rate filter by a pass-rate table: "
                            "pass --pass-rates FILE (from `ringdata grade`)")
    if not 0.0 < config.near_threshold <= 1.0:
        raise RingdataError(f"--near-threshold must be in (0, 1]; got {config.near_threshold}")
    if config.ngram < 1:
        raise RingdataError(f"--ngram must be at least 1; got {config.ngram}")


def dropped_table(dropped: pl.DataFrame) -> pa.Table:
    """`PROBLEM_SCHEMA` columns plus step, drop_reason, drop_match."""
    base = to_table(dropped, file="dropped.parquet")
    for name in ("step", DROP_REASON, DROP_MATCH):
        values = dropped[name].cast(pl.Utf8).to_arrow() if name in dropped.columns else pa.nulls(dropped.height, pa.string())
        base = base.append_column(pa.field(name, pa.string()), values.cast(pa.string()))
    return base


def curate(
    inputs: list[Path], out_dir: Path, config: CurateConfig = CurateConfig(), progress: Progress | None = None
) -> CurateRun:
    """Read `inputs`, run the default steps, write the outputs and the report into `out_dir`."""
    check_config(config)
    check_out_dir(inputs, out_dir)
    started = time.perf_counter()
    notes: dict[str, dict[str, Any]] = {}
    steps = default_steps(config)  # before reading: a bad pass-rate table fails fast
    read = read_problems(inputs, config.read, progress)
    read_seconds = time.perf_counter() - started
    domains_in = dict(read.frame.group_by("domain").len().sort("domain").iter_rows())
    result = run_pipeline(read.frame, steps, progress)
    steps_seconds = time.perf_counter() - started - read_seconds
    for step in steps:
        if getattr(step, "notes", None):
            notes.setdefault(step.name, {}).update(step.notes)
    with staged_dir(out_dir, last="report.json") as staged:  # out_dir is complete or absent
        write_problems(result.kept, staged / "problems.parquet")
        pq.write_table(dropped_table(result.dropped), staged / "dropped.parquet")
        timings = {"read": read_seconds, "steps": steps_seconds}
        run = CurateRun(result, read.inputs, domains_in, timings, notes)
        timings["write"] = time.perf_counter() - started - read_seconds - steps_seconds
        timings["total"] = time.perf_counter() - started
        run.report = build_report(run, config_dict(config))
        write_report(run.report, staged)
    return run


def config_dict(config: CurateConfig) -> dict[str, Any]:
    return asdict(config)
