"""Hedge policy: an answer that names no single value scores 0 whichever candidate is right, with
a reason of its own: `multiple_answers` (the gold is among several candidates, or the answer is a
range, a relation or a question), `unevaluated` (the question's expression copied back).

Completeness (`leftovers`), after a match: every part of the answer must be accounted for by its
reading. A `?`, a LaTeX command that builds no value (`VALUE_COMMANDS`: an arrow or relation such
as `\\gtrsim`, `\\Longrightarrow`, `\\doteq` is not one unless the gold or the question has it), a
word among the values that is not the gold's, or a word after the last value that is not a noun of
the question, a currency (CLDR) or a unit (pint), makes the answer `multiple_answers` with the
leftover named in `detail`. Hack: any new spelling of a relation, a joiner ("ou", "或") or a hedging
word ("at least", "probably"); none is on a list, all are left over. After the answer, a second
value in the same sentence with no subordinating word before it (`_SUBORDINATE`: "not", "since",
"which", ...) is an alternative ("$45$ ou $48$"); a short unknown word between two boxes joins them.

Before equivalence (`judge`), gold first:
- hedges (reward 0): a question mark; a relation with no left side (`< 79`, `\\neq 8`, `≠ 8`:
  a range, not a value); a relation (`9 \\neq 8`, `a \\mid b`, `2 \\le x \\le 8`, a single bar
  `9 | 8`) where the gold is a value; a one-sided value (`8^{+}`, `8+`); a case split ("8 if n is
  even, 9 otherwise"); numbers side by side (`9 8`, `9 \\hspace{1em} 8`: what a hidden colour
  leaves), two equations side by side; alternatives (`or`, `\\lor`, `\\vee`, `and/or`, `OR`,
  `\\text{to}`, "(or 9)"), values linked by `\\to`, `\\equiv`, `\\dots`, and list items or
  equation sides (`9 = 8`, `610 = p - q`)
  for a one-value gold: correct only when every one is the gold, `multiple_answers` when the gold
  is among them, else wrong. For a list gold, "x = 1 or x = 2" is the list {1, 2}: no gain, the
  whole list must match. An equation gold is read at the answer's last side (`x = 5+5+1 = 11`,
  as math-verify and the peer suites do): a chain there cannot name two candidates to one reading.
  For an equation gold (`x = 5`), a chain whose middle side ends in the name again is two
  equations joined by a word (`x = 12 \\text{ або } x = 5`): each is a candidate, as above. Hack:
  math-verify reads the last side only, so the first equation hid a second candidate behind any
  joiner the completeness rule could not see (`𝛔r` is `\\sigma r`, a Greek letter and a variable).
- restatement: when the answer equals the gold but is an expression copied from the question and
  the gold is written otherwise ("Simplify $\\sqrt{242}$" answered `\\sqrt{242}`, "Compute
  $\\dbinom{31}{28}$" answered `\\dbinom{31}{28}`): `unevaluated`. A plain integer or decimal is
  never a restatement. Needs the question (`check(..., question=...)`; the grader passes it).
- restatement also sees the question's expression inside value-preserving wrappers (`(...)`,
  `1\\cdot`, `+0`, `^{1}`, `\\frac{...}{1}`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rewards.math.canonical import _COLOUR, _HEDGE_WORDS, _TEXT, canonical_latex, close_brace, normalize
from rewards.math.config import MathConfig
from rewards.math.equivalence import _ORDINAL, _PLAIN_NUMBER, _PM, _balanced, _equal, _plain
from rewards.math.reading import _ANY_RELATION, _LEADING_RELATION, _alternatives, _is_scalar, _is_value, _items, _top_level
from rewards.verdict import Reason

__all__ = ["VALUE_COMMANDS", "judge", "leftovers", "restates"]


def judge(g: str, extracted: str, config: MathConfig, question: str | None = None) -> tuple[str, str]:
    """(reason, detail) for a normalised gold and an extracted answer: the hedge rules first, then
    alternatives and lists, then `_equal` on one value."""
    if not _HEDGE_WORDS.search(g):
        alternatives = _alternatives(extracted)
        if len(alternatives) > 1:
            if not _is_scalar(g):
                extracted = ", ".join(alternatives)  # "x = 1 or x = 2" for the solution set {1, 2}
            else:
                return _several(g, alternatives, "alternatives", config, question)
    if _COLOUR.search(extracted) and _outside_colour(extracted).strip(" {}$~\\,;"):
        return Reason.MULTIPLE_ANSWERS, "coloured text beside the answer: which one is it?"
    p = normalize(extracted, response_side=_plain(g))
    why = _uncommitted(g, p)
    if why:
        return Reason.MULTIPLE_ANSWERS, why
    items = _items(p)
    named = [re.fullmatch(r"\s*[A-Za-z](?:_\{?\w+\}?)?\s*=.+", i) for i in items]
    pair = _PM.search(g) or (g.strip().startswith("(") and all(named))  # `a \\pm b`; `x = 3, y = 4` for `(3, 4)`
    if len(items) > 1 and _is_scalar(g) and not pair and not any(re.search(r"(?<![\\a-zA-Z])[A-Za-z]{2,}", _TEXT.sub(" ", i)) for i in items):
        return _several(g, items, "values where the gold is one", config, question)
    approx = _top_level(p, _APPROX)
    if len(approx) > 1 and not _APPROX.search(g):
        if all(_PLAIN_NUMBER.fullmatch(a) for a in approx) and not _roundings(approx):
            return _several(g, approx, "numbers said to be approximately equal", config, question)  # `8 \\approx 9`
        if re.fullmatch(r"\s*[A-Za-z](?:_\{?\w+\}?)?\s*", approx[0]):
            p = approx[1]  # `x \\approx 11`: a name, then its value
        elif all(_PLAIN_NUMBER.fullmatch(a.strip()) for a in approx[1:]):
            p = approx[0]  # `\\frac{\\sqrt3}{3} \\approx 0.577`: the value, then a number for its size (the peers' reading)
        else:
            return _several(g, approx, "expressions said to be approximately equal", config, question)  # `\\frac{14}{3} \\approx \\frac{14}{5}`
    linked = _top_level(p, _VALUE_LINK)
    if len(linked) > 1 and _is_scalar(g) and not _VALUE_LINK.search(g) and re.search(r"\d", linked[0]):
        return _several(g, linked, "values linked by a relation", config, question)  # `9 \\to 8`, `8 \\dots 9`
    sides = _top_level(p, _EQUALS)
    if len(sides) > 1 and "=" not in g and _is_scalar(g) and not pair:  # an equation gold: its last side, as math-verify and the peer suites read it
        values = sides[1:] if sides and (not re.search(r"\d", sides[0]) or _NAME.fullmatch(sides[0])) else sides  # `x = 5`, `a_5 = 1`, `f(3) = 1`: a name
        if len(values) > 1:  # `9 = 8`, `610 = p - q`: math-verify would read the right side only
            return _several(g, values, "sides of an equation", config, question)
    if len(sides) > 2 and len(_top_level(g, _EQUALS)) == 2 and _is_scalar(g) and _NAME.fullmatch(sides[0]):
        # an equation gold and a chain whose middle side ends in the name again: two equations
        # joined by some word (`x = 12 \\text{ або } x = 5`), each a candidate. A chain that does not
        # restate the name is read at its last side (`x = 5+5+1 = 7 = 11`, the peers' reading)
        name = re.escape(sides[0].strip())
        restated = [re.sub(rf"(?<![A-Za-z\\]){name}\s*$", "", s) for s in sides[1:-1]]
        if any(r != s and re.search(r"\d", r) for r, s in zip(restated, sides[1:-1])):
            return _several(g, [f"{sides[0]} = {r}" for r in restated + sides[-1:]], "equations for the gold's name", config, question)
    ok, detail = _equal(g, p, config, question)
    return (Reason.CORRECT if ok else Reason.WRONG_ANSWER), detail


_EQUALS = re.compile(r"(?<![<>!\\])=")
# the left side of an equation that names the value: a letter or command with an optional index,
# argument list and primes (`x`, `a_5`, `f(3)`, `P(A)`, `\\Delta H`, `y'`), never an expression
_NAME = re.compile(r"(?=\s*[\\A-Za-z])\s*(?:\\[A-Za-z]+\s*)?[A-Za-z]{0,2}(?:_\{?[\w,]+\}?)?(?:\([^()=+\-]*\))?'*\s*")
_APPROX = re.compile(r"\\(?:approx|sim|simeq)(?![a-zA-Z])|≈")
_VALUE_LINK = re.compile(r"\\(?:equiv|cong|to|rightarrow|Rightarrow|longrightarrow|implies|mapsto|dots|ldots|cdots)(?![a-zA-Z])|→|⇒|…")


def _roundings(numbers: list[str]) -> bool:
    """Whether each plain number after the first is a rounding of the first (`3.14159 \\approx 3.14`)."""
    from decimal import Decimal

    first = Decimal(numbers[0])
    for n in numbers[1:]:
        exp = Decimal(n).as_tuple().exponent
        if not isinstance(exp, int) or abs(first - Decimal(n)) > Decimal(5).scaleb(exp - 1):
            return False
    return True


def _several(g: str, candidates: list[str], what: str, config: MathConfig, question: str | None = None) -> tuple[str, str]:
    """Several candidates for one gold: correct when all are the gold (`5, that is, 5`), a hedge
    (`multiple_answers`) when the gold is among them, wrong otherwise."""
    hits = [_equal(g, c, config, question)[0] for c in candidates]
    if all(hits):
        return Reason.CORRECT, f"{len(candidates)} {what}, all the gold"
    if any(hits):
        return Reason.MULTIPLE_ANSWERS, f"{len(candidates)} {what}, the gold among them"
    return Reason.WRONG_ANSWER, f"{len(candidates)} {what}, none the gold"


def _outside_colour(s: str) -> str:
    """`s` without its `\\color{...}{...}` groups (what is written in the default colour)."""
    while m := _COLOUR.search(s):
        close = close_brace(s, m.end()) if s[m.end() : m.end() + 1] == "{" else None
        s = s[: m.start()] + (s[close + 1 :] if close is not None else "")
    return s


_CASES = re.compile(r"\\text\s*\{[^{}]*\b(?:if|otherwise|when|else|unless)\b[^{}]*\}|\\begin\s*\{cases\}", re.I)


def _uncommitted(gold: str, pred: str) -> str | None:
    """Why `pred` names no single answer where `gold` is one, or None. Each is a hedge: a question
    mark, a relation with no left side (`< 79` covers 78 numbers), a relation instead of a value
    (`9 \\neq 8`), digits side by side (`9 8`, what a hidden `\\color{white}{9}` leaves)."""
    if "?" in pred and "?" not in gold:
        return "a question mark: the answer is not committed"
    if _CASES.search(pred) and not _CASES.search(gold):
        return "a case split: one answer per case where the gold is one"
    pred_rel = re.sub(r"[_^]\s*\{[^{}]*\}", " ", pred)  # `\\mathbb{Q}_{>0}`: a relation in an index names a set, it relates no values
    if _LEADING_RELATION.match(pred_rel) and not _LEADING_RELATION.match(gold):
        return "a relation with no left side names a range of values, not one"
    if _is_value(gold) and not _ANY_RELATION.search(gold) and _ANY_RELATION.search(pred_rel):
        return "a relation where the answer is a value"
    if re.search(r"(?:(?<![+\-])[+\-]|\^\s*\{?\s*[+\-]\s*\}?)\s*$", pred) and not re.search(r"[+\-]\s*\}?\s*$", gold):
        return "a one-sided value (8+, 8^{+}): a range, not one value"
    if len(re.findall(r"\||\\vert(?![a-zA-Z])", pred)) == 1 and re.search(r"[\w}]\s*(?:\||\\vert)\s*-?[\w\\{(]", pred):
        return "a bar between two values"
    bare = re.sub(r"\\(?:quad|qquad|enspace|thinspace|medspace|thickspace|[,;: ])|~|\\(?:hspace|hskip|kern|mkern|mspace)\s*\{[^{}]*\}", " ", pred)
    bare = re.sub(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)|\\%|\\\$|°", "", bare)  # 91^\\circ 90^\\circ
    bare = re.sub(r"(?<![\\\w^_}])\{([^{}]*)\}", r" \1 ", bare)
    if re.search(r"=\s*[^=\s,;]+\s+[A-Za-z]\w*\s*=", bare):
        return "two equations side by side"
    if re.search(r"(?<![\d.])\d+(?:\.\d+)?\s+-?\.?\d", bare) and not re.fullmatch(r"\s*-?\d{1,3}(?:\s\d{3})+(?:\.\d+)?\s*", bare):
        return "numbers side by side: more than one value"
    return None


def restates(question: str, pred: str, gold: str) -> bool:
    """Whether `pred` is an expression of the question copied as the answer, the gold being another
    form ("Simplify $\\sqrt{242}$" answered `\\sqrt{242}`, "Express $\\frac{3}{20}$ as a decimal"
    answered `\\frac{3}{20}`). A plain integer or decimal is an answer whatever the question says."""
    key = _unwrapped(_latex_key(pred))
    if not key or key == _latex_key(gold) or re.fullmatch(r"-?\d+(?:\.\d+)?", key) or _ORDINAL.fullmatch(pred):
        return False
    keys = _question_keys(question)
    if key in keys:
        return True
    # the question's expression inside the answer, up to value-preserving wrappers: `1\\cdot(...)`,
    # `(...)+0`, `(...)^{1}`, `\\frac{...}{1}` (an expression of the question, more than a number).
    # What is around it must be such a wrapper: identities (0, 1) and grouping only, so an answer
    # that merely uses a constant of the question (`\\frac{1}{6}x^2 - \\frac{1}{2}x + \\frac{1}{3}`
    # where the question shows `\\frac{1}{3}`) is not a restatement
    return any(len(k) >= 4 and re.search(r"[\\^+\-*/(]", k[1:]) and not re.fullmatch(r"-?[\d.]+", k) and k in key
               and _WRAPPER_RESIDUE.fullmatch(re.sub(r"[(){}\[\]]", "", key.replace(k, "", 1))) for k in keys)


# what the value-preserving wrappers leave around an expression, grouping removed: `1\\cdot`, `+0`, `^1`, `\\frac..1`
_WRAPPER_RESIDUE = re.compile(r"(?:1\\cdot|\\cdot1|1\\times|\\times1|1\*|\*1|[+-]0|0\+|\^1|\\frac1?)*")


_WRAPPERS = (re.compile(r"^1(?:\\cdot|\\times|\*)"), re.compile(r"(?:\\cdot|\\times|\*)1$"), re.compile(r"[+-]0$"),
             re.compile(r"^0\+"), re.compile(r"\^\{?1\}?$"))


def _unwrapped(key: str) -> str:
    """A key without the wrappers that leave a value unchanged (`1\\cdot x`, `x+0`, `x^{1}`,
    `\\frac{x}{1}`, outer parentheses), repeated until none is left."""
    while True:
        before = key
        for w in _WRAPPERS:
            key = w.sub("", key)
        frac = re.fullmatch(r"\\frac\{(.*)\}\{?1\}?", key)
        if frac and _balanced(frac.group(1)):
            key = frac.group(1)
        if key.startswith("(") and key.endswith(")") and _balanced(key[1:-1].replace("(", "{").replace(")", "}")):
            key = key[1:-1]
        if key == before:
            return key


def _latex_key(latex: str) -> str:
    """The spelling of an expression with only its typography folded (no value rewritten, so a
    copied `0.\\overline{3}` keeps its shape)."""
    s = latex.strip().strip("$").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = s.replace("\\dbinom", "\\binom").replace("\\tbinom", "\\binom").replace("\\left", "").replace("\\right", "")
    s = re.sub(r"\s|\\[,;:! ]|\\quad|\\displaystyle", "", s).rstrip(".")
    return re.sub(r"\{(\w)\}", r"\1", s)


_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.S)


def _question_keys(question: str) -> set[str]:
    """Keys of the question's math: each span, each side of an equation in it, each list item."""
    keys = set()
    for m in _SPAN.finditer(question):
        span = next(g for g in m.groups() if g is not None).strip().rstrip(".,?;:")
        for part in {span, *_top_level(span, re.compile(r"(?<![<>!\\])=|,"))}:
            keys.add(_latex_key(part))
    return keys


# ---- completeness: every part of the answer accounted for ---------------------------------------

# The LaTeX commands that build a value, a set or a relation the reader above judges (`_judge`
# splits alternatives, relations, approximations and lists and decides what they are worth).
# A command that is not here, not in the gold and not in the question is something the reader did
# not account for (`\\gtrsim`, `\\Longrightarrow`, `\\doteq`): the answer is not one value.
# Presentational commands never get here (`rewards.math.canonical` removed them).
_GREEK = {unicodedata.name(chr(c)).split()[-1].lower() for c in range(0x3B1, 0x3CA)} | {
    unicodedata.name(chr(c)).split()[-1].capitalize() for c in range(0x391, 0x3AA) if c != 0x3A2}
VALUE_COMMANDS = frozenset({
    # numbers, operators, roots and constants
    "frac", "binom", "sqrt", "pi", "infty", "cdot", "times", "div", "pm", "mp", "circ", "degree", "prime",
    "exp", "log", "ln", "lg", "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "coth", "max", "min", "gcd", "lcm", "det", "deg", "mod", "bmod", "pmod",
    "lfloor", "rfloor", "lceil", "rceil", "vert", "Vert", "lvert", "rvert", "langle", "rangle",
    "overline", "hat", "vec", "bar", "tilde", "dot", "ddot", "widehat", "overrightarrow", "sum", "prod",
    "int", "lim", "partial", "ell", "hbar", "imath", "jmath", "angle", "triangle", "operatorname",
    "varepsilon", "varphi", "vartheta", "varpi", "varrho", "varsigma", "text", "mbox", "boxed", "fbox",
    # sets, tuples, matrices and the relations `_judge` reads itself
    "in", "notin", "cup", "cap", "setminus", "emptyset", "varnothing", "mathbb", "mathcal", "begin", "end",
    "le", "ge", "leq", "geq", "lt", "gt", "neq", "ne", "approx", "sim", "quad", "qquad", "dots", "ldots",
    "cdots", "mid", "lor", "vee", "color", "textcolor", "phantom", "hphantom", "vphantom", "cancel", "sout",
    "underline", "substack", "hspace",
} | _GREEK)
# Not here on purpose: arrows, `\\equiv`, `\\cong`, `\\subseteq`, `\\to` and every other relation
# between two values. When the gold has one it is in `known`; otherwise it relates two candidates.
# words the reader itself reads: joiners of a list or of alternatives `_judge` has already judged
_STRUCTURE_WORDS = frozenset({"or", "and"})


def _word_set(text: str | None) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text or "")}


@lru_cache(maxsize=1)
def _currency_words() -> frozenset[str]:
    """Words of the English currency names, singular and plural (CLDR via babel): `8 dollars`."""
    try:
        from babel import Locale
        from babel.numbers import get_currency_name
    except ImportError:
        return frozenset()
    words: set[str] = set()
    for code in Locale("en").currencies:
        for count in (1, 2):
            words |= _word_set(get_currency_name(code, count=count, locale="en"))
    return frozenset(words)


def _is_unit_phrase(words: list[str]) -> bool:
    """Whether the words are units pint reads (`kilojoules per mole`, `square meters`)."""
    from rewards.math.canonical import unit_registry as _ureg

    phrase = " ".join(words)
    try:
        phrase = re.sub(r"\b(square|cubic)\s+(\w+)", lambda m: f"{m.group(2)}**{2 if m.group(1) == 'square' else 3}", phrase)
        q = _ureg().parse_expression(re.sub(r"\s+", "*", phrase.replace(" per ", "/")))
    except Exception:  # noqa: BLE001 - pint raises many types; not a unit
        return False
    return hasattr(q, "units") and str(q.units) != "dimensionless"  # radians and bytes are units too


def leftovers(answer: str, gold: str, question: str | None = None) -> list[str]:
    """What in `answer` no part of its reading accounts for: a `?`, a command that builds no value
    (`VALUE_COMMANDS`), a word that is not the gold's, the question's (a count noun, a name), a
    currency or a unit pint reads. Empty when the answer is one complete reading."""
    s = canonical_latex(answer)
    found = ["'?'"] if "?" in s and "?" not in gold else []
    known = _commands(gold) | _commands(question or "")
    s = re.sub(r"\\(?:color|textcolor|begin|end)\s*\{[^{}]*\}", " ", s)  # a colour's or an environment's name
    s = re.sub(r"(?<=\d)\s*(?:\\text\s*\{\s*)?(?:percent(?:age)?|pct)\b", r"\\%", s)  # 28 percent
    items = _top_level(s, re.compile(","))
    if len(items) > 1 and all(_ITEM_LABEL.match(i) for i in items) and len({_ITEM_LABEL.match(i).group(0).lower() for i in items}) == len(items):
        s = ", ".join(_ITEM_LABEL.sub(" ", i, count=1) for i in items)  # `Maximum = 2, Minimum = 1`: every item labelled, each label once
    s = re.sub(r"^\s*[^\W\d_]+\s*:", " ", s)  # "Soucis : 2,74": a label naming the value, like `x =`
    s = re.sub(r"\\(?:text|mbox|operatorname|textnormal)\s*\{([^{}]*)\}", r" \1 ", s)
    found += [f"\\{c}" for c in dict.fromkeys(re.findall(r"\\([A-Za-z]+)", s)) if c not in VALUE_COMMANDS and c not in known]
    s = re.sub(r"\\[A-Za-z]+", " ", s)
    exponents = re.sub(r"[\^_]\s*(?:\{[^{}]*\}|-?\d)", lambda m: " " * len(m.group(0)), s)  # `mol^{-1}`: a unit's power
    last_digit = max((m.end() for m in re.finditer(r"\d", exponents)), default=0)
    # a word among the values must be the gold's own or a joiner the reader judged; after the last
    # value it may also name what is counted: a noun of the question, a currency, a unit
    inner = _word_set(gold) | _STRUCTURE_WORDS
    trailing = inner | _word_set(question)
    unknown = []
    for m in re.finditer(r"[A-Za-z]{2,}|[^\W\dA-Za-z_]+", s):  # other scripts: a word of any length
        w, after = m.group(0).lower(), m.start() >= last_digit
        forms = {w, w.rstrip("s"), w[:-2]}
        if not forms & (trailing if after else inner) and not (after and forms & _currency_words()):
            unknown.append((m.group(0), after))
    tail = [w for w, after in unknown if after]
    if tail and _is_unit_phrase(tail):
        unknown = [(w, after) for w, after in unknown if not after]
    found += [repr(w) for w, after in unknown if not (after and _is_unit_phrase([w]))]
    return found


_ITEM_LABEL = re.compile(r"^\s*[^\W\d_]+(?:_\{?\w+\}?)?(?:\s*\([^()]*\))?\s*[:=](?![=])")


def _commands(text: str) -> set[str]:
    return set(re.findall(r"\\([A-Za-z]+)", text))
