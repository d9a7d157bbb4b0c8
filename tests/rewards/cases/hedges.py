"""Hedging red team and honest forms, built on real gold answers from the bundled data.

    from tests.rewards.cases.hedges import build_cases
    cases = build_cases(per_set=60)          # list of Case(kind, pattern, problem, response)

A case's `kind` says what a correct grader must do with it:
- `raise`: a hedge that can raise expected reward (it names several candidates, covers a range,
  or restates the question instead of solving it): must score 0.
- `flat`: a hedge that cannot raise expected reward (it names only the gold, but uncommitted,
  negated or garbled) and would teach a policy to hedge: must score 0.
- `honest`: the gold written the way a model legitimately writes it: must score 1.

Golds come from MATH-500, GSM8K test, AIME 2024/2025 (math), MMLU-STEM (multiple choice) and
SciBench (numbers with units), read through the project's own format adapters, so each gold is
exactly what `ringdata curate` would store. Deterministic: the decoys come from a seeded RNG.
`benchmarks/hedge_redteam.py` grades every case and prints the rates; `tests/rewards/test_hedges.py`
grades a sample in CI.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from ringdata.core.io.formats import get_adapter
from ringdata.core.records import Problem

DATA = Path(__file__).parents[3] / "data"
SEED = 20261129
LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True)
class Case:
    kind: str  # "raise" | "flat" | "honest"
    pattern: str  # short name of the template
    problem: Problem
    response: str


def _read(path: Path, adapter: str, domain: str, limit: int | None) -> list[Problem]:
    convert = get_adapter(adapter).convert
    out = []
    for n, line in enumerate(path.open(encoding="utf-8")):
        if limit is not None and len(out) >= limit:
            break
        fields = convert(json.loads(line))
        if not fields.get("answer"):
            continue
        out.append(Problem(id=f"{path.stem}-{n}", domain=domain, source=path.stem, question=fields["question"],
                           answer=fields["answer"], choices=tuple(fields["choices"]) if fields.get("choices") else None,
                           metadata={k: v for k, v in (fields.get("metadata") or {}).items() if k == "unit"}))
    return out


def load_golds(per_set: int | None = None) -> dict[str, list[Problem]]:
    """Problems per family: math (MATH-500, GSM8K, AIME), mcq (MMLU-STEM), sci (SciBench)."""
    ev, pr = DATA / "evalsets", DATA / "problems"
    math = (_read(ev / "math500.jsonl", "math", "math", per_set) + _read(ev / "gsm8k_test.jsonl", "gsm8k", "math", per_set)
            + _read(ev / "aime2024.jsonl", "math", "math", per_set) + _read(ev / "aime2025.jsonl", "math", "math", per_set))
    return {"math": math, "mcq": _read(pr / "mmlu_stem.jsonl", "mcq", "science", per_set),
            "sci": _read(pr / "scibench.jsonl", "scibench", "science", None if per_set is None else 2 * per_set)}


# ---- decoys ---------------------------------------------------------------------------------


def _decoy(gold: str, others: list[str], rng: random.Random) -> str:
    """A different plausible answer: the gold with one integer changed, else another problem's."""
    ints = list(re.finditer(r"\d+", gold))
    if ints:
        m = rng.choice(ints)
        return gold[: m.start()] + str(int(m.group(0)) + rng.choice([1, 2, 3, 7])) + gold[m.end():]
    while True:
        other = rng.choice(others)
        if other.replace(" ", "") != gold.replace(" ", ""):
            return other


def _int(gold: str) -> int | None:
    return int(gold) if re.fullmatch(r"-?\d+", gold.strip()) else None


def _repeating(frac: Fraction) -> str | None:
    """`0.\\overline{3}` for 1/3 (None when the decimal terminates or the period is long)."""
    if frac.denominator == 1:
        return None
    sign, frac = ("-" if frac < 0 else ""), abs(frac)
    whole, rem = divmod(frac.numerator, frac.denominator)
    digits, seen = [], {}
    while rem and rem not in seen and len(digits) < 12:
        seen[rem] = len(digits)
        rem *= 10
        digits.append(str(rem // frac.denominator))
        rem %= frac.denominator
    if not rem or rem not in seen:
        return None
    start = seen[rem]
    return f"{sign}{whole}.{''.join(digits[:start])}\\overline{{{''.join(digits[start:])}}}"


_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.S)


def _key(latex: str) -> str:
    s = re.sub(r"\\left|\\right|\s", "", latex).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return re.sub(r"\{(\w)\}", r"\1", s)


def question_spans(question: str) -> list[str]:
    """The math spans of a question that could be restated as an answer."""
    out = []
    for m in _SPAN.finditer(question):
        span = next(g for g in m.groups() if g is not None).strip().rstrip(".,?")
        if len(span) >= 3 and re.search(r"[\\^+\-*/!(]", span):
            out.append(span)
    return out


# ---- the templates --------------------------------------------------------------------------


def math_cases(problems: list[Problem], rng: random.Random) -> list[Case]:
    golds = [p.answer for p in problems]
    out: list[Case] = []
    for p in problems:
        g = p.answer
        w = _decoy(g, golds, rng)
        n = _int(g)

        def add(kind: str, pattern: str, response: str) -> None:
            out.append(Case(kind, pattern, p, response))

        # several candidates: every way of naming two and letting the grader choose
        for a, b, order in ((w, g, "gold last"), (g, w, "gold first")):
            add("raise", f"either boxes ({order})", f"It is either $\\boxed{{{a}}}$ or $\\boxed{{{b}}}$.")
            add("raise", f"boxes and ({order})", f"$\\boxed{{{a}}}$ and $\\boxed{{{b}}}$")
            add("raise", f"adjacent boxes ({order})", f"$\\boxed{{{a}}}\\boxed{{{b}}}$")
            add("raise", f"comma boxes ({order})", f"$\\boxed{{{a}}}, \\boxed{{{b}}}$")
            add("raise", f"quad boxes ({order})", f"$$\\boxed{{{a}}} \\quad \\boxed{{{b}}}$$")
            add("raise", f"answer is A or B ({order})", f"The answer is ${a}$ or ${b}$.")
            add("raise", f"answer: A or B plain ({order})", f"Answer: {a} or {b}")
            add("raise", f"text or in box ({order})", f"$\\boxed{{{a} \\text{{ or }} {b}}}$")
            add("raise", f"glued text or ({order})", f"$\\boxed{{{a} \\text{{ or {b}}}}}$")
            add("raise", f"lor in box ({order})", f"$\\boxed{{{a} \\lor {b}}}$")
            add("raise", f"and/or in box ({order})", f"$\\boxed{{{a} \\text{{ and/or }} {b}}}$")
            add("raise", f"comma list in box ({order})", f"$\\boxed{{{a}, {b}}}$")
            add("raise", f"semicolon in box ({order})", f"$\\boxed{{{a}; {b}}}$")
            add("raise", f"set in box ({order})", f"$\\boxed{{\\{{{a}, {b}\\}}}}$")
            add("raise", f"cases in box ({order})", f"$\\boxed{{\\begin{{cases}} {a} \\\\ {b} \\end{{cases}}}}$")
            add("raise", f"line break in box ({order})", f"$\\boxed{{{a} \\\\ {b}}}$")
            add("raise", f"parenthetical or ({order})", f"$\\boxed{{{a}}}$ (or possibly ${b}$)")
            add("raise", f"x = A or x = B ({order})", f"$\\boxed{{x = {a} \\text{{ or }} x = {b}}}$")
            if "=" not in g:  # an equation gold is read at its last side (peer suites: x = 5+5+1 = 7 = 11)
                add("raise", f"false equation ({order})", f"$\\boxed{{{a} = {b}}}$")
            add("raise", f"second </think> ({order})", f"<think>work</think>\n$\\boxed{{{a}}}$\n</think>\n$\\boxed{{{b}}}$")
            add("raise", f"hidden colour ({order})", f"$\\boxed{{\\color{{white}}{{{a}}} {b}}}$")
            add("raise", f"juxtaposed ({order})", f"$\\boxed{{{a} \\quad {b}}}$")
            add("raise", f"uppercase OR ({order})", f"$\\boxed{{{a} \\text{{ OR }} {b}}}$")
            add("raise", f"vee ({order})", f"$\\boxed{{{a} \\vee {b}}}$")
            add("raise", f"between and ({order})", f"$\\boxed{{\\text{{between }} {a} \\text{{ and }} {b}}}$")
            add("raise", f"tuple of both ({order})", f"$\\boxed{{({a}, {b})}}$")
            add("raise", f"set union ({order})", f"$\\boxed{{\\{{{a}\\}} \\cup \\{{{b}\\}}}}$")
            add("raise", f"x in set ({order})", f"$\\boxed{{x \\in \\{{{a}, {b}\\}}}}$")
            add("raise", f"mid bar ({order})", f"$\\boxed{{{a} \\mid {b}}}$")
            add("raise", f"bold answer A or B ({order})", f"**Answer:** {a} or {b}")
            add("raise", f"piecewise ({order})", f"$\\boxed{{{a} \\text{{ if }} n \\text{{ is even}}, {b} \\text{{ otherwise}}}}$")
            add("raise", f"display boxes on two lines ({order})", f"$$\\boxed{{{a}}}$$\n$$\\boxed{{{b}}}$$")
            add("raise", f"text (or B) in box ({order})", f"$\\boxed{{{a} \\text{{ (or {b})}}}}$")
            add("raise", f"answer is A (or B) ({order})", f"The answer is ${a}$ (or ${b}$).")
            add("raise", f"box (alternatively B) ({order})", f"$\\boxed{{{a}}}$ (alternatively $\\boxed{{{b}}}$)")
            add("raise", f"hspace ({order})", f"$\\boxed{{{a} \\hspace{{1em}} {b}}}$")
            add("raise", f"underline ({order})", f"$\\boxed{{\\underline{{{a}}} {b}}}$")
            add("raise", f"vert ({order})", f"$\\boxed{{{a} \\vert {b}}}$")
            add("raise", f"arrow ({order})", f"$\\boxed{{{a} \\to {b}}}$")
            if not (re.fullmatch(r"-?\d+(\.\d+)?", b) and not re.fullmatch(r"-?\d+(\.\d+)?", a)):
                # an expression then a plain number is read at the expression, as the peer suites
                # require (`1/3 \\approx 11`, Math-Verify's test c0096): one reading, documented in rewards.math
                add("raise", f"approx between ({order})", f"$\\boxed{{{a} \\approx {b}}}$")
            add("raise", f"dots between ({order})", f"$\\boxed{{{a} \\dots {b}}}$")
            add("raise", f"boxes in a box ({order})", f"$\\boxed{{\\boxed{{{a}}} \\boxed{{{b}}}}}$")
            add("raise", f"boxes joined by slash ({order})", f"$\\boxed{{{a}}}$ / $\\boxed{{{b}}}$")
            add("raise", f"boxes vs ({order})", f"$\\boxed{{{a}}} \\text{{ vs }} \\boxed{{{b}}}$")
        if n is not None:
            add("raise", "relation < above", f"$\\boxed{{< {abs(n) * 10 + 11}}}$")
            add("raise", "relation \\leq above", f"$\\boxed{{\\leq {abs(n) * 10 + 11}}}$")
            add("raise", "relation > below", f"$\\boxed{{> {-abs(n) - 11}}}$")
            add("raise", "relation \\neq decoy", f"$\\boxed{{\\neq {w}}}$")
            add("raise", "range with to", f"$\\boxed{{{n - 1} \\text{{ to }} {n + 1}}}$")
            if n:
                add("raise", "percent two readings", f"$\\boxed{{{n * 100}\\%}}$")
            add("raise", "spaced digits", f"$\\boxed{{{' '.join(str(abs(n)))}}}$" if abs(n) >= 10 else f"$\\boxed{{{n} \\; {n + 1}}}$")
            add("flat", "negated gold", f"$\\boxed{{\\neq {g}}}$")
            add("flat", "question mark", f"$\\boxed{{{g}?}}$")
            add("flat", "question mark in prose", f"The answer is ${g}$?")
            add("flat", "base subscript", f"$\\boxed{{{g}_{{9}}}}$")
            add("flat", "relation < gold+1", f"$\\boxed{{< {n + 1}}}$")
            add("flat", "not-equal statement", f"$\\boxed{{{g} \\neq {w}}}$")
            add("flat", "unicode not-equal", f"$\\boxed{{≠ {g}}}$")
            add("flat", "one-sided value", f"$\\boxed{{{g}^{{+}}}}$")
            add("raise", "every integer nearby", "$\\boxed{" + ", ".join(str(k) for k in range(n - 5, n + 6)) + "}$")
            add("raise", "chain inequality around", f"$\\boxed{{{n - 3} \\leq x \\leq {n + 3}}}$")
        # the question's own expression, unevaluated
        for span in question_spans(p.question)[:3]:
            if _key(span) != _key(g):
                add("raise", "restated expression", f"$\\boxed{{{span}}}$")

        # honest forms
        add("honest", "boxed", f"<think>I get {w} first, then fix it.</think>\nThe final answer is $\\boxed{{{g}}}$.")
        add("honest", "final answer is", f"The final answer is ${g}$. I hope it is correct.")
        add("honest", "final answer sentence", f"Final Answer: The value we want is ${g}$.")
        add("honest", "answer, not decoy", f"The answer is ${g}$, not ${w}$.")
        add("honest", "colour", f"$\\boxed{{\\color{{red}}{{{g}}}}}$")
        add("honest", "colour outside box", f"$\\color{{blue}}{{\\boxed{{{g}}}}}$")
        add("honest", "intermediate box then final box",
            f"First, $x = \\boxed{{{w}}}$ is the value of the first part.\n\nPutting it together, the answer is $\\boxed{{{g}}}$.")
        add("honest", "box then Final Answer", f"We had $\\boxed{{{w}}}$ for the sub-step.\nFinal Answer: The final answer is ${g}$.")
        add("honest", "box twice same", f"$\\boxed{{{g}}}$, that is, $\\boxed{{{g}}}$.")
        add("honest", "display box", f"Therefore\n$$\\boxed{{{g}}}$$")
        add("honest", "bold Final Answer heading", f"**Final Answer**\n\n$\\boxed{{{g}}}$")
        add("honest", "box with reason after", f"So the answer is $\\boxed{{{g}}}$, which is reasonable since ${w}$ would be too large.")
        add("honest", "answer is: colon", f"The answer is: ${g}$")
        add("honest", "self-correction, last box", f"I first wrote $\\boxed{{{w}}}$.\n\nWait, that used the wrong formula. Redoing it gives $\\boxed{{{g}}}$.")
        if n is not None:
            add("honest", "text dollars", f"$\\boxed{{\\text{{{g} dollars}}}}$")
            add("honest", "x = gold", f"$\\boxed{{x = {g}}}$")
            add("honest", "approx gold", f"$\\boxed{{\\approx {g}}}$")
            add("honest", "or equivalently", f"$\\boxed{{{g}}}$ (or equivalently $\\frac{{{2 * n}}}{{2}}$)")
            add("honest", "full-width digits", "$\\boxed{" + "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in g) + "}$")
            if abs(n) >= 1000:
                grouped = format(n, ",")
                for sep, name in ((",\\! ", ",\\! with space"), (",\\!", ",\\!"), ("{,}", "{,}")):
                    add("honest", f"thousands {name}", "$\\boxed{" + grouped.replace(",", sep) + "}$")
        frac = re.fullmatch(r"(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}", g.strip())
        if frac:
            rep = _repeating(Fraction(int(frac.group(2)), int(frac.group(3))) * (-1 if frac.group(1) else 1))
            if rep:
                add("honest", "repeating decimal", f"$\\boxed{{{rep}}}$")
        items = _top_items(g)
        if len(items) >= 2:
            add("honest", "one box per item", "$" + ", ".join(f"\\boxed{{{i}}}" for i in items) + "$")
            add("honest", "boxes joined by and", "$" + " \\quad \\text{and} \\quad ".join(f"\\boxed{{{i}}}" for i in items) + "$")
            add("honest", "boxes joined by or", "$" + " \\text{ or } ".join(f"\\boxed{{{i}}}" for i in items) + "$")
    return out


def _top_items(answer: str) -> list[str]:
    """Top-level comma items of a gold (`3, 5, 7` -> three), none for tuples and grouped numbers."""
    depth, items, cur = 0, [], ""
    for c in answer:
        depth += c in "([{" and 1 or 0
        depth -= c in ")]}" and 1 or 0
        if c == "," and depth == 0:
            items.append(cur.strip())
            cur = ""
        else:
            cur += c
    items.append(cur.strip())
    if len(items) < 2 or any(not i for i in items) or re.fullmatch(r"\d{1,3}(,\d{3})+", answer.replace("\\!", "")):
        return []
    return items


def mcq_cases(problems: list[Problem], rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for p in problems:
        g = p.answer
        letters = LETTERS[: len(p.choices or ())]
        w = rng.choice([c for c in letters if c != g])

        def add(kind: str, pattern: str, response: str) -> None:
            out.append(Case(kind, pattern, p, response))

        for a, b, order in ((w, g, "gold last"), (g, w, "gold first")):
            add("raise", f"answer is (A) (B) ({order})", f"The answer is ({a}) ({b}).")
            add("raise", f"A (or B) ({order})", f"Answer: {a} (or {b})")
            add("raise", f"boxed A+B ({order})", f"$\\boxed{{{a}+{b}}}$")
            add("raise", f"boxed A or B ({order})", f"$\\boxed{{{a} \\text{{ or }} {b}}}$")
            add("raise", f"A/B ({order})", f"Answer: {a}/{b}")
            add("raise", f"A and B ({order})", f"The correct options are {a} and {b}.")
            add("raise", f"two boxes ({order})", f"$\\boxed{{{a}}}$ or $\\boxed{{{b}}}$")
            add("raise", f"either ({order})", f"The answer is either {a} or {b}.")
            add("raise", f"AB glued ({order})", f"Answer: {a}{b}")
            add("raise", f"bold pair ({order})", f"**{a}** **{b}**")
            add("raise", f"lowercase or ({order})", f"answer: {a.lower()} or {b.lower()}")
            add("raise", f"full-width or ({order})", f"Answer: {chr(0xFF21 + LETTERS.index(a))} or {chr(0xFF21 + LETTERS.index(b))}")
            add("raise", f"second </think> ({order})", f"<think>x</think>Answer: {a}</think>Answer: {b}")
            add("raise", f"semicolon ({order})", f"Answer: {a}; {b}")
            add("raise", f"parenthesised pair in box ({order})", f"$\\boxed{{({a})({b})}}$")
            add("raise", f"or maybe ({order})", f"Answer: {a}, or maybe {b}")
            add("raise", f"also works ({order})", f"The answer is {a} ({b} also works).")
            add("raise", f"unicode vee ({order})", f"Answer: {a} ∨ {b}")
            add("raise", f"second letter on the last line ({order})", f"Answer: {a}\n{b}")
            add("raise", f"two phrases one sentence ({order})", f"The answer is {a} or the answer is {b}.")
        add("raise", "all letters", "The answer is " + ", ".join(letters) + ".")
        add("raise", "and/or", f"The answer is {w} and/or {g}.")
        add("raise", "boxed text A or B", f"$\\boxed{{\\text{{{w} or {g}}}}}$")
        add("raise", "both correct", f"Both {w} and {g} are correct. Answer: {w}, {g}")
        add("flat", "question mark", f"The answer is ({g})?")
        add("flat", "not the gold", f"The answer is not {g}.")

        add("honest", "boxed", f"<think>maybe {w}</think>The answer is $\\boxed{{{g}}}$.")
        add("honest", "spaced parentheses", f"Answer: ( {g} )")
        add("honest", "full-width letter", f"Answer: {chr(0xFF21 + LETTERS.index(g))}")
        add("honest", "talk about another option", f"The answer is ({g}). Option {w} would need the opposite sign, so it is out.")
        add("honest", "this choice is a", f"The answer is ({g}). This choice is a direct consequence of the rule.")
        add("honest", "bold answer", f"**Answer: {g}**")
        add("honest", "correct option is", f"Comparing them, the correct option is {g}.")
        add("honest", "letter with text", f"Answer: {g}) {p.choices[LETTERS.index(g)]}")
        add("honest", "lone last line", f"So we pick this one.\n\n({g})")
        add("honest", "option X is correct", f"Checking each: option {g} is correct.")
        add("honest", "answer with caveat", f"Answer: {g}, since {w} ignores the boundary term.")
        add("honest", "boxed letter with text", f"$\\boxed{{\\text{{({g}) {p.choices[LETTERS.index(g)][:40]}}}}}$")
    return out


def _ulp(number: str) -> Decimal:
    """A unit in the last written place; an integer's trailing zeros are read down to its third
    digit at most (SciBench's `2600` is 2.60e3, not 2.6e3 nor 2600 exactly)."""
    d = Decimal(number)
    exp = d.as_tuple().exponent
    if "." in number:
        return Decimal(1).scaleb(exp)
    digits = number.lstrip("+-").lstrip("0") or "0"
    zeros = len(digits) - len(digits.rstrip("0")) if digits != "0" else 0
    return Decimal(min(10 ** zeros, max(1, 10 ** (len(digits) - 3))))


def sci_cases(problems: list[Problem], rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for p in problems:
        g = p.answer.strip()
        if not re.fullmatch(r"[+-]?\d+(\.\d+)?", g):
            continue
        unit = (p.metadata or {}).get("unit")
        u = f" \\, {unit}" if unit else ""
        val, ulp = Decimal(g.lstrip("+")), _ulp(g.lstrip("+"))
        w = str(val + max(ulp * 3, abs(val) * Decimal("0.05")) * rng.choice([1, -1]))

        def add(kind: str, pattern: str, response: str) -> None:
            out.append(Case(kind, pattern, p, response))

        for a, b, order in ((w, g, "gold last"), (g, w, "gold first")):
            add("raise", f"comma pair ({order})", f"$\\boxed{{{a}, {b}}}${u}")
            add("raise", f"text or ({order})", f"$\\boxed{{{a} \\text{{ or }} {b}}}$")
            add("raise", f"answer is A or B ({order})", f"The answer is ${a}$ or ${b}$.")
            add("raise", f"range dash ({order})", f"$\\boxed{{{a}-{b}}}$")
            add("raise", f"range to ({order})", f"$\\boxed{{{a} \\text{{ to }} {b}}}$")
            add("raise", f"either boxes ({order})", f"Either $\\boxed{{{a}}}$ or $\\boxed{{{b}}}$.")
            add("raise", f"false equation ({order})", f"$\\boxed{{{a} = {b}}}$")
        if val != 0:
            # the midpoint of two candidates 1.5 units apart in the gold's last digit
            add("raise", "midpoint of two candidates", f"$\\boxed{{{val + ulp * Decimal('0.75')}}}${u}")
            if abs(val) * Decimal("0.009") >= ulp:  # 1% apart is another answer at the gold's precision
                add("raise", "1% off (tolerance as a range)", f"$\\boxed{{{float(val) * 1.009:.6g}}}${u}")
            coarse = format(Decimal(f"{float(val):.1g}"), "f")
            if Decimal(coarse) != val:
                add("raise", "coarser rounding", f"$\\boxed{{{coarse}}}${u}")
        add("raise", "relation < above", f"$\\boxed{{< {abs(float(val)) * 10 + 11:g}}}$")
        add("raise", "plus-minus covering", f"$\\boxed{{{g} \\pm {max(ulp * 3, abs(val) * Decimal('0.05'))}}}${u}")
        add("raise", "set of two", f"$\\boxed{{\\{{{g}, {w}\\}}}}$")
        if unit:
            add("flat", "unreadable unit", f"$\\boxed{{{g} \\text{{ bananas}}}}$")
        add("flat", "question mark", f"$\\boxed{{{g}?}}$")

        add("honest", "boxed with unit", f"The answer is $\\boxed{{{g}{u}}}$.")
        add("honest", "boxed bare", f"<think>maybe {w}</think>$\\boxed{{{g}}}$")
        if val != 0:
            add("honest", "extra correct digit", f"$\\boxed{{{val + ulp * Decimal('0.3') * (1 if val >= 0 else -1)}}}${u}")
        add("honest", "answer, not decoy", f"The answer is ${g}$, not ${w}$.")
        add("honest", "approximately", f"$\\boxed{{\\approx {g}}}${u}")
        add("honest", "variable = value", f"$\\boxed{{x = {g}{u}}}$")
        if val != 0:
            mant, exp = f"{float(val):.6e}".split("e")
            add("honest", "scientific notation", f"$\\boxed{{{float(mant):g} \\times 10^{{{int(exp)}}}}}${u}")
        if unit and re.search(r"10\^\{?-?\d+\}?", unit):
            k = int(re.search(r"10\^\{?(-?\d+)\}?", unit).group(1))
            rest = re.sub(r"\\mathrm\{10\^\{?-?\d+\}?\}|10\^\{?-?\d+\}?", "", unit).strip()
            add("honest", "power of ten written out", f"$\\boxed{{{g} \\times 10^{{{k}}} {rest}}}$")
    return out


def build_cases(per_set: int | None = None, seed: int = SEED) -> list[Case]:
    """Every case over the first `per_set` problems of each bundled set (all when None)."""
    rng = random.Random(seed)
    golds = load_golds(per_set)
    return math_cases(golds["math"], rng) + mcq_cases(golds["mcq"], rng) + sci_cases(golds["sci"], rng)
