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
- `joiners`: the word for "or" in every CLDR language's list patterns (babel).
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
            "format": cf, "units": units, "joiners": sorted(joiners)}


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
    # restated question in a value-preserving wrapper (wrappers are few: every half gets all)
    wrappers = ("({})", "1 \\cdot ({})", "({}) + 0", "({})^{{1}}", "\\frac{{{}}}{{1}}")
    for p in problems:
        spans = [s for s in question_spans(p.question) if re.sub(r"\s", "", s) != re.sub(r"\s", "", p.answer)]
        if spans and rng.random() < 0.5:
            span = rng.choice(spans)
            wrap = rng.choice(wrappers)
            add("restated", "wrappers", wrap, p, f"$\\boxed{{{wrap.format(span)}}}$")
    return out
