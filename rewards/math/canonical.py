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

The spelling math-verify reads (`normalize`, both sides unless said), after the steps above:
  `0.1\\overline{6}` is the exact fraction it names.
- markup: `\\left`/`\\right`, `\\displaystyle`, markdown bold, a trailing `\\`; `\\color{red}{8}` is 8,
  `\\mathbf{8}`, `\\underline{8}` are 8.
  Invisible or struck text (`\\phantom`, `\\cancel`, `\\sout`) is dropped. Hack: colour hides a
  second candidate (`\\color{white}{9} 8`); coloured text beside other text is `multiple_answers`.
- units (response side, only when the gold has no letters): a trailing `\\text{cm}`, `\\mbox{...}`
  or plain word after a number is dropped, `\\text{8 dollars}` is 8, a leading `\\$` too; degrees
  are optional. Hack: a "unit" that is another candidate (`8 \\text{ or 9}`); unit text may hold
  no digits and no "or/either/maybe".
- `\\approx 8` is 8 (one value); `\\frac{\\sqrt3}{3} \\approx 0.577` is the value before `\\approx` (a number
  for its size follows: the peer suites read it so, even `1/3 \\approx 11`); two plain numbers said
  to be roughly equal (`8 \\approx 9`) must be roundings of one another, and two expressions
  (`\\frac{14}{3} \\approx \\frac{14}{5}`) must both be the gold, else they are two candidates. Known
  gap: `p - q \\approx 610` is read as p - q (one reading, so it cannot raise expected reward).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from fractions import Fraction

from ringdata.core.answers import close_brace

__all__ = ["PRESENTATION", "canonical", "canonical_latex", "fold_confusables", "normalize"]

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
    """Non-Latin, non-Greek letters -> the ASCII letter, and digits -> the ASCII digit, they are
    confusable with, from Unicode's confusables data as the `confusable_homoglyphs` package ships it."""
    import confusable_homoglyphs

    data = json.loads((Path(confusable_homoglyphs.__file__).parent / "confusables.json").read_text(encoding="utf-8"))
    table = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii() or unicodedata.category(char)[0] not in "LN":
            continue
        name = unicodedata.name(char, "")
        if name.startswith(("LATIN", "GREEK")):
            continue
        # a letter folds to a letter and a digit to a digit: Cyrillic `б` looks like 6, but inside a
        # word ("або", Ukrainian "or") it is a letter, and a digit there would split the word into values
        # (and only to its own value: Bengali `৪` is 4, though it looks like 8)
        letter = unicodedata.category(char)[0] == "L"
        targets = {e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii()
                   and (e["c"].isalpha() if letter else e["c"].isdigit() and unicodedata.digit(char, None) == int(e["c"]))}
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


# ---- normalisation ---------------------------------------------------------------------------

_GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_THIN_GROUP = re.compile(r"(?<=\d)(?:\{,\}|\\,|\\ |\\;|\\:|~)(?=\d{3}(?!\d))")
_SCI_E = re.compile(r"^(-?\d+(?:\.\d+)?)\s*[eE]\s*([+-]?\d+)$")
_SCI_TIMES = re.compile(r"(\d)\s*(?:\\cdot|\\times|\*|x|×)\s*10\s*\^\s*(\{[^{}]*\}|[+-]?\d+)")
_UNIT_WORDS = r"[a-zA-Z][a-zA-Z ]*"
_TRAIL_TEXT = re.compile(rf"^(.*?\d[^a-zA-Z\\]*?)\s*(?:\\(?:text|mbox|mathrm|textbf)\s*\{{\s*{_UNIT_WORDS}\}}|{_UNIT_WORDS})\s*\.?$")
_TEXT = re.compile(r"\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}")
_HIDDEN = re.compile(r"\\(?:[hv]?phantom|cancel|bcancel|xcancel|sout)\s*\{")
_FORMAT = re.compile(r"\\(?:underline|mathbf|boldsymbol|bm|mathit|mathsf|mathtt|emph|textit|substack)\s*\{")
_COLOUR = re.compile(r"\\(?:textcolor\s*\{[^{}]*\}|color\s*\{[^{}]*\})")
_REPEATING = re.compile(r"(?<![\d.])(-?)(\d*)\.(\d*)\\overline\s*\{(\d+)\}")
_HEDGE_WORDS = re.compile(r"\b(?:or|either|and/or|maybe|possibly|perhaps)\b", re.I)


def _unwrap_groups(s: str, pattern: re.Pattern[str]) -> str:
    """`s` with every `\\cmd{...}` that `pattern` matches up to its `{` replaced by its content."""
    while m := pattern.search(s):
        close = close_brace(s, m.end() - 1)
        if close is None:
            return s
        s = s[: m.start()] + " " + s[m.end() : close] + " " + s[close + 1 :]
    return s


def _drop_group(s: str, pattern: re.Pattern[str]) -> str:
    """`s` without every `\\cmd{...}` that `pattern` matches up to its `{` (the group included)."""
    while m := pattern.search(s):
        close = close_brace(s, m.end() - 1)
        if close is None:
            return s[: m.start()]
        s = s[: m.start()] + s[close + 1 :]
    return s


def _repeating_fraction(m: re.Match[str]) -> str:
    """`0.1\\overline{6}` as the exact fraction it names (1/6)."""
    sign, whole, fixed, period = m.group(1), m.group(2) or "0", m.group(3), m.group(4)
    value = Fraction(int(whole + fixed + period) - int(whole + fixed), (10 ** len(period) - 1) * 10 ** len(fixed))
    return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"


def normalize(answer: str, *, response_side: bool = False) -> str:
    """A LaTeX answer in the spelling math-verify parses best (see the module docstring)."""
    s = canonical_latex(answer).strip().strip("$").strip()
    s = re.sub(r"^\\\[(.*)\\\]$|^\\\((.*)\\\)$", lambda m: m.group(1) or m.group(2) or "", s, flags=re.S).strip()  # `\\[...\\]`, `\\(...\\)` as `$...$`
    s = s.rstrip("\\").strip()
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\displaystyle", "")
    s = s.replace("\\dbinom", "\\binom").replace("\\tbinom", "\\binom")
    s = s.replace("\\left", "").replace("\\right", "")
    s = re.sub(r"(\\frac\s*\{(?:[^{}]|\{[^{}]*\})*\})\s*([A-Za-z0-9])", r"\1{\2}", s)  # `\\frac{1+a}c`: a one-token argument
    s = re.sub(r"(?<=\d),\\!\s*(?=\d)", "", s)  # `,\!` only ever groups thousands
    s = _THIN_GROUP.sub("", s).replace("\\!", "")
    s = _drop_group(s, _HIDDEN)  # invisible or struck-out text is not part of the answer
    s = _unwrap_groups(s, _FORMAT)  # \\mathbf{8}, \\underline{8}, \\substack{...}: the content
    while m := _COLOUR.search(s):  # `\\color{red}{8}` is 8 (the group unwrapped), `\\color{red} 8` too
        close = close_brace(s, m.end()) if s[m.end() : m.end() + 1] == "{" else None
        s = s[: m.start()] + (s[m.end() + 1 : close] + s[close + 1 :] if close is not None else s[m.end() :])
    s = re.sub(r"\\(?:text|mbox)\s*\{\s*\}", "", s)
    s = re.sub(r"\\(?:mathrm|text|operatorname)\s*\{\s*e\s*\}", "e", s)  # Euler's e: math-verify stops at \mathrm{e}
    s = re.sub(r"\*\*|__", "", s)  # markdown bold around the answer
    s = re.sub(r"^(?:\\approx|\\sim|≈)\s*", "", s)
    if response_side:
        s = re.sub(r"^\\\$\s*|^\$\s*", "", s)
    s = re.sub(r"^(-?)0,(\d{3,})$", r"\g<1>0.\2", s)  # 0,111: no thousands group starts with 0
    if _GROUPED.match(s) or re.fullmatch(r"-?\d{1,3}(?: \d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "").replace(" ", "")
    s = _REPEATING.sub(_repeating_fraction, s)
    sci = _SCI_E.match(s)
    if sci:
        s = f"{sci.group(1)}\\times10^{{{sci.group(2)}}}"
    s = _SCI_TIMES.sub(lambda m: f"{m.group(1)}\\times10^{{{m.group(2).strip('{}')}}}", s)
    if response_side:
        worded = re.fullmatch(r"\\(?:text|mbox|textbf)\s*\{\s*(\\?\$?\s*-?[\d.,]+\s+[a-zA-Z][a-zA-Z ]*)\}", s)
        if worded:
            s = worded.group(1)  # \text{8 dollars}
        s = re.sub(r"\s*(?:percent(?:age)?|pct)\.?$", "\\%", s)
        s = re.sub(r"^\\\$\s*|^\$\s*", "", s)
        trail = _TRAIL_TEXT.match(s)
        if trail and not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", trail.group(1))) and not _HEDGE_WORDS.search(s[trail.end(1):]):
            s = trail.group(1).strip()
    return s.strip()
