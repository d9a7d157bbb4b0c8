"""Equivalence: whether one read answer equals the gold (`_equal`), gold first, after the hedge
policy has split the answer into its candidates.

- text: `\\text{Monday}` matches `Monday` (case, spaces and `\\text` folded), only when the gold is
  words. Hack: the old key folded braces and spaces of every answer (`\\frac{1}{43}` = `\\frac{14}{3}`,
  `3 1` = 31).
- percentages: a percentage gold (`28\\%`) compares the numbers, the sign optional (`28`, `28\\%`,
  `28 percent` match; `0.28` does not). A plain gold gets one reading (`_percent`): as a
  fraction (25% is 0.25) when the question does not speak of percent and the gold is a decimal
  between -1 and 1, else as written (50% is 50, the peer suites' reading). Hack: two readings for
  one gold let `800\\%` pass for gold 8 and for gold 800. Known gap: of the pair 25 / 0.25 in a
  question that never says percent, `25\\%` matches both (one reading each).
- notations (`_one_notation`): `a \\pm b` and its pair; set-builder sets, inequalities joined by
  "or" and intervals; degrees and radians when the other side has `\\pi`; one free integer
  parameter renamed (`n\\pi` for `k\\pi`); named values `x = 3, y = 4` and the tuple `(3, 4)`.
  Labelled values for a bare list gold (`w=16, d=3`, `Minimum: 1, Maximum: 3`, each label once);
  a column vector and its tuple; a gold that names its value (`m_{\\max} = n^2-n-1`) and the value;
  an ordinal (`12^{\\mathrm{th}}`) for a plain number.
- rounding (`_rounds_to`): a decimal gold with 1-4 places is a rounding, so an exact answer (no
  decimal point: `\\frac{1587}{52}` for 30.52) that rounds to it at its last place is correct.
- bases: `8_{9}` is not 8 (a numeral in base 9) unless the gold has a subscript; `8_{10}` is 8.
- equations: `x = 3` matches gold `3` and the reverse (math-verify takes the right-hand side).
- order: tuples `(a, b)`, intervals and matrices are ordered; sets `\\{a, b\\}` and bare lists
  `a, b` are not; `;` and `\\quad\\text{and}\\quad` separate list items, and systems
  `p=5,q=2;p=7,q=2` are the tuples `(5, 2), (7, 2)`.
- exactness: math-verify rounds to 6 decimals, so it calls 1/2004! equal to 1/2006!; when both
  sides are exact (no decimals) and their difference is provably non-zero, the answer is wrong.
  A decimal must also agree with the gold to 6 significant digits (0.3333333 = 1/3, 0.33 is not;
  0.0000666 is not .0000672). Hack: an absolute rounding accepts any tiny number for a tiny gold.
Asymmetry: unit and `\\$` stripping apply to the response only; a gold that does not parse is
`unparsable_gold` even when the response happens to spell the same string.

Every call runs in a `VerifierPool` worker under a kill-based timeout; math-verify's own SIGALRM
timeouts are disabled (`parsing_timeout=None`, `timeout_seconds=None`) because the pool already
bounds the call and signals do not work outside the main thread.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from rewards.math.fast import equal as fast_equal, gold_parses
from rewards.math.canonical import normalize
from rewards.math.config import MathConfig
from rewards.math.reading import _is_text, _items, _systems, _text_key, _top_level


# ---- parsing and verification (run inside pool workers) -------------------------------------

_CONFIG_CACHE: list = []


def _extraction_config(units: bool = True) -> list:
    """math-verify's extraction settings; `units=False` keeps a trailing letter that its unit
    table would drop (`m` is metres to it)."""
    if not _CONFIG_CACHE:
        from dataclasses import replace

        from math_verify import ExprExtractionConfig, LatexExtractionConfig

        latex = LatexExtractionConfig(boxed_match_priority=0)
        _CONFIG_CACHE.append([latex, ExprExtractionConfig()])
        no_units = replace(latex.normalization_config, units=False)  # math-verify's defaults otherwise
        _CONFIG_CACHE.append([LatexExtractionConfig(boxed_match_priority=0, normalization_config=no_units), ExprExtractionConfig()])
    return _CONFIG_CACHE[0 if units else 1]


_LAST_LETTER = re.compile(r"(?<![A-Za-z\\])([A-Za-z])\s*$")


def _parse(latex: str) -> list:
    return list(_parse_cached(latex))


@lru_cache(maxsize=4096)
def _parse_cached(latex: str) -> tuple:
    """math-verify's parse, remembered per worker: a gold is parsed once for its gold check and
    again for every answer, alternative and list item compared with it."""
    from math_verify import parse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = parse(f"${latex}$", extraction_config=_extraction_config(), parsing_timeout=None)
        # math-verify drops a trailing unit (`m`, `s`, `g`); in an expression with variables a
        # trailing single letter is a variable too (`\\frac{3}{2}n + \\frac{1}{2}m`), so it is kept
        last = _LAST_LETTER.search(latex)
        symbols = getattr(parsed[0], "free_symbols", set()) if parsed else set()
        if last and symbols and last.group(1) not in {str(x) for x in symbols}:
            kept = parse(f"${latex}$", extraction_config=_extraction_config(units=False), parsing_timeout=None)
            parsed = kept or parsed
        return tuple(parsed)


def _exactly_different(gold: list, pred: list) -> bool:
    """True when both first parses are exact numbers (no floats) with a provably non-zero
    difference: math-verify's 6-decimal rounding calls 1/2004! and 1/2006! equal."""
    import sympy

    g, p = gold[0], pred[0]
    if not (isinstance(g, sympy.Expr) and isinstance(p, sympy.Expr)):
        return False
    if not (g.is_number and p.is_number) or g.atoms(sympy.Float) or p.atoms(sympy.Float):
        return False
    diff = sympy.expand((g - p).doit())
    return diff.is_zero is False


def _significant_differ(gold: list, pred: list, digits: int) -> bool:
    """True when a decimal is involved and the two numbers differ in their first `digits`
    significant digits: math-verify rounds to 6 decimals, an absolute tolerance that calls
    0.0000666 equal to 0.0000672."""
    import sympy

    g, p = gold[0], pred[0]
    if not (isinstance(g, sympy.Expr) and isinstance(p, sympy.Expr) and g.is_number and p.is_number):
        return False
    if not (g.atoms(sympy.Float) or p.atoms(sympy.Float)):
        return False
    try:
        a, b = complex(sympy.N(g, 30)), complex(sympy.N(p, 30))
    except (TypeError, ValueError):
        return False
    return any(_sig(x, digits) != _sig(y, digits) for x, y in ((a.real, b.real), (a.imag, b.imag)))


def _sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits - 1}e}") if x else 0.0


def _verify(gold: list, pred: list, config: MathConfig) -> bool:
    from math_verify import verify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = verify(gold, pred, float_rounding=config.float_rounding, timeout_seconds=None)
    return bool(ok) and not _exactly_different(gold, pred) and not _significant_differ(gold, pred, config.significant_digits)


_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")


def _plain_numbers_equal(gold: str, pred: str, config: MathConfig) -> bool | None:
    """Equality of two plain decimal numbers: exact, or, when either is written with decimals,
    equal after rounding to `float_rounding` decimals and to `significant_digits` significant
    digits (both: neither an absolute nor a relative tolerance alone is narrow at every scale);
    None when either is not a plain number."""
    if not (_PLAIN_NUMBER.fullmatch(gold) and _PLAIN_NUMBER.fullmatch(pred)):
        return None
    from decimal import Decimal

    a, b = Decimal(gold), Decimal(pred)
    if a == b:
        return True
    if "." not in gold and "." not in pred:
        return False
    return round(a, config.float_rounding) == round(b, config.float_rounding) and _sig(float(a), config.significant_digits) == _sig(float(b), config.significant_digits)


def gold_check(gold: str, config: MathConfig = MathConfig()) -> bool:
    """Whether a gold answer parses (worker side of `gold_is_parsable`)."""
    if not gold or not gold.strip() or len(gold) > config.max_gold_chars:
        return False
    if not _balanced(gold):  # math-verify reads "\\frac{" leniently as something: the gold is cut off
        return False
    if _is_text(gold):
        return True
    if config.fast_paths and gold_parses(gold):  # `rewards.math.fast`: a shape the parser always reads
        return True
    return bool(_parse(normalize(gold)))


def _balanced(text: str) -> bool:
    depth = 0
    for i, c in enumerate(text):
        if c in "{}" and i and text[i - 1] == "\\":
            continue
        depth += 1 if c == "{" else -1 if c == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def _plain(g: str) -> bool:
    return not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", g))  # no variables, i, or words


def _equal(g: str, extracted: str, config: MathConfig, question: str | None = None) -> tuple[bool, str]:
    """Whether one answer equals the normalised gold, and a short detail."""
    p = normalize(extracted, response_side=_plain(g))
    g, p = _systems(g), _systems(p)
    if len(items := _items(p)) > 1 and len(_items(g)) > 1:  # one spelling of a list: `;`, `\\quad\\text{and}\\quad` are commas
        g, p = ", ".join(_items(g)), ", ".join(items)
    if _is_text(g) and _text_key(g) and _text_key(g) == _text_key(p):
        return True, "same text"
    if re.search(r"\d_\{?\d+\}?", p) and "_" not in g and not re.search(r"\d_\{?10\}?", p):
        return False, "a numeral in another base"
    bases = [set(re.findall(r"\d_\{?(\d+)\}?", x)) for x in (g, p)]
    if bases[0] and bases[1] and bases[0] != bases[1]:
        return False, "a numeral in another base than the gold's"
    p = re.sub(r"(\d)_\{?10\}?", r"\1", p)
    if re.search(r"\\?%$", g):  # a percentage gold: compare the numbers, the sign is optional
        g, p = re.sub(r"\s*\\?%$", "", g), re.sub(r"\s*\\?%$", "", p)
    elif re.search(r"\\?%$", p):  # a percentage for a plain gold: one reading per gold (`_percent`)
        p = _percent(g, re.sub(r"\s*\\?%$", "", p), question)
    g, p = _one_notation(g, p)
    fast = _plain_numbers_equal(g, p, config)
    if fast is not None:  # both plain decimals: no LaTeX parser needed (most GSM8K/AIME answers)
        return fast, f"{p} {'=' if fast else '!='} {g}"
    known = fast_equal(g, p) if config.fast_paths else None  # `rewards.math.fast`: certain without the parser
    if known or (known is False and not _may_round_to(g, p)):  # an exact answer may still round to a decimal gold
        return known, "" if known else f"{p:.60} != {g:.60}"
    gold_parsed, pred_parsed = _parse(g), _parse(p)
    if not pred_parsed:
        return False, "the answer does not parse"
    if _verify(gold_parsed, pred_parsed, config):
        return True, ""
    if _rounds_to(g, p, pred_parsed):
        return True, f"{p} rounds to the gold {g}"
    return False, f"{pred_parsed[-1]!s:.60} != {gold_parsed[-1]!s:.60}"


def _rounds_to(g: str, p: str, pred_parsed: list) -> bool:
    """A decimal gold is a rounding (`30.52`): an exact answer (no decimal point: `\\frac{1587}{52}`,
    `21\\frac{13}{14}`) whose value rounds to the gold at the gold's last written place is the gold.
    One exact value rounds to one decimal at a given place, so it cannot cover two candidates; an
    answer written as a decimal is compared as before (0.33 is not 1/3)."""
    if not _may_round_to(g, p):
        return False
    gold = g.strip().lstrip("$").strip()
    import sympy
    from decimal import ROUND_HALF_UP, Decimal

    value = pred_parsed[0]
    if not (isinstance(value, sympy.Expr) and value.is_number and value.is_real) or value.atoms(sympy.Float) or value.is_Integer:
        return False
    try:
        exact = Decimal(str(sympy.N(value, 30)))
    except (TypeError, ValueError, ArithmeticError):
        return False
    target = Decimal(gold)
    return exact.quantize(target, rounding=ROUND_HALF_UP) == target


def _may_round_to(g: str, p: str) -> bool:
    """Whether `_rounds_to` applies: a decimal gold of 1 to 4 places, an answer with no decimal
    point and no percent sign."""
    gold = g.strip().lstrip("$").strip()
    return bool(re.fullmatch(r"-?\d+\.\d{1,4}", gold)) and "." not in p and not re.search(r"\\?%", p)


def _percent(g: str, number: str, question: str | None) -> str:
    """The value of `number%` for a plain gold, by one policy: as a fraction (25% is 0.25) when
    the question does not speak of percent and the gold is a decimal between -1 and 1, else as
    written (50% is 50, the peers' reading). Each gold gets one reading, so `800%` for gold 8
    stays wrong (the red team's two readings); the pair 25 / 0.25 of one question that never says
    percent is the one both readings cover (a known, documented gap)."""
    if question is None or re.search(r"%|percent", question, re.I):
        return number
    if _PLAIN_NUMBER.fullmatch(g) and "." in g and abs(float(g)) < 1 and _PLAIN_NUMBER.fullmatch(number):
        from decimal import Decimal

        return format(Decimal(number) / 100, "f")
    return number


# ---- equivalences: one notation for the gold and the answer -------------------------------------

_PM = re.compile(r"\\pm(?![a-zA-Z])")
_SET_BUILDER = re.compile(r"^\\\{\s*([A-Za-z])\s*(?:\||\\mid|:)\s*(.+?)\s*\\\}$")
_DEGREES = re.compile(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)|\\degree(?![a-zA-Z])")
_INEQUALITY = re.compile(r"^\s*(?:(.+?)\s*(<|\\le|\\leq)\s*)?([A-Za-z]|\\[A-Za-z]+)\s*(?:(<|\\le|\\leq)\s*(.+?))?\s*$")
_PARAMETERS = "kmnjl"  # letters conventionally naming a free integer parameter (`k\\pi`, `2n\\pi`)


def _interval(inequality: str) -> str | None:
    """`a < x \\le b` as `(a, b]`, `x < b` as `(-\\infty, b)`; None when it is not one."""
    m = _INEQUALITY.match(re.sub(r"\\leq(?:slant)?(?![A-Za-z])", r"\\le", inequality))  # `\\leqslant`, `\\leq`: `\\le`
    if m and m.group(3).startswith("\\") and m.group(3)[1:] in {"infty", "pi", "sqrt", "frac", "le", "leq"}:
        return None  # a constant or an operator, not the variable
    if not m or not (m.group(1) or m.group(5)):
        return None
    lo = ("(" if m.group(2) in (None, "<") else "[") + (m.group(1) or "-\\infty")
    hi = (m.group(5) or "\\infty") + (")" if m.group(4) in (None, "<") else "]")
    return f"{lo}, {hi}"


def _one_notation(g: str, p: str) -> tuple[str, str]:
    """The gold and the answer in one notation where two notations name one thing:
    - `a \\pm b` and the pair `a + b, a - b` (in any order);
    - a set-builder set `\\{x \\mid 2 < x < 3\\}`, inequalities joined by "or", and intervals;
    - an angle in degrees (`30^\\circ`) and in radians (`\\frac{\\pi}{6}`), when the other side has `\\pi`;
    - a free integer parameter under another name (`n\\pi` for `k\\pi`), when each side has one;
    - named values `x = 3, y = 4` and the tuple `(3, 4)`.
    Each turns one side into the other's notation; none makes two different answers equal."""
    parameter = re.compile(rf"(?<![\\A-Za-z])[{_PARAMETERS}](?![A-Za-z])")
    if len(_items(g)) == 1 and parameter.search(g):
        g = re.sub(r"^\s*[A-Za-z]\s*=\s*", "", g)  # `x = k\\pi`: the solution set, named
    if len(_PM.findall(g)) == 1 and len(_items(g)) == 1 and len(_items(p)) == 2 and "\\pm" not in p:
        a, b = _PM.split(g)
        g = f"{a.strip()} + ({b.strip()}), {a.strip()} - ({b.strip()})"
    builder = _SET_BUILDER.match(g.strip())
    if builder:
        g = builder.group(2)
    parts = _top_level(g, re.compile(r",|\\text\s*\{\s*or\s*\}|\\lor|\\cup"))
    intervals = [_interval(x) for x in parts]
    if re.match(r"^[(\[]", g.strip()) and "," in g and (answer_interval := _interval(p)):
        p = answer_interval  # `2 < x < 3` for `(2, 3)`
    elif all(intervals) and (len(parts) > 1 or "\\cup" in p or re.match(r"^[(\[]", p.strip())):
        g = " \\cup ".join(f"{'(' if i.startswith('(') else '['}{i[1:]}" for i in intervals) if len(intervals) > 1 else intervals[0]
    if _DEGREES.search(p) and "\\pi" in g and not _DEGREES.search(g):
        p = f"({_DEGREES.sub('', p)}) \\cdot \\frac{{\\pi}}{{180}}"
    elif _DEGREES.search(g) and "\\pi" in p and not _DEGREES.search(p):
        g = f"({_DEGREES.sub('', g)}) \\cdot \\frac{{\\pi}}{{180}}"
    gl, pl = set(parameter.findall(g)), set(parameter.findall(p))
    if len(gl) == 1 and len(pl) == 1 and gl != pl:
        p = re.sub(rf"(?<![\\A-Za-z]){pl.pop()}(?![A-Za-z])", gl.pop(), p)
    named = [re.fullmatch(r"\s*([A-Za-z](?:_\{?\w+\}?)?)\s*=\s*(.+?)\s*", x) for x in _top_level(p, re.compile(","))]
    if len(named) > 1 and all(named) and len({m.group(1) for m in named}) == len(named) and g.strip().startswith("("):
        p = "(" + ", ".join(m.group(2) for m in named) + ")"
    elif len(named) > 1 and len(_items(g)) == len(named) and not g.strip().startswith(("(", "[", "\\{")):
        # labelled values for a bare list gold: `w=16, d=3` and `Maximum = 2, Minimum = 1` for
        # `16, 3` and `1, 2`; `T(10)=2`; `Paolo: 18`. The labels name the items, each name once
        labelled = [_LABELLED.fullmatch(x) for x in _top_level(p, re.compile(","))]
        if all(labelled) and len({m.group(1).lower() for m in labelled}) == len(labelled):
            p = ", ".join(m.group(2) for m in labelled)
    gold_rhs = _NAMED_GOLD.match(g)
    if gold_rhs and not _top_level(p, re.compile(r"(?<![<>!\\])="))[1:] and _items(g) == [g.strip()]:
        g = g[gold_rhs.end() :]  # a gold that names its value (`m_{\max} = n^2 - n - 1`) for a bare value
    g, p = _column_tuple(g, p), _column_tuple(p, g)
    if _PLAIN_NUMBER.fullmatch(g.strip()):
        p = _ORDINAL.sub(r"\1", p)  # `12^{\mathrm{th}}`, `12th` for 12
    return g, p


_LABELLED = re.compile(r"\s*(\\?[A-Za-z]\w*(?:_\{?[\w\\]+\}?)?(?:\([^()]*\))?)\s*(?:=|:)\s*([^=:]+?)\s*")
_NAMED_GOLD = re.compile(r"^\s*[A-Za-z](?:_\{[^{}]*\}|_\w)?\s*=\s*(?=\S)")
_ORDINAL = re.compile(r"^\s*(-?\d+)\s*(?:\^\s*\{?\s*(?:\\(?:mathrm|text|textrm)\s*\{\s*)?(?:st|nd|rd|th)\s*\}?\s*\}?|(?:st|nd|rd|th))\s*$")
_COLUMN = re.compile(r"^\s*\\begin\{[pb]matrix\}(.*)\\end\{[pb]matrix\}\s*$", re.S)


def _column_tuple(side: str, other: str) -> str:
    """A column vector (`\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}`) as the tuple `(-7, 16, 5)` when
    the other side is a tuple: one vector, two spellings. A matrix with columns stays a matrix."""
    m = _COLUMN.match(side)
    if not m or "&" in m.group(1) or not other.strip().startswith("("):
        return side
    rows = [r.strip() for r in m.group(1).split("\\\\") if r.strip()]
    return "(" + ", ".join(rows) + ")" if len(rows) > 1 else side
