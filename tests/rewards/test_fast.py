"""The math grader's fast paths (`rewards/math/fast.py`) never change a verdict: a fixed sample of
every case source graded with them and without them (`benchmarks/fast_paths_diff.py --lean --limit
60`; the benchmark without `--lean` runs all of them), and the readers they use held to the
parser's own reading."""

from __future__ import annotations

import runpy
import warnings

import pytest

from rewards.math import MathConfig, check
from rewards.math.fast import equal, numeric, rational
from tests.conftest import ROOT

DIFF = runpy.run_path(str(ROOT / "benchmarks" / "fast_paths_diff.py"))
SAMPLE = 60  # cases per source: 360 cases graded twice, ~15 s on 2 cores at load 2


def test_a_fixed_sample_of_every_source_gets_the_same_verdicts_with_and_without_fast_paths():
    cases = DIFF["collect"](SAMPLE, lean=True)
    report = DIFF["compare"](cases, DIFF["grade_both"](cases))
    assert report["cases"] == 6 * SAMPLE and report["cut"] == 0
    assert not report["differ"], report["differ"][:5]


# ---- the readers -----------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    # integers and fractions as LaTeX and the parser read them
    ("12", 12), ("-7", -7), ("0", 0), ("\\frac{3}{4}", 0.75), ("-\\frac{6}{8}", -0.75), ("\\frac32", 1.5),
    ("\\frac{625}4", 156.25), ("7/2", 3.5),
    # not this reader's: decimals (rounding rules), leading zeros, a zero denominator, anything else
    ("1.5", None), ("007", None), ("\\frac{1}{0}", None), ("\\frac{1}{2}x", None), ("12\\frac{3}{5}", None),
])
def test_rational(text, value):
    got = rational(text)
    assert (got is None) if value is None else got == value


@pytest.mark.parametrize("text,value", [
    ("2\\sqrt{3}", 2 * 3 ** 0.5), ("-\\frac{\\sqrt{10}}{10}", -(10 ** 0.5) / 10), ("15 \\pi", 15 * 3.141592653589793),
    ("-2^2", -4), ("2^{-1}", 0.5), ("2\\pi/3", 2 * 3.141592653589793 / 3), ("-5+4i", complex(-5, 4)), ("3i", 3j),
    # ambiguous or beyond the reader: left to the parser
    ("1/2\\pi", None),  # 1/(2 pi) or pi/2?
    ("12\\frac{3}{5}", None),  # a mixed number?
    ("\\sqrt{-1}", None), ("(-8)^{1/3}", None), ("x+1", None), ("(9, 11)", None), ("10^{400}", None), ("1/0", None),
])
def test_numeric(text, value):
    got = numeric(text)
    assert (got is None) if value is None else abs(got - value) < 1e-9 * max(1, abs(value))


@pytest.mark.parametrize("gold,answer,expected", [
    # exact rationals; the same string of a recognised shape
    ("\\frac{3}{4}", "\\frac{6}{8}", True), ("\\frac{3}{4}", "3/4", True), ("2", "\\frac{4}{2}", True),
    ("\\frac{1}{2004}", "\\frac{1}{2006}", False),  # exact: no rounding makes them equal
    ("2\\sqrt{3}", "2\\sqrt{3}", True),
    ("2\\sqrt{3}", "7", False), ("-5+4i", "167", False),  # a rational far from the gold's value
    ("2\\sqrt{3}", "3", False),
    # left to the parser: near the value, decimals
    ("\\frac{\\sqrt{2}}{2}", "0.7071068", None), ("0.5", "\\frac{1}{2}", None),
    # the readings of a spelling with room for more than one: degrees, a unit, a base, a mixed number, a currency sign
    ("30^\\circ", "810", False), ("30^\\circ", "30", None), ("9 \\text{ multiples}", "930", False), ("9 \\text{ multiples}", "9", None),
    ("4210_{5}", "457", False), ("4210_{5}", "555", None), ("11 \\frac{2}{3}", "610", False), ("11 \\frac{2}{3}", "\\frac{22}{3}", None),
    ("\\$ 139", "139", True),
    # no number equals a tuple, an interval, a set of different values, a matrix, a function of its variables
    ("(9,11)", "157", False), ("( \\frac{1}{\\sqrt{2}}, \\frac{1}{\\sqrt{2}} )", "778", False), ("[0,\\infty)", "111", False),
    ("(-\\infty, -7)\\cup(-7, 3)\\cup(3, \\infty)", "680", False), ("4,6,14,15", "219", False), ("5", "(5, 5)", False),
    ("\\begin{pmatrix} 2 \\\\ -11 \\end{pmatrix}", "699", False), ("15x - 80", "191", False), ("2k", "2", False), ("5", "5x", False),
    ("(x^2 + 1)(x^2 - 4x + 13)", "593", False),
    # ... but these may be one number to the parser: left to it
    ("[3,3]", "3", None), ("3,3", "3", None), ("\\{3, 3\\}", "3", None), ("(1,500)", "1500", None),  # the set {3}; 1,500
    ("(3,3)\\cup[5,5]", "5", None), ("x^0", "1", None), ("0x+5", "5", None),  # the set {5}; constants
    ("2m", "2", None), ("2e", "5", None), ("3qr", "3", None), ("x(x+1)", "2", None),  # a unit; Euler's e; a word; a function
])
def test_equal(gold, answer, expected):
    assert equal(gold, answer) is expected


def test_the_numeric_reader_agrees_with_the_parser_on_every_bundled_gold_it_reads():
    """Every MATH and GSM8K test gold that `numeric` reads has the value math-verify parses (`i`
    as the imaginary unit: plain `parse` reads it as a variable, the grader's verify as the unit)."""
    import random

    import sympy
    from math_verify import parse

    bench = runpy.run_path(str(ROOT / "benchmarks" / "bench_grade.py"))
    golds = sorted({g for g in bench["load_golds"](random.Random(0)) if numeric(g) is not None and rational(g) is None})
    assert len(golds) > 50
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for g in golds:
            parsed = parse(f"${g}$", parsing_timeout=None)
            value = complex(parsed[0].subs({x: sympy.I for x in parsed[0].free_symbols if x.name == "i"}).evalf()) if parsed else None
            if value is None or abs(value - numeric(g)) > 1e-9 * max(1, abs(value)):
                bad.append((g, numeric(g), value))
    assert not bad, bad[:10]


def test_the_switch_turns_the_fast_paths_off():
    """Same verdict both ways; only the off side reaches the parser."""
    from rewards.math.equivalence import _parse_cached

    gold, response = "2\\sqrt{37}", "so \\boxed{7}"
    before = _parse_cached.cache_info().currsize
    on = check(gold, response, MathConfig(fast_paths=True))
    assert _parse_cached.cache_info().currsize == before
    off = check(gold, response, MathConfig(fast_paths=False))
    assert _parse_cached.cache_info().currsize > before
    assert (on.reward, on.reason) == (off.reward, off.reason) and on.reason.value == "wrong_answer"


def _generated(rng) -> list[tuple[str, str]]:
    """(gold, answer) pairs of the shapes `_no_number` and `_values` read, built from vocabularies:
    every bracket pair, 2-4 elements drawn from a small pool of spellings (so values repeat and
    sets collapse), unions, matrices, expressions in every ASCII letter (units, constants and
    variables alike), and the readings (degrees, units, bases, mixed numbers); each answer is an
    element's own spelling, a value the gold may be, or a far number."""
    pool = ["3", "-3", "\\frac{1}{2}", "0.5", "\\sqrt{2}", "2\\pi", "500", "000", "1", "\\infty", "-\\infty"]
    brackets = [("(", ")"), ("[", "]"), ("(", "]"), ("[", ")"), ("\\{", "\\}"), ("", "")]
    out = []
    for _ in range(40):
        items = [rng.choice(pool) for _ in range(rng.randint(2, 4))]
        left, right = rng.choice(brackets)
        gold = f"{left}{', '.join(items)}{right}"
        if rng.random() < 0.2:
            gold = f"{gold} \\cup {rng.choice(brackets[:4])[0]}{rng.choice(pool)}, {rng.choice(pool)}{rng.choice(brackets[:4])[1]}"
        elif rng.random() < 0.1:
            gold = "\\begin{pmatrix} " + " \\\\ ".join(items) + " \\end{pmatrix}"
        out += [(gold, a) for a in (rng.choice(items).lstrip("-"), rng.choice(items), str(rng.randint(2, 999)))]
    for letter in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
        gold = rng.choice([f"2{letter}", f"{letter}^2 - 1", f"\\frac{{1}}{{{letter}}} + 3", f"3{letter} + 0{letter}", f"{letter}^0"])
        out += [(gold, "2"), (gold, str(rng.randint(2, 999)))]
    for gold, answers in [("45^\\circ", ["45", "\\frac{\\pi}{4}", "90"]), ("12 \\text{ percent}", ["12", "0.12", "\\frac{3}{25}", "7"]),
                          ("101_2", ["101", "5", "6"]), ("1010_{3}", ["30", "1010", "31"]), ("2 \\frac{1}{4}", ["\\frac{9}{4}", "\\frac{1}{2}", "4"]),
                          ("\\$ 12", ["12", "13"]), ("16 \\mbox{ cm}^2", ["16", "256", "17"])]:
        out += [(gold, a) for a in answers]
    return out


def test_every_fast_verdict_on_generated_shapes_is_the_parsers():
    """Where the fast paths decide a generated pair, the comparison without them (math-verify) gives
    the same verdict; the pairs they leave alone are not graded (the parser is the slow part)."""
    import random

    from rewards.math.canonical import normalize
    from rewards.math.equivalence import _equal

    decided, differ = 0, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for gold, answer in _generated(random.Random(0)):
            g = normalize(gold)
            if equal(g, normalize(answer, response_side=True)) is None:
                continue
            decided += 1
            on, off = _equal(g, answer, MathConfig())[0], _equal(g, answer, MathConfig(fast_paths=False))[0]
            if on != off:
                differ.append((gold, answer, on, off))
    assert decided > 100 and not differ, (decided, differ[:10])
