"""Fast paths: the verdicts the LaTeX parser is not needed for, decided only where they are certain.

math-verify's parser (an ANTLR grammar, then sympy) is where the grader's CPU goes: on
`benchmarks/bench_grade.py`'s mix two thirds of a worker's time is `math_verify.parse` and a fifth
`verify`, while most golds and answers are integers, decimals and fractions. Two hooks, each
answering only when the answer cannot differ from the parser's, and None ("ask the parser")
otherwise:

- `gold_parses(gold)` (in `gold_check`): the gold is one of the shapes `simple_gold` recognises,
  which the parser always reads. It was curation's recogniser (`ringdata.curate.gold` asks it
  here); a test holds it to the parser's verdict on every bundled gold.
- `equal(g, p)` (in `_equal`, after the notations, where the parser would be called): both sides
  exact rationals (`12`, `-\\frac{3}{4}`, `\\frac32`, `7/2`) compare as fractions, which is what
  the parse-and-verify path decides for them (math-verify's rounding is overruled by the exactness
  rule for exact numbers); or both sides are the same string of a recognised shape, which the
  parser reads the same way twice and `verify` finds equal (a string is equal to itself); or one
  side is an exact rational and the other a numeric expression whose values (`_values`: `numeric`'s
  `\\sqrt`, `\\pi`, `i`, fractions, powers, and every reading of a spelling with room for two:
  degrees, a unit, a base, a mixed number) are all far from it (`_APART`), which no test of
  `verify` calls equal; or one side is a number and the other a value no number equals
  (`_no_number`: a tuple, an interval, a set of different values, a matrix, an expression that
  changes with its variables), which `verify` compares as sets, matrices or symbolically and finds
  different. It never says "equal" from a float. Decimals stay with `_plain_numbers_equal` and the
  parser (their rounding rules); a shape the parser may read as one number (`[3, 3]` is {3},
  `(1, 2, 3]` is 3, `1,500` is 1500, `2m` is 2 metres, `x^0` is 1) stays with it.

On `bench_grade`'s mix the answers that still reach the parser are worded (`\\text{even}`),
functions (`\\sec x`), names of several letters (`3qr`) and equal strings of shapes the recogniser
does not know (`1:2`); a test grades generated shapes of every kind both ways
(`test_every_fast_verdict_on_generated_shapes_is_the_parsers`), and found the `(1, 2, 3]` reading.

`MathConfig.fast_paths = False` turns both off; `tests/rewards/test_fast.py` grades a fixed sample
both ways and requires identical verdicts (the full differential is in the issue's closing note).
"""

from __future__ import annotations

import cmath
import math
import re
from fractions import Fraction
from functools import lru_cache

__all__ = ["equal", "gold_parses", "simple_gold"]


def gold_parses(gold: str) -> bool:
    """True when the gold certainly parses (a recognised shape); False means "ask the parser"."""
    return simple_gold(gold)


# An exact rational as the parser reads it: an integer, `\\frac{a}{b}` (after `normalize`, which
# spells `\\dfrac` and `\\tfrac` as `\\frac`), `\\frac32` (one-digit arguments, as LaTeX reads
# them), or `a/b`, with an optional minus sign. No leading zeros (`007`): how the parser reads
# those is not this module's to promise.
_INT = r"(0|[1-9]\d*)"
_ARG = rf"(?:\{{\s*{_INT}\s*\}}|(\d))"
# A leading `\\$` is presentation: math-verify's normalisation deletes every `\\$` before it parses.
_RATIONAL = re.compile(rf"\s*(?:\\\$\s*)?(-?)\s*(?:{_INT}|\\frac\s*{_ARG}\s*{_ARG}|{_INT}\s*/\s*{_INT})\s*")


def rational(text: str) -> Fraction | None:
    """The exact value of an integer or a simple fraction; None for anything else (decimals too)."""
    m = _RATIONAL.fullmatch(text)
    if m is None:
        return None
    sign, whole, num, num1, den, den1, over, under = m.groups()
    if whole is not None:
        value = Fraction(int(whole))
    else:
        n, d = (num or num1, den or den1) if over is None else (over, under)
        if int(d) == 0:
            return None  # `\\frac{1}{0}`: the parser's zoo, not a number to compare
        value = Fraction(int(n), int(d))
    return -value if sign else value


def equal(g: str, p: str) -> bool | None:
    """Whether answer `p` equals gold `g` (both normalised, in one notation), when that is certain
    without the parser; None otherwise."""
    a, b = rational(g), rational(p)
    if a is not None and b is not None:
        return a == b
    if g.strip() == p.strip() and simple_gold(g.strip()):
        return True
    if (a is not None or b is not None) and _far_apart(g, p):
        return False
    if (_values(p) is not None and _no_number(g)) or (_values(g) is not None and _no_number(p)):
        return False
    return None


# Two real numbers this far apart are different to every test `verify` runs on numbers: its
# rounding to `float_rounding` (6) decimals needs them within 1e-6, its numeric and symbolic tests
# need them equal. The margin is relative too, and far above a float's error (1e-16 relative), so a
# value computed in floats cannot land on the wrong side of it.
_APART = 1e-4


def _far_apart(g: str, p: str) -> bool:
    """Whether both are numeric expressions (`_values`) whose values differ by more than `_APART`,
    absolutely and relatively, under every reading: certainly not equal. False means "ask the
    parser"."""
    xs, ys = _values(g), _values(p)
    if xs is None or ys is None:
        return False
    return all(_apart(x, y) for x in xs for y in ys)


def _apart(x: complex, y: complex) -> bool:
    if cmath.isinf(x) or cmath.isinf(y):
        return x != y
    return abs(x - y) > _APART * max(1.0, abs(x), abs(y))  # complex values: the distance in the plane


_DEGREES = re.compile(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)\s*$")


_BASE = re.compile(r"\s*(\d+)_(?:\{\s*(\d+)\s*\}|(\d))\s*")
_MIXED = re.compile(r"\s*(\d+)\s*\\frac\s*\{\s*(\d+)\s*\}\s*\{\s*([1-9]\d*)\s*\}\s*")


@lru_cache(maxsize=4096)
def _values(text: str) -> tuple[complex, ...] | None:
    """Every number a numeric expression may be to the parser and to the notations rules, where
    its spelling leaves room for more than one: `numeric`'s value; a number in degrees
    (`30^\\circ`): the number and its radians; a number with a unit (`9 \\text{ multiples}`, the
    unit set aside as `simple_gold` does): the number and its hundredth (math-verify reads
    "percent" as `\\%`); a numeral with a base (`4210_{5}`): its digits as written and its value
    in that base; a mixed number (`11 \\frac{2}{3}`): the sum and the product. A reading in which
    a word stays a symbol is no number at all, so it needs no entry. None when the text is none
    of these."""
    degrees = _DEGREES.search(text)
    if degrees:
        inner = _values(text[: degrees.start()])
        return None if inner is None else (*inner, *(v * math.pi / 180 for v in inner))
    unit = _UNIT.fullmatch(text.strip())
    if unit:
        inner = _values(unit.group(1))
        power = re.search(r"\^(\d)$", unit.group(0))  # `144 \\mbox{ m}^3`: the power kept, in case it is
        return None if inner is None else (*inner, *(v / 100 for v in inner), *(v ** int(power.group(1)) for v in inner if power))
    base = _BASE.fullmatch(text)
    if base:
        digits, radix = base.group(1), int(base.group(2) or base.group(3))
        in_base = [complex(int(digits, radix))] if 2 <= radix <= 36 and all(int(d) < radix for d in digits) else []
        return (complex(int(digits)), *in_base)
    mixed = _MIXED.fullmatch(text)
    if mixed:
        whole, num, den = (int(x) for x in mixed.groups())
        return (complex(whole + num / den), complex(whole * num / den))
    value = numeric(text)
    return None if value is None else (value,)


# ---- values no number equals ------------------------------------------------------------------
#
# math-verify compares a number with a tuple, an interval, a set or a matrix as sets (`{n}` against
# the other) or as matrices, and with an expression in variables symbolically (their difference
# simplified to zero). So a number equals none of: a parenthesised list (`(a, b, ...)`: a Tuple or
# an open interval, never one element), a set, list or bracketed list of pairwise different values
# (`[3, 3]` is the set {3}), a half-open interval of two ends (with more elements, `(1, 2, 3]`,
# the parser reads the last one), a union of intervals of distinct ends, a matrix of two or more
# entries, or an expression whose value changes with its variables. `_no_number` recognises these
# from the elements' values (`numeric`), so a shape counts only when every element is a number the
# reader can place; anything else is the parser's.

_GROUPS = re.compile(r"\\begin\{pmatrix\}|\\end\{pmatrix\}|\\\{|\\\}|[()\[\]{}]")


def _no_number(text: str) -> bool:
    """Whether no number can equal `text` (see above); False means "ask the parser"."""
    s = text.strip()
    if s.startswith("\\begin{pmatrix}") and s.endswith("\\end{pmatrix}") and _one_group(s):
        entries = [e for row in s[len("\\begin{pmatrix}") : -len("\\end{pmatrix}")].split("\\\\") for e in row.split("&")]
        return len(entries) >= 2 and all(numeric(e) is not None for e in entries)
    unions = _split(s, "\\cup")
    if len(unions) > 1:
        ends = [_bracketed(u) for u in unions]
        return all(e is not None and len(e[1]) == 2 and _distinct(e[1]) for e in ends)
    bracketed = _bracketed(s)
    if bracketed is not None:
        kind, values = bracketed
        if kind in ("(]", "[)"):  # an interval; with more than two elements the parser reads the last one
            return len(values) == 2
        return len(values) >= 2 and (kind == "()" or _distinct(values))
    items = _split(s, ",")
    if len(items) > 1:
        values = [_element(i) for i in items]
        return None not in values and not _thousands(items) and _distinct(values)
    return _varies(s)


def _one_group(s: str) -> bool:
    """Whether the group that opens `s` closes at its very end (`(1, 2)`, not `(1)(2)`)."""
    depth = 0
    for m in _GROUPS.finditer(s):
        depth += 1 if m.group(0) in ("\\begin{pmatrix}", "\\{", "(", "[", "{") else -1
        if depth == 0 and m.end() != len(s):
            return False
    return depth == 0


def _split(s: str, sep: str) -> list[str]:
    """`s` split at `sep` outside every group."""
    parts, depth, start, at = [], 0, 0, 0
    while at < len(s):
        m = _GROUPS.match(s, at)
        if m:
            depth += 1 if m.group(0) in ("\\begin{pmatrix}", "\\{", "(", "[", "{") else -1
            at = m.end()
        elif depth == 0 and s.startswith(sep, at):
            parts.append(s[start:at])
            at = start = at + len(sep)
        else:
            at += 1
    return [*parts, s[start:]]


def _bracketed(s: str) -> tuple[str, list[complex]] | None:
    """(the brackets, the values) of `(a, b, ...)`, `[a, b)`, `\\{a, b\\}` ... whose elements are all
    numbers (`\\infty` too); None otherwise."""
    s = s.strip()
    if s.startswith("\\{") and s.endswith("\\}"):
        kind, inner = "{}", s[2:-2]
    elif len(s) >= 2 and s[0] in "([" and s[-1] in ")]":
        kind, inner = s[0] + s[-1], s[1:-1]
    else:
        return None
    if not _one_group(s):
        return None
    items = _split(inner, ",")
    values = [_element(i) for i in items]
    if None in values or _thousands(items):
        return None
    return kind, values  # type: ignore[return-value]


def _thousands(items: list[str]) -> bool:
    """Whether an item after a comma is three digits: to the parser `1,500` may be one number."""
    return any(re.fullmatch(r"\s*\d{3}(?:\.\d*)?\s*", i) for i in items[1:])


def _element(text: str) -> complex | None:
    """An element's value: `numeric`, or an infinity (an interval's end)."""
    m = re.fullmatch(r"\s*([-+]?)\s*\\infty\s*", text)
    if m:
        return complex(-math.inf if m.group(1) == "-" else math.inf)
    return numeric(text) if text.strip() else None


def _distinct(values: list[complex]) -> bool:
    return all(_apart(x, y) for i, x in enumerate(values) for y in values[i + 1 :])


@lru_cache(maxsize=4096)
def numeric(text: str) -> complex | None:
    """The value of a numeric expression without variables, in floats: numbers, `\\frac`, `\\sqrt`
    (of a non-negative value), `\\pi`, `i`, `+ - \\cdot \\times /`, a power with a `{...}` or
    one-digit exponent, a sign, and juxtaposition before `\\sqrt`, `\\pi` and `i` only (`2\\sqrt{3}`,
    `4i`; `12\\frac{3}{5}` may be a mixed number, so it is not read). None for anything else.

    `i` is the imaginary unit, as math-verify reads it. Were it read as a variable, a value far from
    a rational would still not equal it: an expression constant in `i` has the same value either way,
    and one that is not constant equals no number."""
    tokens = _tokens(text.strip())
    if tokens and tokens[0][1] == "\\$":
        tokens = tokens[1:]  # a currency sign: math-verify deletes every `\\$`
    if not tokens or any(kind == "n" and "{" in tok or kind == "v" and tok != "i" for kind, tok in tokens):
        return None
    return _evaluate(tokens)


def _evaluate(tokens: list[tuple[str, str]], env: dict[str, complex] | None = None) -> complex | None:
    reader = _Value(tokens, env)
    try:
        value = reader.expr()
    except (_NotSimple, RecursionError, OverflowError, ZeroDivisionError, ValueError, TypeError):
        return None
    if reader.at != len(tokens) or not cmath.isfinite(value):
        return None
    return complex(value)


# Letters the parser does not read as variables: `e` (Euler's number), `E`, `i` and `I` (the
# imaginary unit to one reading, a variable to another).
_CONSTANT_LETTERS = frozenset("eEiI")
# Two points where every variable gets a value no simple expression singles out (not 0, 1, an
# integer or a simple fraction), so a function that changes between them is not constant by accident.
_POINTS = (0.6180339887, 1.3247179572)


@lru_cache(maxsize=4096)
def _varies(text: str) -> bool:
    """Whether `text` is an expression in variables (the `numeric` grammar, single letters as
    variables, juxtaposition before a letter or a bracket multiplying) whose value differs at two
    points: a non-constant function, which math-verify's symbolic test never calls equal to a
    number. False ("ask the parser") when the parser may not see the variables the reader sees:
    a letter math-verify's unit table would drop (`2m` is 2 metres to it: its own unit rule is
    asked), a letter that is a constant to it (`_CONSTANT_LETTERS`), a letter before `(` (a
    function applied, `f(x)`) or two letters side by side (a word, a name)."""
    tokens = _tokens(text.strip())
    if not tokens or any(kind == "n" and "{" in tok for kind, tok in tokens):
        return False
    letters = sorted({tok for kind, tok in tokens if kind == "v"})
    if not letters or set(letters) & _CONSTANT_LETTERS:
        return False
    if any(kind == "v" and (nxt == "(" or after == "v") for (kind, _), (after, nxt) in zip(tokens, tokens[1:])):
        return False  # `f(x)`: a function applied; `xy`: a word or a name to the parser, as to the recogniser
    if _drops_units(text):
        return False
    values = [_evaluate(tokens, {v: complex(point + 0.1 * k) for k, v in enumerate(letters)}) for point in _POINTS]
    return None not in values and _apart(values[0], values[1])  # type: ignore[arg-type]


def _drops_units(text: str) -> bool:
    """Whether math-verify's unit rule (its own patterns) would cut the end of `text` off; True when
    its patterns are not where this version keeps them (module names, not an API): then the parser decides."""
    try:
        from latex2sympy2_extended.math_normalization import unit_superscript_regex, units_regex
    except ImportError:
        return True

    return bool(units_regex.search(text.strip()) or unit_superscript_regex.search(text.strip()))


class _Value:
    """`numeric`'s reader: the recogniser's grammar (`_Recogniser`) cut down to numeric values."""

    def __init__(self, tokens: list[tuple[str, str]], env: dict[str, complex] | None = None) -> None:
        self.toks = tokens
        self.at = 0
        self.env = env  # variables' values (`_varies`); None: a variable is not this reader's

    def peek(self) -> str:
        return self.toks[self.at][1] if self.at < len(self.toks) else ""

    def take(self, text: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.toks) or (text is not None and self.toks[self.at][1] != text):
            raise _NotSimple
        self.at += 1
        return self.toks[self.at - 1]

    def expr(self) -> complex:
        sign = -1.0 if self.peek() == "-" else 1.0
        if self.peek() in ("-", "+"):
            self.take()
        value = sign * self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            value = value + self.term() if op == "+" else value - self.term()
        return value

    def term(self) -> complex:
        value, _ = self.factor()
        while self.peek() in ("\\cdot", "\\times", "/"):
            op = self.take()[1]
            right, juxtaposed = self.factor()
            if op == "/" and juxtaposed:
                raise _NotSimple  # `1/2\\pi`: whether it is 1/(2 pi) is the parser's to say
            value = value / right if op == "/" else value * right
        return value

    def factor(self) -> tuple[complex, bool]:
        """A power and the powers juxtaposed after it, and whether there were any."""
        value, juxtaposed = self.power(), False
        while self.peek() in ("\\sqrt", "\\pi", "i") or self.env is not None and (self.peek() in self.env or self.peek() == "("):
            value, juxtaposed = value * self.power(), True
        return value, juxtaposed

    def power(self) -> complex:
        base = self.atom()
        if self.peek() != "^":
            return base
        self.take()
        exponent = self.arg()
        if exponent.imag or abs(exponent) > 1000 or ((base.imag or base.real < 0) and exponent.real != int(exponent.real)):
            raise _NotSimple  # huge, or a root of a negative or complex value (which branch?)
        if base.imag:
            return base ** int(exponent.real)
        return complex(base.real ** exponent.real)

    def arg(self) -> complex:
        kind, text = self.take()
        if text == "{":
            value = self.expr()
            self.take("}")
            return value
        if kind == "n" and len(text) == 1:
            return complex(float(text))
        raise _NotSimple

    def atom(self) -> complex:
        kind, text = self.take()
        if kind == "n":
            return complex(float(text))
        if text == "\\pi":
            return complex(math.pi)
        if text == "i":
            return 1j
        if self.env is not None and text in self.env:
            return self.env[text]
        if text == "(":
            value = self.expr()
            self.take(")")
            return value
        if text in _FRAC:
            nxt = self.toks[self.at] if self.at < len(self.toks) else ("", "")
            if nxt[0] == "n" and len(nxt[1]) == 2 and "." not in nxt[1]:  # \\frac34
                self.take()
                return complex(float(nxt[1][0]) / float(nxt[1][1]))
            numerator = self.arg()
            return numerator / self.arg()
        if text == "\\sqrt":
            value = self.arg()
            if value.imag or value.real < 0:
                raise _NotSimple  # the square root of a negative or complex value: which branch?
            return complex(math.sqrt(value.real))
        raise _NotSimple


# One token: a number, a command, or one character. Spacing commands and \left/\right are
# presentation and are skipped, as math-verify skips them.
_TOKEN = re.compile(
    r"\s+|\\[,;:! ]|\\(?:left|right)\b"  # skipped
    r"|(\d{1,3}(?:\{,\}\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"  # 1: a number (1{,}000 too)
    r"|(\\begin\{pmatrix\}|\\end\{pmatrix\}|\\\\|\\[a-zA-Z]+|\\[%${}]|[a-zA-Z]|[-+*/^=,(){}\[\]&])"  # 2
)
_COMMANDS = {"\\frac", "\\dfrac", "\\tfrac", "\\sqrt", "\\pi", "\\infty", "\\cdot", "\\times", "\\circ", "\\pm",
             "\\%", "\\$", "\\cup", "\\le", "\\ge", "\\leq", "\\geq", "\\begin{pmatrix}", "\\end{pmatrix}",
             "\\\\"}  # fmt: skip
_FRAC = {"\\frac", "\\dfrac", "\\tfrac"}


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) tokens, kind "n" (number), "v" (one-letter variable) or "o" (anything else);
    None when the text holds something the recogniser does not know."""
    out, at = [], 0
    while at < len(text):
        m = _TOKEN.match(text, at)
        if m is None:
            return None
        at = m.end()
        if m.group(1):
            out.append(("n", m.group(1)))
        elif m.group(2):
            tok = m.group(2)
            if tok.startswith("\\") and tok not in _COMMANDS:
                return None
            out.append(("v" if tok.isalpha() else "o", tok))
    return out


class _NotSimple(Exception):
    pass


class _Recogniser:
    """Recursive descent over the grammar below; raises `_NotSimple` at the first surprise.

    answer := ["\\$"] items [suffix] | matrix          items := relation ("," relation)*
    relation := expr [("=" | "\\le" | "\\ge") expr]    suffix := "^\\circ" | "^{\\circ}" | "\\%"
    expr := ["-" | "+"] term (("+" | "-") term)*      term := power (["\\cdot" | "\\times" | "/"] power)*
    power := atom ["^" (digit | "{" expr "}")]        matrix := \\begin{pmatrix} row (\\\\ row)* \\end{pmatrix}
    row := expr ("&" expr)* (every row as wide)
    atom := number | variable | "\\pi" | "\\infty" | frac arg arg | "\\sqrt" arg | "{" expr "}"
          | ("(" | "[") expr ["," expr ...] (")" | "]") ["\\cup" atom]
    arg := "{" expr "}" | one digit                    (so \\frac34 and \\sqrt2 read as LaTeX does)

    Juxtaposition multiplies (`2\\sqrt3`, `3x`), except before a number (`3 4`, `x2`, `(2)3`:
    ambiguous) and a variable right after a variable (`xy` may be a word).
    """

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.at = 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        k = self.at + ahead
        return self.toks[k] if k < len(self.toks) else ("", "")

    def take(self, text: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if not tok[0] or (text is not None and tok[1] != text):
            raise _NotSimple
        self.at += 1
        return tok

    def answer(self) -> None:
        if self.peek()[1] == "\\begin{pmatrix}":
            self.take()
            self.matrix()
        else:
            if self.peek()[1] == "\\$":
                self.take()
            self.relation()
            while self.peek()[1] == ",":
                self.take()
                self.relation()
            if self.peek()[1] == "^":
                self.take()
                if self.peek()[1] == "{":
                    self.take("{"), self.take("\\circ"), self.take("}")
                else:
                    self.take("\\circ")
            elif self.peek()[1] == "\\%":
                self.take()
        if self.at != len(self.toks):
            raise _NotSimple

    def matrix(self) -> None:
        widths = {self.row()}
        while self.peek()[1] == "\\\\":
            self.take()
            widths.add(self.row())
        self.take("\\end{pmatrix}")
        if len(widths) != 1:
            raise _NotSimple  # ragged rows

    def row(self) -> int:
        self.expr()
        width = 1
        while self.peek()[1] == "&":
            self.take()
            self.expr()
            width += 1
        return width

    def relation(self) -> None:
        self.expr()
        if self.peek()[1] in ("=", "\\le", "\\ge", "\\leq", "\\geq"):
            self.take()
            self.expr()

    def expr(self) -> None:
        if self.peek()[1] in ("-", "+", "\\pm"):
            self.take()
        self.term()
        while self.peek()[1] in ("+", "-", "\\pm"):
            self.take()
            self.term()

    def term(self) -> None:
        last = self.power()
        while True:
            kind, text = self.peek()
            if text in ("\\cdot", "\\times", "/"):
                self.take()
                last = self.power()
            elif kind == "n" or kind == "v" and last == "v":
                raise _NotSimple  # "3 4", "x2", "(2)3", "xy"
            elif kind in ("n", "v") or text in _FRAC or text in ("\\sqrt", "\\pi", "\\infty", "(", "{"):
                last = self.power()
            else:
                return

    def power(self) -> str:
        kind = self.atom()
        if self.peek()[1] == "^" and self.peek(1)[1] != "\\circ" and self.peek(2)[1] != "\\circ":
            self.take()
            self.arg()
            return "o"
        return kind

    def arg(self) -> None:
        kind, text = self.peek()
        if text == "{":
            self.take()
            self.expr()
            self.take("}")
        elif kind == "n" and len(text) == 1:
            self.take()
        else:
            raise _NotSimple

    def atom(self) -> str:
        kind, text = self.take()
        if kind in ("n", "v"):
            return kind
        if text in ("\\pi", "\\infty"):
            return "o"
        if text in _FRAC:
            nxt = self.peek()
            if nxt[0] == "n" and len(nxt[1]) == 2 and "." not in nxt[1]:  # \frac34
                self.take()
            else:
                self.arg()
                self.arg()
            return "o"
        if text == "\\sqrt":
            self.arg()
            return "o"
        if text == "{":
            self.expr()
            self.take("}")
            return "o"
        if text in ("(", "["):
            self.expr()
            while self.peek()[1] == ",":
                self.take()
                self.expr()
            if self.peek()[1] not in (")", "]"):
                raise _NotSimple
            self.take()
            if self.peek()[1] == "\\cup":
                self.take()
                if self.peek()[1] not in ("(", "["):
                    raise _NotSimple
                self.atom()
            return "o"
        raise _NotSimple


# A unit after the answer ("10\\text{ cm}", "144 \\mbox{ m}^3", "5\\ \\text{USD}") and a final full stop:
# set aside before the grammar, as the parser's own extraction sets them aside.
_UNIT = re.compile(r"(.*?\S)\s*(?:\\[,;! ])?\s*\\(?:text|mbox|textnormal)\s*\{\s*[A-Za-z][A-Za-z ]*\}(?:\^\d)?")


@lru_cache(maxsize=65_536)
def simple_gold(answer: str) -> bool:
    """True when `answer` is one of the simple forms the LaTeX parser always reads (see the
    module docstring); False means "ask the parser", not "unparsable"."""
    if not answer or len(answer) > 200:
        return False
    text = answer.strip().removesuffix(".")
    unit = _UNIT.fullmatch(text)
    tokens = _tokens(unit.group(1) if unit else text)
    if not tokens:
        return False
    try:
        _Recogniser(tokens).answer()
    except (_NotSimple, RecursionError):
        return False
    return True
