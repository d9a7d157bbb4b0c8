"""What both backends share: reading the tokenizer and turning sampled tokens into a `Rollout`."""

from __future__ import annotations

from pathlib import Path

from train.backends.base import Rollout
from train.models import load_tokenizer


def generation_tokenizer(model_dir: Path):
    """The model directory's own tokenizer, left-padded (generation appends on the right)."""
    tok = load_tokenizer(model_dir)
    tok.padding_side = "left"
    return tok


def encode_prompts(tokenizer, prompts: list[str]) -> list[list[int]]:
    """Prompt token ids, exactly the string: no BOS/EOS added by the tokenizer (a chat template
    or `format_prompt` already put in whatever special tokens the model expects)."""
    return [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]


def cut_response(
    tokens: list[int], logprobs: list[float], tokenizer, eos_ids: set[int], stop: tuple[str, ...]
) -> tuple[list[int], list[float], str, str]:
    """Cut a generated row where sampling stopped: after the first EOS (kept, so the trainer
    teaches the model to stop) or after the token that completes a stop string. Returns
    (tokens, logprobs, text, finish_reason); text has special tokens and the stop string removed."""
    end, reason = len(tokens), "length"
    for i, t in enumerate(tokens):
        if t in eos_ids:
            end, reason = i + 1, "stop"
            break
        if stop and any(s in tokenizer.decode(tokens[: i + 1], skip_special_tokens=True) for s in stop):
            end, reason = i + 1, "stop"
            break
    tokens, logprobs = tokens[:end], logprobs[:end]
    text = tokenizer.decode(tokens, skip_special_tokens=True)
    if stop:
        hits = [text.find(s) for s in stop if s in text]
        if hits:
            text = text[: min(hits)]
    return tokens, logprobs, text, reason


def make_rollout(prompt_index: int, prompt_ids: list[int], tokens, logprobs, text, reason) -> Rollout:
    assert len(tokens) == len(logprobs), f"{len(tokens)} tokens but {len(logprobs)} logprobs"
    return Rollout(
        prompt_index=prompt_index,
        prompt_ids=tuple(prompt_ids),
        response_ids=tuple(int(t) for t in tokens),
        logprobs=tuple(float(x) for x in logprobs),
        text=text,
        finish_reason=reason,
    )
