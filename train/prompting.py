"""The one prompt format, for the tiny model and real models alike.

- A tokenizer with a chat template (instruct models): one user turn holding the question and the
  answer-format instruction, then the generation prompt (`apply_chat_template(...,
  add_generation_prompt=True)`).
- Otherwise (base models, the tiny model): plain text,

      Question: <question>
      Answer:

  and the model continues after "Answer:". The tiny model is fitted on exactly this form
  (train/tiny.py), so change it in one place only: here.

The instruction asks for what the graders extract: math and numeric science answers in
`\\boxed{...}`, a multiple-choice letter in `\\boxed{A}`, code in one ```python block. The plain
form carries no instruction: a base model is steered by the data it was fitted on, and the tiny
model's vocabulary holds only toy-task characters.
"""

from __future__ import annotations

from typing import Sequence

from ringdata.core.records import Problem

__all__ = ["INSTRUCTIONS", "fitting", "format_prompt", "plain_prompt"]

INSTRUCTIONS = {
    "math": "Reason step by step and put the final answer in \\boxed{}.",
    "science": "Reason step by step and put the final answer in \\boxed{}.",
    "choice": "Reason step by step and put the letter of the correct option in \\boxed{}.",
    "code": "Write a complete Python program in one ```python code block.",
}


def plain_prompt(question: str) -> str:
    return f"Question: {question}\nAnswer:"


def _question_text(problem: Problem) -> str:
    if not problem.choices:
        return problem.question
    options = "\n".join(f"{chr(ord('A') + i)}. {c}" for i, c in enumerate(problem.choices))
    return f"{problem.question}\n\n{options}"


def format_prompt(problem: Problem, tokenizer=None) -> str:
    """The prompt string for `problem`: the chat template when `tokenizer` has one, else plain."""
    question = _question_text(problem)
    template = getattr(tokenizer, "chat_template", None) if tokenizer is not None else None
    if not template:
        return plain_prompt(question)
    kind = "choice" if problem.choices else problem.domain
    content = f"{question}\n\n{INSTRUCTIONS.get(kind, INSTRUCTIONS['math'])}"
    return tokenizer.apply_chat_template(
        [{"role": "user", "content": content}], tokenize=False, add_generation_prompt=True
    )


def fitting(problems: Sequence[Problem], tokenizer, room: int) -> tuple[list[Problem], list[Problem]]:
    """(problems whose prompt fits in `room` tokens, the others): a prompt that leaves no room for
    the response cannot be sampled. Callers skip, count and name the others (`ringdata train` in
    stage.json, `ringdata rollout` beside its output), never fail the run on them."""
    keep, skip = [], []
    for p in problems:
        n = len(tokenizer(format_prompt(p, tokenizer), add_special_tokens=False)["input_ids"])
        (keep if n <= room else skip).append(p)
    return keep, skip
