"""One canonical form of an answer, shared by the math and science graders, applied before any rule.

Every rule after this one sees one spelling per meaning, so no rule needs a list of spellings:
1. superscript and subscript characters (`m²`, `x₁`) become `^{2}`, `_{1}` (NFKC alone would turn
   `m²` into `m2`, a different answer);
2. Unicode NFKC (full-width `８` is 8, `ﬁ` is fi, the fraction slash `⁄` is `/`);
3. every format character (Unicode category Cf: zero-width space and joiner, word joiner, soft
   hyphen, bidi controls) removed: they are invisible, so `1\u200b11` is what a reader sees, 111;
4. confusable letters and digits of other scripts folded to the ASCII character Unicode's own
   confusables data (UTS #39 `confusables.txt`, as shipped by the maintained `confusable_homoglyphs`
   package) says they look like: Cyrillic `о` is o, so `8 оr 1` is read as `8 or 1`. Latin and Greek
   letters are kept (`α`, `π` are mathematics); symbols are not folded (`×` is not x);
5. Unicode mathematics written as LaTeX, from pylatexenc's Unicode-to-LaTeX table (`≠` is `\\neq`,
   `π` is `\\pi`, `√2` is `\\sqrt{2}`), so a relation or an operator has one spelling;
6. presentational LaTeX removed by one rule driven by `PRESENTATION` (fonts, sizes, styles,
   `\\left`/`\\right`, spacing, `\\text` around a number, fraction and binomial styles): the table
   says what each command is, the rule says what each kind does;
7. thin spaces told apart by context: between a digit and exactly three digits they group
   thousands (`3\\,996` is 3996); elsewhere they are a space (`137\\,\\frac12` is `137 \\frac12`,
   a mixed number for the reader to judge).

Hack: each step removes a way to hide a second candidate from the rules (an invisible character
inside a number, a look-alike letter in "or", a relation spelled in Unicode, a size command around
a value); none of them adds or removes a value, so no honest answer changes meaning.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from ringdata.answers import close_brace

__all__ = ["PRESENTATION", "canonical", "canonical_latex", "fold_confusables"]

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", "0123456789+-=()ni"))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", "0123456789+-=()"))
_SCRIPT_RUN = re.compile(f"[{''.join(_SUPERSCRIPTS)}]+|[{''.join(_SUBSCRIPTS)}]+")

# Unicode mathematics whose LaTeX pylatexenc spells as text-mode commands (`\\texttimes`): the
# math-mode spelling instead, so one command names one operator.
_TEXT_MODE = {"×": "\\times ", "·": "\\cdot ", "⋅": "\\cdot ", "÷": "\\div ", "°": "^{\\circ}", "−": "-", "∕": "/"}


def _scripts(m: re.Match[str]) -> str:
    run = m.group(0)
    if run[0] in _SUPERSCRIPTS:
        return "^{" + "".join(_SUPERSCRIPTS[c] for c in run) + "}"
    return "_{" + "".join(_SUBSCRIPTS[c] for c in run) + "}"


@lru_cache(maxsize=1)
def _confusable_table() -> dict[str, str]:
    """Non-Latin, non-Greek letters and digits -> the ASCII letter or digit they are confusable
    with, from Unicode's confusables data as the `confusable_homoglyphs` package ships it."""
    import confusable_homoglyphs

    data = json.loads((Path(confusable_homoglyphs.__file__).parent / "confusables.json").read_text(encoding="utf-8"))
    table = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii() or unicodedata.category(char)[0] not in "LN":
            continue
        name = unicodedata.name(char, "")
        if name.startswith(("LATIN", "GREEK")):
            continue
        targets = {e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii() and e["c"].isalnum()}
        if len(targets) == 1:
            table[char] = targets.pop()
    return table


def fold_confusables(text: str) -> str:
    """`text` with look-alike letters and digits of other scripts as the ASCII they imitate."""
    if text.isascii():
        return text
    table = _confusable_table()
    return "".join(table.get(c, c) for c in text)


@lru_cache(maxsize=1)
def _math_table() -> dict[str, str]:
    """Non-ASCII mathematical symbols and Greek letters -> their LaTeX command (pylatexenc's table,
    math-mode entries only: `\\ensuremath{\\neq}` gives `\\neq`)."""
    from pylatexenc.latexencode import get_builtin_uni2latex_dict

    table = dict(_TEXT_MODE)
    for code, latex in get_builtin_uni2latex_dict().items():
        char = chr(code)
        m = re.fullmatch(r"\\ensuremath\{(\\[A-Za-z]+)\}", latex)
        if char in table or not m or char.isascii():
            continue
        if unicodedata.category(char) in ("Sm", "So") or unicodedata.name(char, "").startswith("GREEK"):
            table[char] = m.group(1) + " "
    return table


_SQRT = re.compile(r"√\s*(\d+(?:\.\d+)?|[A-Za-z]|\\[A-Za-z]+|\((?:[^()]|\([^()]*\))*\)|\{[^{}]*\})")


def _unicode_math(text: str) -> str:
    if text.isascii():
        return text
    text = _SQRT.sub(lambda m: "\\sqrt{" + (m.group(1)[1:-1] if m.group(1)[0] in "({" else m.group(1)) + "}", text)
    table = _math_table()
    return "".join(table.get(c, c) for c in text)


def canonical(text: str) -> str:
    """Steps 1-5 of the module docstring: the Unicode side of the canonical form (for prose and
    LaTeX alike; the LaTeX side is `canonical_latex`)."""
    if text.isascii():
        return text
    text = _SCRIPT_RUN.sub(_scripts, text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _unicode_math(fold_confusables(text))


# ---- presentational LaTeX ------------------------------------------------------------------------

# What each presentational command is. The kinds:
#   font:    `\\cmd{x}` is x (also `\\cmd x` for one token)   - typeface and weight only
#   switch:  `\\cmd` is nothing, `\\cmd{x}` is x               - sizes and styles, declarations
#   delim:   `\\cmd` is nothing, the delimiter after it stays  - sizing of brackets
#   space:   a space (or nothing inside a grouped number)      - spacing
#   skip:    `\\cmd{dimen}` or `\\cmd dimen` is a space         - explicit spacing
#   rename:  the command is another with the same meaning      - display variants of a notation
# Table of the LaTeX2e/amsmath/KaTeX commands of each kind; a command not here is not presentational.
PRESENTATION: dict[str, str] = {
    **dict.fromkeys("mathrm mathbf mathit mathsf mathtt mathnormal mathup mathbfit boldsymbol bm pmb "
                    "textbf textit textrm textsf texttt textnormal textup textmd textsl emph mbf mit".split(), "font"),
    **dict.fromkeys("displaystyle textstyle scriptstyle scriptscriptstyle tiny scriptsize footnotesize small "
                    "normalsize large Large LARGE huge Huge bf it rm sf tt sl md up boldmath unboldmath "
                    "limits nolimits".split(), "switch"),
    **dict.fromkeys("left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr "
                    "bigm Bigm biggm Biggm".split(), "delim"),
    " ": "space",
    **dict.fromkeys(", : ; ! > thinspace medspace thickspace negthinspace negmedspace negthickspace "
                    "enspace nobreakspace space".split(), "space"),
    **dict.fromkeys("hspace hspace* hskip kern mkern mskip mspace".split(), "skip"),
    "dfrac": "\\frac", "tfrac": "\\frac", "cfrac": "\\frac", "nicefrac": "\\frac", "sfrac": "\\frac",
    "dbinom": "\\binom", "tbinom": "\\binom",
}

_COMMAND = re.compile(r"\\([A-Za-z]+\*?|[,:;!> ])")
_THIN = "\x00"  # a thin space, until its context says whether it groups digits


def _group_arg(s: str, at: int) -> tuple[str, int] | None:
    """(content, end) of the `{...}` group starting at or after spaces from `at`."""
    i = at
    while i < len(s) and s[i] == " ":
        i += 1
    if i < len(s) and s[i] == "{":
        close = close_brace(s, i)
        if close is not None:
            return s[i + 1 : close], close + 1
    return None


def canonical_latex(latex: str) -> str:
    """Steps 6-7 of the module docstring on a LaTeX answer: presentational commands removed by
    their kind in `PRESENTATION`, thin spaces resolved by context, `\\text` around a number
    unwrapped."""
    s = canonical(latex)
    if "\\" not in s and "~" not in s:
        return s
    s = re.sub(r"\\\\(?=(?:left|right|[dtc]?frac|sqrt|text|mathrm|pi|cdot|times)(?![A-Za-z]))", r"\\", s)  # over-escaped `\\\\left`
    s = re.sub(r"(?<=\d),\\!\s*(?=\d{3}(?!\d))", "", s)  # `2,\\!220`: MATH's thousands separator
    out, i = [], 0
    while i < len(s):
        if s.startswith("\\\\", i):  # a line break, not a command
            out.append("\\\\")
            i += 2
            continue
        m = _COMMAND.match(s, i)
        if not m:
            nxt = s.find("\\", i + 1)  # no command here: copy up to the next backslash
            nxt = len(s) if nxt < 0 else nxt
            out.append(s[i:nxt])
            i = nxt
            continue
        name, kind, end = m.group(1), PRESENTATION.get(m.group(1)), m.end()
        if kind is None:
            out.append(m.group(0))
            i = end
            continue
        if kind.startswith("\\"):
            out.append(kind)
            i = end
        elif kind == "space":
            out.append(_THIN)
            i = end
        elif kind == "skip":
            arg = _group_arg(s, end)
            if arg is not None:
                end = arg[1]
            else:
                dimen = re.match(r"\s*-?[\d.]+\s*(?:em|ex|pt|mu|mm|cm|in)", s[end:])
                end += dimen.end() if dimen else 0
            out.append(" ")
            i = end
        elif kind in ("font", "switch"):
            arg = _group_arg(s, end)
            if arg is not None:  # `\\mathbf{50}`, `\\Large{3}`: the content
                out.append(canonical_latex(arg[0]))
                i = arg[1]
            else:
                out.append(" ")
                i = end
        else:  # delim: `\\left(` is `(`, `\\left.` is nothing
            rest = s[end:].lstrip()
            if rest.startswith("."):
                end = s.index(".", end) + 1
            out.append("")
            i = end
    s = "".join(out)
    s = re.sub(rf"(?<=\d)\s*{_THIN}\s*(?=\d{{3}}(?!\d))", "", s)  # 3\\,996: digit grouping
    s = re.sub(rf"\s*{_THIN}\s*", " ", s)
    s = re.sub(r"(?<=\d)~(?=\d{3}(?!\d))", "", s)
    s = re.sub(r"\\(?:text|mbox|textnormal)\s*\{\s*(-?\d+(?:[.,]\d+)*)\s*\}", r"\1", s)  # \\text{5}: a number
    return s


@lru_cache(maxsize=1)
def unit_registry():
    """pint's unit registry, one per process (building it costs 1-4 s): the units math answers
    may carry after a value and science answers are converted with."""
    import pint

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
