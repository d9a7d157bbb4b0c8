"""`ringdata curate`: raw problem files in, clean RL training problems and a report out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ringdata.core.console import make_console
from ringdata.cli.options import Sandbox
from ringdata.curate.clean import CleanConfig
from ringdata.curate.decontam import BUNDLED_EVALSETS
from ringdata.curate.pipeline import CurateConfig, curate as run_curate, output_files
from ringdata.core.io.formats import ADAPTERS
from ringdata.core.io.problems import ReadConfig, parse_field_map
from ringdata.core.outputs import check_outputs
from ringdata.core.progress import make_progress
from ringdata.curate.report import print_summary
from sandboxes.choice import SandboxChoice

EXAMPLES = """Examples:

\b
ringdata curate data/problems --out out/curated
ringdata curate train.jsonl --format gsm8k --out out/gsm8k
ringdata curate raw.csv --field question=problem,answer=solution \\
    --domain math --out out/raw
ringdata curate data/problems --out out/curated2 \\
    --pass-rates out/grades.pass_rates.parquet --drop-unrated
"""


def curate(
    inputs: Annotated[list[Path], typer.Argument(metavar="INPUT", help="Problem files (.jsonl, .json, .parquet, .csv), datasets folders, or directories holding them.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory: problems.parquet, dropped.parquet, report.json, report.html.")],
    format: Annotated[Optional[str], typer.Option("--format", help=f"Input format of every input file, when auto-detection cannot tell: {', '.join(ADAPTERS)}.")] = None,
    field: Annotated[Optional[str], typer.Option("--field", help="Map columns to fields in every input file, e.g. question=problem,answer=solution.")] = None,
    domain: Annotated[Optional[str], typer.Option("--domain", help="Domain of every input row: math, code or science.")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="Source name for every input row (default: the row's, else the file name).")] = None,
    min_chars: Annotated[int, typer.Option("--min-chars", help="Drop questions shorter than this many characters.")] = CleanConfig.min_chars,
    keep_choice_questions: Annotated[bool, typer.Option("--keep-choice-questions", help="Keep multiple-choice, true/false and yes/no math questions (dropped by default, as Ring-lite).")] = False,
    drop_asy: Annotated[bool, typer.Option("--drop-asy", help="Drop MATH problems whose figure is given as [asy] code (kept by default).")] = False,
    no_gold_check: Annotated[bool, typer.Option("--no-gold-check", help="Do not drop math gold answers the math verifier cannot parse.")] = False,
    no_dedup: Annotated[bool, typer.Option("--no-dedup", help="Skip exact and near-duplicate removal.")] = False,
    near_threshold: Annotated[float, typer.Option("--near-threshold", help="Jaccard similarity at or above which two questions are near-duplicates.")] = CurateConfig.near_threshold,
    ngram: Annotated[int, typer.Option("--ngram", help="Word n-gram length for decontamination against evaluation sets.")] = CurateConfig.ngram,
    evalsets: Annotated[Optional[list[str]], typer.Option("--evalsets", metavar="<names>", help=f"Evaluation sets to decontaminate against, comma-separated or repeated: bundled names ({', '.join(BUNDLED_EVALSETS)}), files, 'bundled' (all bundled sets, the default) or 'none'.")] = None,
    evalset: Annotated[Optional[list[Path]], typer.Option("--evalset", metavar="<path>", help="Extra evaluation set file to decontaminate against, on top of --evalsets (repeatable).")] = None,
    no_decontam: Annotated[bool, typer.Option("--no-decontam", help="Skip decontamination against evaluation sets.")] = False,
    pass_rates: Annotated[Optional[Path], typer.Option("--pass-rates", help="Pass-rate table from `ringdata grade` (problem_id, pass_rate, n_samples).")] = None,
    min_pass_rate: Annotated[float, typer.Option("--min-pass-rate", help="Keep problems with pass rate above this (exclusive).")] = CurateConfig.min_pass_rate,
    max_pass_rate: Annotated[float, typer.Option("--max-pass-rate", help="Keep problems with pass rate below this (exclusive).")] = CurateConfig.max_pass_rate,
    drop_unrated: Annotated[bool, typer.Option("--drop-unrated", help="With --pass-rates: drop problems the table has no pass rate for (kept and counted by default).")] = False,
    validate_tests: Annotated[bool, typer.Option("--validate-tests", help="Run reference solutions against code tests in a sandbox; drop problems whose tests fail them.")] = False,
    sandbox: Sandbox = SandboxChoice(),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the outputs of an earlier run in --out.")] = False,
) -> None:
    """Curate problems: normalise, clean, dedup, decontaminate, filter by difficulty."""
    config = CurateConfig(
        read=ReadConfig(format=format, fields=parse_field_map(field), domain=domain, source=source),
        clean=CleanConfig(
            min_chars=min_chars,
            keep_asy=not drop_asy,
            choice_domains=() if keep_choice_questions else CleanConfig.choice_domains,
            check_gold=not no_gold_check,
        ),
        dedup=not no_dedup,
        near_threshold=near_threshold,
        decontam=not no_decontam,
        ngram=ngram,
        evalsets=tuple(n.strip() for spec in evalsets or CurateConfig.evalsets for n in spec.split(",") if n.strip())
        + tuple(str(p) for p in evalset or ()),
        pass_rates=str(pass_rates) if pass_rates else None,
        min_pass_rate=min_pass_rate,
        max_pass_rate=max_pass_rate,
        drop_unrated=drop_unrated,
        validate_tests=validate_tests,
        sandbox=sandbox,
    )
    check_outputs(output_files(out), dirs=[out], overwrite=overwrite)
    with make_progress(make_console(stderr=True)) as progress:
        run = run_curate(list(inputs), out, config, progress)
    print_summary(run.report, make_console())
    make_console().print(f"wrote {out / 'problems.parquet'}, {out / 'dropped.parquet'}, {out / 'report.html'}")
