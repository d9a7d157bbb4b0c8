"""`ringdata rollout`: sample K responses per problem from a local model; the rows are the input
of `ringdata grade` (and, graded, of `curate --pass-rates`)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from ringdata.core.console import make_console
from ringdata.cli.interrupt import Kept, on_interrupt, this_command
from ringdata.cli.options import Backend, MaxTokens, ProblemsFile, Seed, check_backend
from ringdata.core.errors import RingdataError

SHOWN_IDS = 5  # skipped problem ids named on the terminal; the file beside --out has them all

EXAMPLES = """Examples:

\b
ringdata rollout --model runs/demo/math/final \\
    --problems out/curated/problems.parquet -k 8 --out out/responses.jsonl
ringdata rollout -m Qwen/Qwen2.5-0.5B-Instruct -p out/curated \\
    --limit 16 -o out/q.jsonl
"""


def rollout(
    model: Annotated[str, typer.Option("--model", "-m", help="Model: a transformers directory (config.json, weights, tokenizer) or a Hub id in the local Hugging Face cache.")],
    problems: ProblemsFile,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output rows {problem_id, sample, response, finish_reason, tokens}: .parquet, else JSONL.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="Responses sampled per problem.")] = 8,
    backend: Backend = "auto",
    max_tokens: MaxTokens = 256,
    temperature: Annotated[float, typer.Option("--temperature", help="Sampling temperature; 0 = greedy.")] = 1.0,
    top_p: Annotated[float, typer.Option("--top-p", help="Nucleus sampling mass; 1 = off.")] = 1.0,
    seed: Seed = 0,
    max_model_len: Annotated[int, typer.Option("--max-model-len", min=2, help="Prompt + response tokens per sequence; problems whose prompt leaves less than --max-tokens are skipped and listed.")] = 1024,
    dtype: Annotated[str, typer.Option("--dtype", help="float32, bfloat16 or float16.")] = "float32",
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Only the first N problems whose prompt fits (too-long ones before them are skipped and listed).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a rollout that stopped: problems whose responses were written (OUT.partial.jsonl) are not sampled again.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --out if it exists.")] = False,
) -> None:
    """Sample K responses per problem with vLLM or transformers, for `ringdata grade`."""
    from ringdata.core.io.problems import read_problem_records
    from ringdata.core.io.runs import PartialResponses, skipped_path, write_responses, write_skipped
    from ringdata.core.outputs import check_outputs
    from ringdata.core.progress import make_progress
    from train.models import resolve_model
    from train.rollout import SamplingConfig, sample_problems

    check_backend(backend)
    if temperature < 0 or not 0 < top_p <= 1:
        raise RingdataError("--temperature must be >= 0 and --top-p in (0, 1]")
    if dtype not in ("float32", "bfloat16", "float16"):
        raise RingdataError(f"--dtype is {dtype!r}; expected float32, bfloat16 or float16")
    if resume and overwrite:
        raise RingdataError("--resume continues the rollout in --out and --overwrite replaces it: pass one")
    check_outputs([out, skipped_path(out)], dirs=[out.parent], overwrite=overwrite)
    settings = {"model": model, "problems": str(Path(problems).resolve()), "k": k, "backend": backend,
                "max_tokens": max_tokens, "temperature": temperature, "top_p": top_p, "seed": seed,
                "max_model_len": max_model_len, "dtype": dtype, "limit": limit}
    model_dir = resolve_model(model)
    todo = read_problem_records(problems)
    if not todo:
        raise RingdataError(f"{problems}: no problems to roll out")
    partial = PartialResponses(out, settings)
    kept = partial.open(resume=resume, overwrite=overwrite)
    if resume:
        make_console().print(f"resume: {len(kept):,} responses to {len({r.problem_id for r in kept}):,} problems in "
                             f"{partial.path} are kept" if kept else f"resume: nothing in {partial.path}: sampling "
                             "every problem", highlight=False, soft_wrap=True)
    on_interrupt(lambda: _kept(partial))
    config = SamplingConfig(n=k, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed)
    with make_progress(make_console(stderr=True)) as progress, _drop_if_empty(partial):
        task = progress.add_task("rollout", total=None, unit="problems")
        run = sample_problems(model_dir, todo, config, backend=backend, max_model_len=max_model_len, dtype=dtype,
                              limit=limit, done=partial.done(k), on_chunk=partial.append,
                              on_phase=lambda label: progress.update(task, description=f"rollout ({label})" if label else "rollout"),
                              on_progress=lambda done, total: progress.update(task, completed=done, total=total))
    responses = partial.rows()
    written = write_responses(out, responses)  # whole: the partial file is removed only after
    partial.remove()
    stops = sum(r.finish_reason == "stop" for r in responses)
    console = make_console()  # one line per fact, whatever the terminal width
    console.print(f"wrote {written}: {len(responses)} responses to {len({r.problem_id for r in responses})} problems "
                  f"({stops} stopped, {len(responses) - stops} hit --max-tokens)")
    if run.skipped:
        listed = write_skipped(skipped_path(out), run.skipped, run.max_prompt_tokens)
        ids = ", ".join(p.id for p in run.skipped[:SHOWN_IDS]) + (", ..." if len(run.skipped) > SHOWN_IDS else "")
        console.print(f"[yellow]skipped {len(run.skipped)} problems[/] whose prompt is longer than "
                      f"{run.max_prompt_tokens} tokens (--max-model-len minus --max-tokens): {ids}; all in {listed}")


@contextmanager
def _drop_if_empty(partial):
    """A rollout that fails before its first chunk (every prompt too long, no engine) leaves no
    empty partial file behind."""
    try:
        yield
    except Exception:
        if not partial.rows():
            partial.remove()
        raise


def _kept(partial) -> Kept:
    """On Ctrl-C: the responses written so far, and the command that samples only the rest."""
    rows = partial.rows()
    if not rows:
        return Kept(f"nothing (no chunk of problems was finished; {partial.out} was not written)", this_command(),
                    resumes=False)
    return Kept(f"{len(rows):,} responses to {len({r.problem_id for r in rows}):,} problems in {partial.path}",
                this_command(add=["--resume"], drop=["--overwrite"]))
