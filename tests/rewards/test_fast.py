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
    ("\\frac{3}{4}", "\\frac{6}{8}", True), ("\\frac{3}{4}", "3/4", True), ("2", "\\frac{4}{2}", True),
    ("\\frac{1}{2004}", "\\frac{1}{2006}", False),  # exact: no rounding makes them equal
    ("2\\sqrt{3}", "2\\sqrt{3}", True),  # the same string of a recognised shape
    ("2\\sqrt{3}", "7", False), ("-5+4i", "167", False),  # a rational far from the gold's value
    ("2\\sqrt{3}", "3", False),
    # left to the parser: near the value, variables (a trailing letter may be a unit to it), decimals
    ("\\frac{\\sqrt{2}}{2}", "0.7071068", None), ("2k", "2", None), ("15x - 80", "191", None), ("0.5", "\\frac{1}{2}", None),
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
