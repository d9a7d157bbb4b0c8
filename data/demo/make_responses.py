"""Build data/demo/responses.jsonl: model-style responses to curated bundled problems.

    ringdata curate data/problems --out out/curated
    python data/demo/make_responses.py out/curated/problems.parquet data/demo/responses.jsonl

Deterministic (seeded). Four samples per problem so pass@k means something; per problem a
"skill" decides how many samples are right. Besides right and wrong answers in the phrasings
models use (boxed, "The final answer is", "####", "Answer: (C)", fenced programs), it writes the
rows a grader must survive: empty responses, truncated <think> blocks, no final answer, a
hedged multiple-choice answer, unknown problem ids, a line that is not JSON and rows without a
response. Those bad rows are the point: `ringdata grade` must count and report every one.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import polars as pl

SEED = 2506_14731  # the Ring-lite arXiv id: any fixed value works
SAMPLES = 4
PER_SOURCE = {"math_train": 24, "gsm8k_train": 16, "mmlu_stem": 12, "scibench": 8, "mbpp_train": 6}
THINK = "<think>\nLet me work through this step by step. {note}\n</think>\n\n"


def wrong_number(answer: str, rng: random.Random) -> str:
    try:
        value = float(answer.replace(",", ""))
    except ValueError:
        return rng.choice(["0", "\\frac{1}{2}", "7", "\\sqrt{2}"])
    delta = rng.choice([1, -1, 2, 10])
    return str(int(value) + delta) if value.is_integer() else f"{value * 1.5:.3g}"


def math_response(answer: str, right: bool, source: str, rng: random.Random) -> str:
    shown = answer if right else wrong_number(answer, rng)
    note = "First I set up the equations, then simplify."
    style = rng.randrange(4)
    if source == "gsm8k_train" and style < 2:
        return f"{THINK.format(note=note)}Adding everything up gives {shown}.\n#### {shown}"
    if style == 0:
        return f"{THINK.format(note=note)}Therefore the answer is $\\boxed{{{shown}}}$."
    if style == 1:
        return f"We compute carefully.\n\nFinal Answer: The final answer is ${shown}$. I hope it is correct."
    if style == 2:
        return f"{THINK.format(note=note + ' A first guess was wrong: ' + wrong_number(answer, rng))}So we get \\[\\boxed{{{shown}}}\\]"
    return f"Step 1: simplify.\nStep 2: solve.\n\n**Answer:** $\\boxed{{{shown}}}$"


def mcq_response(answer: str, choices: list[str], right: bool, rng: random.Random) -> str:
    letters = "ABCDEFGHIJ"[: len(choices)]
    letter = answer if right else rng.choice([c for c in letters if c != answer])
    text = choices[letters.index(letter)]
    style = rng.randrange(4)
    if style == 0:
        return f"{THINK.format(note='Eliminate the distractors.')}Answer: ({letter})"
    if style == 1:
        return f"The correct option is {letter}, because {text[:60]}."
    if style == 2:
        return f"{THINK.format(note='Check each option.')}The answer is $\\boxed{{{letter}}}$."
    return f"Considering the options, the answer is: {text}"


def numeric_response(answer: str, unit: str | None, right: bool, rng: random.Random) -> str:
    value = float(answer) if right else float(answer) * rng.choice([1.5, 0.5, -1, 10])
    unit_text = f" {unit.strip().strip('$').strip()}" if unit and rng.random() < 0.6 else ""
    return f"{THINK.format(note='Convert units first.')}The result is $\\boxed{{{value:.4g}{unit_text}}}$."


def code_response(solution: str | None, entry: str | None, right: bool) -> str:
    if right and solution:
        return f"{THINK.format(note='A direct implementation works.')}```python\n{solution}\n```"
    name = entry or "solve"
    return f"Here is my solution:\n```python\ndef {name}(*args):\n    return None\n```"


def broken(rng: random.Random, kind: int) -> str:
    return ["", "<think>\nI keep going back and forth and never finish", "I am not sure how to solve this.",
            "   "][kind % 4]


def main(problems: Path, out: Path) -> None:
    rng = random.Random(SEED)
    frame = pl.read_parquet(problems).sort("id")
    rows: list[str] = []
    for source, count in PER_SOURCE.items():
        picked = frame.filter(pl.col("source") == source)
        if source == "mbpp_train":
            picked = picked.filter(pl.col("solutions").is_not_null())
        picked = picked.head(count).to_dicts()
        for n, p in enumerate(picked):
            skill = rng.random()
            for sample in range(SAMPLES):
                right = rng.random() < skill
                if n % 7 == 3 and sample == SAMPLES - 1:
                    text = broken(rng, n)
                elif p["domain"] == "code":
                    text = code_response((p["solutions"] or [None])[0], p["entry_point"], right)
                elif p["choices"] is not None:
                    text = mcq_response(p["answer"], p["choices"], right, rng)
                    if n == 5 and sample == 0:
                        text = "It is either (A) or (B). The answer is A or B."
                elif p["source"] == "scibench":
                    text = numeric_response(p["answer"], json.loads(p["metadata"] or "{}").get("unit"), right, rng)
                else:
                    text = math_response(p["answer"], right, source, rng)
                rows.append(json.dumps({"problem_id": p["id"], "sample": sample, "response": text}, ensure_ascii=False))
    rows += [
        json.dumps({"problem_id": "math_train/0000000000000000", "sample": 0, "response": "\\boxed{3}"}),
        json.dumps({"problem_id": "gsm8k_train/not-a-real-id", "response": "#### 12"}),
        json.dumps({"problem_id": "nonexistent/problem", "response": "Answer: (B)"}),
        '{"problem_id": "math_train/broken", "response": "unterminated',
        json.dumps({"problem_id": json.loads(rows[0])["problem_id"], "sample": 9}),
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out/curated/problems.parquet"),
         Path(sys.argv[2] if len(sys.argv) > 2 else "data/demo/responses.jsonl"))
