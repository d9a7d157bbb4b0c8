"""Options that several commands share, defined once: the same flag means the same thing, with the
same help, in every command that has it (`--problems` is always a problems *file*; a count of
problems has another name). A command declares `problems: ProblemsFile` and gets all of it.

Ranges are typer's `min=`/`max=` on the option (a usage error, exit 2, naming the option and the
range), not checks in each command; only what typer cannot say (an open interval, a relation
between two options) is checked by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ringdata.core.errors import RingdataError
from sandboxes.choice import HELP as SANDBOX_HELP, SandboxChoice
from train.backends import BACKENDS

BACKEND_HELP = "Rollout engine: vllm, hf (transformers) or auto (vllm when installed)."

ProblemsFile = Annotated[Path, typer.Option(
    "--problems", "-p", help="Problems file: a curated problems.parquet, or any file `ringdata curate` reads.")]
ModelDir = Annotated[Path, typer.Option(
    "--model", "-m", help="Local model directory (transformers format: config.json, weights, tokenizer).")]
Backend = Annotated[str, typer.Option("--backend", help=BACKEND_HELP, metavar="|".join(BACKENDS))]
BackendOverride = Annotated[Optional[str], typer.Option(
    "--backend", help=f"{BACKEND_HELP} Default: the config's.", metavar="|".join(BACKENDS))]
Seed = Annotated[int, typer.Option("--seed", help="Sampling seed: the same seed gives the same samples.")]
MaxTokens = Annotated[int, typer.Option("--max-tokens", min=1, help="Most tokens per response.")]
Workers = Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Verifier processes (default: all cores).")]


def _sandbox(value: SandboxChoice | str) -> SandboxChoice:
    """`--sandbox` as a `SandboxChoice`, validated by the choice itself (one message everywhere)."""
    try:
        return SandboxChoice.of(value)
    except RingdataError as exc:
        raise typer.BadParameter(str(exc)) from None


Sandbox = Annotated[SandboxChoice, typer.Option("--sandbox", parser=_sandbox, metavar="auto|docker|local", help=SANDBOX_HELP)]


def check_backend(kind: str) -> None:
    if kind not in BACKENDS:
        raise typer.BadParameter(f"{kind!r}; choose {', '.join(BACKENDS)}", param_hint="'--backend'")
