"""Regenerate the data-set case tables (math500.jsonl, gsm8k.jsonl, aime.jsonl, mmlu_stem.jsonl,
scibench.jsonl) from the bundled public data:

    python tests/rewards/cases/make_cases.py

Deterministic (seeded). Each row is {domain, gold, response, expected, note[, choices, unit]}:
a gold answer from the data set and a response written the way models write (after a </think>,
boxed, "The final answer is $...$", "####", "Answer: (C)", with units, thousands separators,
\\dfrac, \\left( \\right)), labelled by construction: the gold re-spelled is `correct`, a changed
answer is `wrong_answer`. Hand-labelled tables (categories.jsonl, math_verify_issues.jsonl,
redteam.jsonl: hedges and honest forms found by the issue-10 red team, both sides) are
written by hand and not touched by this script.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE.parents[2] / "data"
SEED = 20260611
THINK = "<think>\nLet me think. Trying small cases first, I get {decoy} but that ignores a constraint.\n</think>\n\n"


def respell(gold: str, rng: random.Random) -> str:
    """The same answer written differently, as models do."""
    s = gold
    if rng.random() < 0.5:
        s = s.replace("\\frac", "\\dfrac")
    if rng.random() < 0.5:
        s = s.replace("\\left(", "(").replace("\\right)", ")").replace("\\left[", "[").replace("\\right]", "]")
    if rng.random() < 0.3:
        s = s.replace(", ", ",")
    if re.fullmatch(r"\d{4,}", s) and rng.random() < 0.5:
        s = f"{int(s):,}".replace(",", rng.choice(["{,}", ",", "\\,"]))
    return s


def perturb(gold: str, others: list[str], rng: random.Random) -> str | None:
    """A different answer: a changed integer, else another problem's (textually different) answer."""
    ints = list(re.finditer(r"\d+", gold))
    if ints and rng.random() < 0.7:
        m = rng.choice(ints)
        value = int(m.group(0)) + rng.choice([1, 2, -1, 9])
        if value >= 0:
            return gold[: m.start()] + str(value) + gold[m.end() :]
    for _ in range(20):
        other = rng.choice(others)
        if other.replace(" ", "") != gold.replace(" ", ""):
            return other
    return None


def math_response(answer: str, rng: random.Random, decoy: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"{THINK.format(decoy=decoy)}Hence the answer is $\\boxed{{{answer}}}$."
    if style == 1:
        return f"Solving step by step gives the result.\n\nFinal Answer: The final answer is ${answer}$. I hope it is correct."
    if style == 2:
        return f"{THINK.format(decoy=decoy)}**Final Answer**\n\\[\n\\boxed{{{answer}}}\n\\]"
    if style == 3:
        return f"We first try $\\boxed{{{decoy}}}$, which fails the check. Correcting the sign error, the answer is \\(\\boxed{{{answer}}}\\)."
    return f"{THINK.format(decoy=decoy)}The final answer is $\\boxed{{{answer}}}$"


def rows_math500(rng: random.Random) -> list[dict]:
    probs = [json.loads(l) for l in (DATA / "evalsets/math500.jsonl").open()]
    picked = rng.sample(probs, 130)
    answers = [p["answer"] for p in probs]
    out = []
    for p in picked:
        gold = p["answer"]
        decoy = perturb(gold, answers, rng) or "0"
        out.append({"domain": "math", "gold": gold, "response": math_response(respell(gold, rng), rng, decoy),
                    "expected": "correct", "note": f"MATH-500 {p['unique_id']} respelled"})
        wrong = perturb(gold, answers, rng)
        if wrong is not None:
            out.append({"domain": "math", "gold": gold, "response": math_response(wrong, rng, gold),
                        "expected": "wrong_answer", "note": f"MATH-500 {p['unique_id']} changed answer (gold as decoy)"})
    return out


def rows_gsm8k(rng: random.Random) -> list[dict]:
    probs = [json.loads(l) for l in (DATA / "evalsets/gsm8k_test.jsonl").open()]
    out = []
    for p in rng.sample(probs, 70):
        gold = p["answer"].split("####")[-1].strip().replace(",", "")
        value = int(gold) if re.fullmatch(r"-?\d+", gold) else None
        shown = f"{value:,}" if value is not None and rng.random() < 0.5 else gold
        style = rng.randrange(4)
        templates = [
            "Step 1: find the total.\nStep 2: subtract.\n#### {a}",
            "So she makes ${a} every day.\nThe answer is {a}.",
            "<think>\nwork it out\n</think>\nThe answer is \\boxed{{\\${a}}}.",
            "Adding up: the answer is {a} dollars.",
        ]
        out.append({"domain": "math", "gold": gold, "response": templates[style].format(a=shown), "expected": "correct",
                    "note": f"GSM8K test {p['id']}"})
        if value is not None:
            wrong = value + rng.choice([1, -1, 10, 100]) if value > 2 else value + 3
            out.append({"domain": "math", "gold": gold, "response": templates[rng.randrange(4)].format(a=wrong),
                        "expected": "wrong_answer", "note": f"GSM8K test {p['id']} off by some"})
    return out


def rows_aime(rng: random.Random) -> list[dict]:
    probs = [json.loads(l) for f in ("aime2024", "aime2025") for l in (DATA / f"evalsets/{f}.jsonl").open()]
    out = []
    for p in probs:
        gold = str(p["answer"]).strip()
        n = int(float(gold))
        out.append({"domain": "math", "gold": gold, "response": f"{THINK.format(decoy=n + 1)}The answer is $\\boxed{{{n:03d}}}$.",
                    "expected": "correct", "note": f"AIME {p['id']} zero-padded"})
        out.append({"domain": "math", "gold": gold,
                    "response": f"First attempt: $\\boxed{{{n}}}$. Wait, I double counted. Recounting, the answer is $\\boxed{{{n + 7}}}$.",
                    "expected": "wrong_answer", "note": f"AIME {p['id']} right number in an earlier box"})
    return out


def rows_mmlu(rng: random.Random) -> list[dict]:
    probs = [json.loads(l) for l in (DATA / "problems/mmlu_stem.jsonl").open()]
    out = []
    phrasings = ["Answer: ({L})", "The answer is $\\boxed{{{L}}}$.", "the correct option is {L}.", "**Answer: {L}**",
                 "<think>\nA is tempting but wrong.\n</think>\nThe correct answer is ({L}).", "{T}", "Final answer: {L}) {T}"]
    for p in rng.sample(probs, 60):
        choices = p["choices"]
        letters = "ABCDEFGHIJ"[: len(choices)]
        gold = letters[int(p["answer"])]
        for right in (True, False):
            letter = gold if right else rng.choice([c for c in letters if c != gold])
            text = choices[letters.index(letter)]
            phrase = rng.choice(phrasings)
            if phrase == "{T}":
                if sum(c.strip().lower() == text.strip().lower() for c in choices) != 1 or len(text) > 80:
                    phrase = "Answer: {L}"
                else:
                    phrase = "Considering each option, the answer is: {T}"
            out.append({"domain": "science", "gold": gold, "choices": choices, "response": phrase.format(L=letter, T=text),
                        "expected": "correct" if right else "wrong_answer", "note": f"MMLU-STEM {p['type']}"})
    return out


def one_more_digit(gold: str) -> str:
    """The gold written with one more digit that still rounds to it (`50.7` -> `50.73`): a correct
    answer at a finer precision. (A fixed 1% is no longer a match: `rewards.science._within`.)"""
    if "e" in gold or "." not in gold:
        if gold.lstrip("-") == "0":
            return "0.0"
        return f"{gold}.3" if re.fullmatch(r"-?\d+", gold) else gold
    return gold + "3"


def rows_scibench(rng: random.Random) -> list[dict]:
    probs = [json.loads(l) for l in (DATA / "problems/scibench.jsonl").open()]
    probs = [p for p in probs if re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", p["answer_number"].strip())]
    out = []
    for p in rng.sample(probs, 40):
        gold = p["answer_number"].strip()
        unit = p["unit"].strip().strip("$").strip() or None
        value = float(gold)
        with_unit = f" {unit}" if unit and rng.random() < 0.6 else ""
        out.append({"domain": "science", "gold": gold, "unit": unit,
                    "response": f"{THINK.format(decoy=value * 2)}So the result is $\\boxed{{{one_more_digit(gold)}{with_unit}}}$.",
                    "expected": "correct", "note": f"SciBench {p['source']} {p['problemid'].strip()} one more digit, within the gold's rounding"})
        out.append({"domain": "science", "gold": gold, "unit": unit,
                    "response": f"The result is $\\boxed{{{value * 1.2 + 0.5:.4g}{with_unit}}}$.",
                    "expected": "wrong_answer", "note": f"SciBench {p['source']} {p['problemid'].strip()} 20% off"})
    return out


def main() -> None:
    for name, make in [("math500", rows_math500), ("gsm8k", rows_gsm8k), ("aime", rows_aime),
                       ("mmlu_stem", rows_mmlu), ("scibench", rows_scibench)]:
        rows = make(random.Random(f"{SEED}-{name}"))
        (HERE / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{name}: {len(rows)} cases")


if __name__ == "__main__":
    main()
