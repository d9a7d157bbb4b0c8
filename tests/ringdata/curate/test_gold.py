"""The fast gold check: the recogniser agrees with the parser, the cache makes a re-run free."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from ringdata.curate import gold
from ringdata.curate.base import WORK_NOTES, StepContext
from ringdata.curate.clean import UnparsableGold
from ringdata.curate.gold import GoldChecker, parse_golds, simple_gold
from ringdata.core.io.problems import ReadConfig, read_problems
from tests.conftest import DATA


def bundled_golds() -> list[str]:
    """Every distinct math gold answer in data/ (MATH train sample and test, MATH-500, GSM8K, AIME, AMC)."""
    files = sorted((DATA / "problems").glob("*.jsonl")) + sorted((DATA / "evalsets").glob("*.jsonl"))
    golds: set[str] = set()
    for path in files:
        frame = read_problems([path], ReadConfig()).frame
        golds |= set(frame.filter(pl.col("domain") == "math")["answer"].drop_nulls().to_list())
    return sorted(golds)


def test_the_recogniser_agrees_with_the_parser_on_every_bundled_gold() -> None:
    golds = bundled_golds()
    simple = [g for g in golds if simple_gold(g)]
    assert len(golds) > 2500 and len(simple) / len(golds) > 0.9  # what makes the check fast
    verdicts = parse_golds(simple)  # the full parser, on all cores
    assert [g for g, ok in zip(simple, verdicts) if not ok] == []


def _number(rng: random.Random) -> str:
    return rng.choice([str(rng.randint(0, 999)), f"{rng.randint(0, 99)}.{rng.randint(0, 99):02d}", f".{rng.randint(1, 9)}"])


def _expr(rng: random.Random, depth: int = 0) -> str:
    """A random expression of the recogniser's grammar (the forms golds take)."""
    if depth > 1:
        return _number(rng)
    sub = lambda: _expr(rng, depth + 1)  # noqa: E731
    forms = [
        lambda: _number(rng), lambda: rng.choice("xyabn"), lambda: r"\pi",
        lambda: rf"\frac{{{sub()}}}{{{sub()}}}", lambda: rf"\dfrac{rng.randint(1, 9)}{rng.randint(1, 9)}",
        lambda: rf"\sqrt{{{sub()}}}", lambda: rf"{rng.randint(2, 9)}\sqrt{rng.randint(2, 9)}",
        lambda: f"{sub()} + {sub()}", lambda: f"{sub()}-{sub()}", lambda: rf"{sub()} \cdot {sub()}",
        lambda: f"({sub()})^{{{rng.randint(2, 5)}}}", lambda: f"{_number(rng)}/{rng.randint(1, 99)}",
        lambda: f"{rng.randint(2, 9)}{rng.choice('xyz')}",
    ]  # fmt: skip
    return rng.choice(forms)()


def _answer(rng: random.Random) -> str:
    forms = [
        lambda: _expr(rng), lambda: f"-{_expr(rng)}", lambda: f"({_expr(rng)}, {_expr(rng)})", lambda: f"{_expr(rng)}^\\circ",
        lambda: f"{_number(rng)}\\%", lambda: f"[{_expr(rng)}, {_expr(rng)})", lambda: f"x = {_expr(rng)}",
        lambda: f"\\begin{{pmatrix}} {_expr(rng)} \\\\ {_expr(rng)} \\end{{pmatrix}}",
        lambda: f"(-\\infty, {_expr(rng)}] \\cup [{_expr(rng)}, \\infty)", lambda: f"{_expr(rng)}, {_expr(rng)}",
    ]  # fmt: skip
    return rng.choice(forms)()


def test_generated_answers_of_the_grammar_all_parse() -> None:
    rng = random.Random(10)
    answers = sorted({_answer(rng) for _ in range(120)})
    assert all(simple_gold(a) for a in answers)
    assert [a for a, ok in zip(answers, parse_golds(answers)) if not ok] == []


@pytest.mark.parametrize(
    "answer",
    [
        "",  # nothing
        "3 4", "x2", "(2)3",  # juxtaposed numbers: which number is it?
        "xy", "CD",  # two letters: maybe a word
        r"\frac{1}{", r"\sqrt{}", r"\frac{1}{}", "(1, 2", "x^",  # cut off
        r"\begin{pmatrix} 1 & 2 \\ 3 \end{pmatrix}",  # ragged matrix
        r"\text{Friday}", r"5\text{ or }6", "10200_3", r"\sin x", r"\{1, 2\}",  # other forms: the parser decides
    ],
)
def test_the_recogniser_leaves_everything_else_to_the_parser(answer: str) -> None:
    assert not simple_gold(answer)


class CountingParser:
    """The real parser, counting what it is asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, answers):
        self.asked += answers
        return parse_golds(answers)


HARD = [r"\text{Friday}", r"5\text{ or }6", r"\sin x", r"\boxed{}", "10200_3"]  # \boxed{} does not parse


def test_a_rerun_parses_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "golds.sqlite"
    answers = ["42", r"\frac{3}{4}", "0.25", *HARD, "42"]
    first, again = CountingParser(), CountingParser()
    check = GoldChecker(cache, first)
    verdicts = check(answers)
    assert verdicts == [True, True, True, True, True, True, False, True, True]
    assert sorted(first.asked) == sorted(HARD)  # the simple ones never reach the parser, once each
    assert check.stats.as_notes() == {"distinct answers": 8, "simple (no parser)": 3, "from cache": 0, "parsed": 5}
    rerun = GoldChecker(cache, again)
    assert rerun(answers) == verdicts and again.asked == []
    assert rerun.stats.cached == 5


def test_a_changed_verifier_starts_a_new_cache(tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "golds.sqlite"
    GoldChecker(cache, CountingParser())(HARD)
    monkeypatch.setattr(gold, "verifier_identity", lambda: "another-grader")
    parser = CountingParser()
    GoldChecker(cache, parser)(HARD)
    assert sorted(parser.asked) == sorted(HARD)
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT COUNT(DISTINCT verifier) FROM verdicts").fetchone() == (2,)


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    parser = CountingParser()
    assert GoldChecker(blocker / "golds.sqlite", parser)(HARD) == [True, True, True, False, True]
    assert sorted(parser.asked) == sorted(HARD)


def test_the_step_notes_say_where_the_verdicts_came_from(tmp_path: Path) -> None:
    rows = pl.DataFrame({"id": ["a", "b", "c"], "domain": ["math"] * 3, "question": ["q"] * 3, "answer": ["7", r"\boxed{}", "7"]})
    step = UnparsableGold(cache=tmp_path / "golds.sqlite")
    out = step(rows, StepContext())
    assert out["drop_reason"].to_list() == [None, "unparsable_gold", None]
    assert step.notes == {WORK_NOTES: {"distinct answers": 2, "simple (no parser)": 1, "from cache": 0, "parsed": 1}}
