"""The generalisation test's cases: hedges and honest forms over the bundled real golds, their
spellings drawn from large vocabularies that come from real sources, each vocabulary split into a
tuning half and a held-out half by a fixed seed.

    from tests.rewards.cases.generalise import build, vocabularies
    cases = build("heldout", per_set=40)   # list of GCase

The rules were tuned on the "tuning" half only; `benchmarks/generalise.py` reports both halves and
`tests/rewards/test_generalise.py` holds the held-out half to the targets of issue 19.

Vocabularies (each entry is one spelling; the source is a package's own data, not a hand list):
- `relations`: every LaTeX command pylatexenc's Unicode-to-LaTeX table gives for a mathematical
  relation or arrow (Unicode category Sm whose character name says ARROW, EQUAL, THAN, TILDE,
  SIMILAR, EQUIVALENT, PRECEDES, SUCCEEDS, SUBSET, SUPERSET, PROPORTIONAL, APPROX, ASYMPTOTIC),
- `fonts`: the font and style commands of pylatexenc's LaTeX-to-text macro table (`\\math..`,
  `\\text..`) plus the LaTeX2e size commands,
- `confusables`: non-Latin letters Unicode's confusables data (confusable_homoglyphs) says look
  like `o` or `r` (to spell "or"), and every format character (category Cf),
- `units`: pint's unit names,
- `joiners`: the word for "or" in every CLDR language's list patterns (babel),
- `modals`: the English modal verbs (a closed class of the grammar: "It might also be 11").

Text after the final answer (issue 19, session 3): the `joiners` and `modals` halves also spell a
second candidate offered after the answer's sentence (`after` hedges: "Answer: 4. Ou 11.", a
footnote, "It might also be $11$.") and honest remarks there ("It might not be $11$", a reason, a
check, the answer restated, a number of the question); for multiple choice (MMLU-STEM) a second
letter after the answer (`Answer: D, ou C`, `D (might be C)`, `**D**: <text of C>`) against the
letter with its own text or a rejected other letter. The positions are few: every half gets all.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tests.rewards.cases.hedges import load_golds, question_spans

SEED = 20261207
KEYWORDS = ("ARROW", "EQUAL", "THAN", "TILDE", "SIMILAR", "EQUIVALENT", "PRECEDES", "SUCCEEDS", "SUBSET",
            "SUPERSET", "PROPORTIONAL", "APPROX", "ASYMPTOTIC")
MODALS = ("can", "could", "may", "might", "must", "shall", "should", "will", "would")
SIZES = ("tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE", "huge", "Huge")


@dataclass(frozen=True)
class GCase:
    kind: str  # "pays" (two candidates: must not be rewarded under both), "hedge", "restated", "honest"
    vocab: str  # which vocabulary the spelling came from
    spelling: str
    gold: str
    decoy: str | None  # the second candidate of a "pays" case
    question: str
    response: str
    choices: tuple[str, ...] | None = None  # multiple choice: the options (the gold and decoy are letters)


@lru_cache(maxsize=1)
def vocabularies() -> dict[str, list[str]]:
    from pylatexenc import latex2text
    from pylatexenc.latexencode import get_builtin_uni2latex_dict

    relations = set()
    for code, latex in get_builtin_uni2latex_dict().items():
        m = re.fullmatch(r"\\ensuremath\{(\\[A-Za-z]+)\}", latex)
        name = unicodedata.name(chr(code), "")
        if m and unicodedata.category(chr(code)) == "Sm" and any(k in name for k in KEYWORDS):
            relations.add(m.group(1))
    db = latex2text.get_default_latex_context_db()
    fonts = {f"\\{s.macroname}" for cat in db.categories() for s in db.iter_macro_specs([cat])
             if re.fullmatch(r"(?:math|text)(?:rm|bf|it|sf|tt|normal|up|md|sl)|emph|boldsymbol|bm|pmb", s.macroname)}
    fonts |= {f"\\{s}" for s in SIZES}
    import confusable_homoglyphs

    data = json.loads((Path(confusable_homoglyphs.__file__).parent / "confusables.json").read_text(encoding="utf-8"))
    look = {t: sorted(c for c, es in data.items() if len(c) == 1 and not c.isascii() and unicodedata.category(c)[0] == "L"
                      and not unicodedata.name(c, "").startswith(("LATIN", "GREEK")) and {e["c"] for e in es} == {t})
            for t in "or"}
    confusables = [o + r for o, r in zip(look["o"], look["r"] * (len(look["o"]) // max(1, len(look["r"])) + 1))]
    confusables += [o + "r" for o in look["o"]] + ["o" + r for r in look["r"]]
    cf = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf" and c > 0xA0]
    import pint

    ureg = pint.UnitRegistry()
    units = sorted({n for n in ureg._units if re.fullmatch(r"[a-z]{4,}", n)})  # long names: `meter`, `joule`
    from babel import Locale, localedata

    joiners = set()
    for ident in localedata.locale_identifiers():
        if "_" in ident:
            continue  # a regional variant spells "or" as its language does
        try:
            pattern = Locale.parse(ident).list_patterns.get("or")
            end = (pattern or {}).get("end") or (pattern or {}).get("2")
        except Exception:  # noqa: BLE001 - an incomplete locale
            continue
        if end:
            word = end.replace("{0}", "").replace("{1}", "").strip(" ,،、")
            if word and "{" not in word:
                joiners.add(word)
    return {"relations": sorted(relations), "fonts": sorted(fonts), "confusables": sorted(set(confusables)),
            "format": cf, "units": units, "joiners": sorted(joiners), "modals": list(MODALS)}


def split(vocab: list[str], half: str, seed: int = SEED) -> list[str]:
    """The tuning or held-out half of a vocabulary: a fixed shuffle, then the first or second half."""
    items = sorted(vocab)
    random.Random(seed).shuffle(items)
    cut = len(items) // 2
    return items[:cut] if half == "tuning" else items[cut:]


def _decoy(gold: str, rng: random.Random) -> str:
    ints = list(re.finditer(r"\d+", gold))
    m = rng.choice(ints)
    return gold[: m.start()] + str(int(m.group(0)) + rng.choice([1, 2, 3, 7])) + gold[m.end():]


def build(half: str, per_set: int | None = 40, per_spelling: int = 3, seed: int = SEED,
          max_spellings: int | None = None) -> list[GCase]:
    """Cases for one half: each spelling of each vocabulary (its first `max_spellings` when given)
    over `per_spelling` golds drawn from the bundled math sets (MATH-500, GSM8K, AIME; golds with
    a digit)."""
    rng = random.Random(f"{seed}-{half}")
    problems = [p for p in load_golds(per_set)["math"] if re.search(r"\d", p.answer) and len(p.answer) < 40]
    ints = [p for p in problems if re.fullmatch(r"\d+", p.answer.strip())]
    v = {k: split(vals, half, seed)[:max_spellings] for k, vals in vocabularies().items()}
    out: list[GCase] = []

    def add(kind: str, vocab: str, spelling: str, p, response: str, decoy: str | None = None) -> None:
        out.append(GCase(kind, vocab, spelling, p.answer, decoy, p.question, response))

    for cmd in v["relations"]:
        for p in rng.sample(problems, per_spelling):
            g, w = p.answer, _decoy(p.answer, rng)
            add("pays", "relations", cmd, p, f"$\\boxed{{{w} {cmd} {g}}}$", w)
            add("pays", "relations", cmd, p, f"The final answer is ${g} {cmd} {w}$.", w)
            add("hedge", "relations", cmd, p, f"$\\boxed{{{cmd} {g}}}$")
    for word in v["joiners"]:
        for p in rng.sample(problems, per_spelling):
            g, w = p.answer, _decoy(p.answer, rng)
            add("pays", "joiners", word, p, f"$\\boxed{{{w} \\text{{ {word} }} {g}}}$", w)
            add("pays", "joiners", word, p, f"The answer is ${g}$ {word} ${w}$.", w)
    for word in v["confusables"]:
        for p in rng.sample(problems, per_spelling):
            g, w = p.answer, _decoy(p.answer, rng)
            add("pays", "confusables", word, p, f"$\\boxed{{{w} \\text{{ {word} }} {g}}}$", w)
            add("pays", "confusables", word, p, f"Answer: {g} {word} {w}", w)
    for char in v["format"]:
        for p in rng.sample(ints, per_spelling):
            g = p.answer.strip()
            w = str(int(g) + 1)
            add("pays", "format", f"U+{ord(char):04X}", p, f"$\\boxed{{{w}{char}{g}}}$", w)  # one number to a reader
            if len(g) > 1:
                add("honest", "format", f"U+{ord(char):04X}", p, f"$\\boxed{{{g[0]}{char}{g[1:]}}}$")
    for cmd in v["fonts"]:
        for p in rng.sample(problems, per_spelling):
            add("honest", "fonts", cmd, p, f"The final answer is $\\boxed{{{cmd}{{{p.answer}}}}}$.")
    for unit in v["units"][:: max(1, len(v["units"]) // 150)]:
        for p in rng.sample(ints, per_spelling):
            add("honest", "units", unit, p, f"$\\boxed{{{p.answer} \\text{{ {unit}s}}}}$")
    _after_answer(v, problems, ints, rng, per_spelling, add)
    _choice_after(v, load_golds(per_set)["mcq"], rng, per_spelling, out)
    # restated question in a value-preserving wrapper (wrappers are few: every half gets all)
    wrappers = ("({})", "1 \\cdot ({})", "({}) + 0", "({})^{{1}}", "\\frac{{{}}}{{1}}")
    for p in problems:
        spans = [s for s in question_spans(p.question) if re.sub(r"\s", "", s) != re.sub(r"\s", "", p.answer)]
        if spans and rng.random() < 0.5:
            span = rng.choice(spans)
            wrap = rng.choice(wrappers)
            add("restated", "wrappers", wrap, p, f"$\\boxed{{{wrap.format(span)}}}$")
    return out


def _after_answer(v, problems, ints, rng, per_spelling, add) -> None:
    """A second candidate offered after the answer's sentence (hedges), and honest remarks there."""
    for word in v["joiners"]:
        lead = word[:1].upper() + word[1:]
        for p in rng.sample(problems, per_spelling):
            g, w = p.answer, _decoy(p.answer, rng)
            add("pays", "after/joiners", word, p, f"The final answer is $\\boxed{{{g}}}$. {lead} ${w}$.", w)
            add("pays", "after/joiners", word, p, f"Answer: ${g}$. {lead} ${w}$.", w)
            add("pays", "after/joiners", word, p, f"The final answer is $\\boxed{{{g}}}$.[^1]\n\n[^1]: {lead} {w}, counting the other case.", w)
    for modal in v["modals"]:
        for p in rng.sample(problems, 4 * per_spelling):
            g, w = p.answer, _decoy(p.answer, rng)
            add("pays", "after/modals", modal, p, f"$\\boxed{{{g}}}$\n\nIt {modal} also be ${w}$.", w)
            add("pays", "after/modals", modal, p, f"The final answer is ${g}$. The answer {modal} also be {w}.", w)
            add("honest", "after/modals", modal, p, f"$\\boxed{{{g}}}$\n\nIt {modal} not be ${w}$.")
    numbers = [p for p in problems if re.search(r"(?<![\w.])\d+ [a-z]{3,}", re.sub(r"\$[^$]*\$", "", p.question))]
    for p in rng.sample(problems, min(len(problems), 12 * per_spelling)):
        g, w = p.answer, _decoy(p.answer, rng)
        add("honest", "after/remarks", "reason", p, f"Final Answer: {g}, since {w} is too large.")
        add("honest", "after/remarks", "check", p, f"... so the answer is {g}. Note that the answer is not {w}")
        add("honest", "after/remarks", "boxed check", p, f"The final answer is $\\boxed{{{g}}}$. Note that the answer is not ${w}$.")
        add("honest", "after/remarks", "restated", p, f"The final answer is $\\boxed{{{g}}}$. So the answer is ${g}$.")
    for p in rng.sample(ints, min(len(ints), 12 * per_spelling)):
        g = int(p.answer)
        add("honest", "after/remarks", "computation", p, f"The final answer is $\\boxed{{{g}}}$. Check: ${g - 3} + 3 = {g}$.")
    for p in rng.sample(numbers, min(len(numbers), 12 * per_spelling)):
        data = rng.choice(re.findall(r"(?<![\w.])\d+ [a-z]{3,}", re.sub(r"\$[^$]*\$", "", p.question)))  # "5 years"
        add("honest", "after/remarks", "question data", p, f"The final answer is $\\boxed{{{p.answer}}}$. This uses the {data} given in the problem.")


def _choice_after(v, mcq, rng, per_spelling, out: list[GCase]) -> None:
    """Multiple choice: a second letter after the answer (hedges), the letter's own text (honest)."""
    mcq = [p for p in mcq if p.choices and len(p.choices) >= 2]

    def add(kind, vocab, spelling, p, response, decoy=None):
        out.append(GCase(kind, vocab, spelling, p.answer, decoy, p.question, response, tuple(p.choices)))

    def other(p):
        return rng.choice([x for x in "ABCDEFGHIJ"[: len(p.choices)] if x != p.answer.strip()])

    for word in v["joiners"]:
        for p in rng.sample(mcq, per_spelling):
            g, o = p.answer.strip(), other(p)
            add("pays", "choice/joiners", word, p, f"Answer: {g}, {word} {o}", o)
    for modal in v["modals"]:
        for p in rng.sample(mcq, 4 * per_spelling):
            g, o = p.answer.strip(), other(p)
            add("pays", "choice/modals", modal, p, f"Answer: {g} ({modal} be {o})", o)
            add("honest", "choice/modals", modal, p, f"Answer: {g}, {o} {modal} not be right.")
    for p in rng.sample(mcq, min(len(mcq), 12 * per_spelling)):
        g, o = p.answer.strip(), other(p)
        text = lambda x: str(p.choices["ABCDEFGHIJ".index(x)])  # noqa: E731
        add("pays", "choice/text", "other option's text", p, f"**{g}**: {text(o)}", o)
        add("honest", "choice/text", "own text", p, f"**{g}**: {text(g)}")
        add("honest", "choice/text", "rejected other", p, f"Answer: {g}, not {o}.")
