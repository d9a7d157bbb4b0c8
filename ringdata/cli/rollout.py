"""`ringdata rollout`: sample K responses per problem from a local model; the rows are the input
of `ringdata grade` (and, graded, of `curate --pass-rates`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ringdata.errors import RingdataError

CHUNK = 32  # problems per generate call: big enough to batch well, small enough for a live bar


def rollout(
    model: Annotated[Path, typer.Option("--model", "-m", help="Local model directory (transformers format: config.json, weights, tokenizer).")],
    problems: Annotated[Path, typer.Option("--problems", "-p", help="Problems: curated problems.parquet, or any file `ringdata curate` reads.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output rows {problem_id, sample, response, finish_reason, tokens}: .parquet, else JSONL.")],
    k: Annotated[int, typer.Option("-k", "--k", help="Responses sampled per problem.")] = 8,
    backend: Annotated[str, typer.Option("--backend", help="vllm, hf (transformers) or auto (vllm when installed).")] = "auto",
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Most tokens per response.")] = 256,
    temperature: Annotated[float, typer.Option("--temperature", help="Sampling temperature; 0 = greedy.")] = 1.0,
    top_p: Annotated[float, typer.Option("--top-p", help="Nucleus sampling mass; 1 = off.")] = 1.0,
    seed: Annotated[int, typer.Option("--seed", help="Sampling seed (the same seed gives the same rows).")] = 0,
    max_model_len: Annotated[int, typer.Option("--max-model-len", help="Prompt + response tokens per sequence.")] = 1024,
    dtype: Annotated[str, typer.Option("--dtype", help="float32, bfloat16 or float16.")] = "float32",
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N problems.")] = None,
) -> None:
    """Sample K responses per problem with vLLM or transformers, for `ringdata grade`."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from ringdata.io import read_problems
    from ringdata.records import Problem
    from train.backends.common import load_tokenizer
    from train.prompting import format_prompt
    from train.rollout import SamplingConfig, make_backend

    if k < 1 or max_tokens < 1:
        raise RingdataError("-k and --max-tokens must be at least 1")
    if temperature < 0 or not 0 < top_p <= 1:
        raise RingdataError("--temperature must be >= 0 and --top-p in (0, 1]")
    if dtype not in ("float32", "bfloat16", "float16"):
        raise RingdataError(f"--dtype is {dtype!r}; expected float32, bfloat16 or float16")
    rows = list(read_problems([problems]).frame.iter_rows(named=True))[:limit]
    todo = [Problem.from_row(r) for r in rows]
    if not todo:
        raise RingdataError(f"{problems}: no problems to roll out")
    if not (model / "config.json").is_file():
        raise RingdataError(f"{model} is not a model directory (no config.json)")
    tokenizer = load_tokenizer(model)
    prompts = [format_prompt(p, tokenizer) for p in todo]
    config = SamplingConfig(n=k, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed)
    console = Console(stderr=True)
    engine = make_backend(backend, model, max_model_len=max_model_len, seed=seed, dtype=dtype)
    results = []
    columns = (TextColumn("rollout"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("rollout", total=len(todo))
            for start in range(0, len(todo), CHUNK):
                # one seed per chunk, derived from --seed: reproducible, different across chunks
                chunk = SamplingConfig(**{**config.__dict__, "seed": seed + start})
                for r in engine.generate(prompts[start : start + CHUNK], chunk):
                    results.append((start + r.prompt_index, r))
                progress.advance(task, min(CHUNK, len(todo) - start))
    finally:
        engine.close()
    written = _write(out, todo, results, k)
    stops = sum(r.finish_reason == "stop" for _, r in results)
    Console().print(f"wrote {written}: {len(results)} responses to {len(todo)} problems "
                    f"({stops} stopped, {len(results) - stops} hit --max-tokens)")


def _write(out: Path, todo, results, k: int) -> Path:
    import json

    rows = [
        {"problem_id": todo[i].id, "sample": n % k, "response": r.text, "finish_reason": r.finish_reason,
         "tokens": len(r.response_ids)}
        for n, (i, r) in enumerate(results)
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), out)
    else:
        with out.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out
