"""Clean: drop problems an RL reward cannot judge fairly. One small step per check, one reason each.

The checks follow the data filtering of Ring-lite (arXiv 2506.14731, section on data curation) and
open-r1 / DeepScaleR practice: a reward is only as good as the gold it compares against, so a
problem whose gold is missing or unparsable, whose statement needs a picture the model will not
see, that asks several things at once, that asks for a proof, or whose answer can be guessed
(multiple choice, true/false) teaches noise.

Decision on MATH's `[asy]`: kept by default. `[asy]...[/asy]` is Asymptote source, i.e. the figure
itself as text (coordinates, labels); the problem is self-contained for a text model, and MATH
keeps it in its own prompts. `CleanConfig(keep_asy=False)` drops such rows as `asy_figure`.
A reference to a figure with no `[asy]` in the statement ("see the figure", "shown below",
`<image>`) is dropped as `needs_figure`, unless the statement carries the figure inline as
`[asy]` or a LaTeX tabular/array ("the chart below" followed by the table).

All checks are Polars expressions (regular expressions, list evaluation); the one exception is the
gold-answer parse check, which calls the math verifier once per distinct answer that is neither a
simple form nor in the verdict cache (`ringdata.curate.gold`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polars as pl

from ringdata.curate.base import DROP_MATCH, DROP_REASON, WORK_NOTES, Step, StepContext
from ringdata.curate.gold import DEFAULT_CACHE, GoldChecker


@dataclass(frozen=True)
class CleanConfig:
    min_chars: int = 10  # shortest question kept, in characters after normalising; MATH has real
    #                      12-character problems ("Compute $7!$.") so the bound stays low
    keep_asy: bool = True  # keep MATH problems whose figure is given as [asy] code (see module doc)
    choice_domains: tuple[str, ...] = ("math",)  # where multiple-choice / true-false / yes-no
    #                      questions are dropped (Ring-lite drops them for math: guessable rewards)
    check_gold: bool = True  # drop math answers the math verifier cannot parse
    gold_cache: Path | None = DEFAULT_CACHE  # the parser's verdicts, kept across runs; None = no cache


def drop_where(frame: pl.DataFrame, cond: pl.Expr, reason: str, match: pl.Expr | None = None) -> pl.DataFrame:
    """`frame` with the drop columns: `reason` where `cond` holds, else null (keep)."""
    cond = cond.fill_null(False)
    return frame.with_columns(
        pl.when(cond).then(pl.lit(reason)).otherwise(None).cast(pl.Utf8).alias(DROP_REASON),
        pl.when(cond).then(match if match is not None else None).otherwise(None).cast(pl.Utf8).alias(DROP_MATCH),
    )


def with_progress(name: str, ctx: StepContext, frame: pl.DataFrame, work: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    advance = ctx.task(name, frame.height)
    out = work()
    advance(frame.height)
    return out


_Q = pl.col("question")
_A = pl.col("answer")
_DOMAIN = pl.col("domain")
_HAS_ANSWER = _A.is_not_null() & (_A.str.strip_chars() != "")


@dataclass(frozen=True)
class TooShort:
    """Empty questions (`empty_question`) and fragments shorter than `min_chars` (`too_short`)."""

    min_chars: int = CleanConfig.min_chars
    name: str = "too_short"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        n = _Q.str.strip_chars().str.len_chars()
        reason = pl.when(n == 0).then(pl.lit("empty_question")).when(n < self.min_chars).then(pl.lit("too_short"))

        def work() -> pl.DataFrame:
            return frame.with_columns(
                reason.otherwise(None).alias(DROP_REASON),
                pl.when(n < self.min_chars).then(n.cast(pl.Utf8) + " chars").otherwise(None).alias(DROP_MATCH),
            )

        return with_progress(self.name, ctx, frame, work)


# Figures that are referred to but not given. Phrases are anchored on words that only make sense
# with a picture; bare "graph" is not one of them ("the graph of y = x^2" needs no picture).
IMAGE_MARKERS = r"(?i)(<image>|<img\b|!\[[^\]]*\]\(|\[img\]|\\includegraphics|\b\S+\.(?:png|jpe?g|gif|svg)\b)"
FIGURE_PHRASES = (
    r"(?i)\b(?:see|refer to|shown in|given in|depicted in|illustrated in|according to)\s+(?:the\s+)?"
    r"(?:accompanying\s+|following\s+|attached\s+)?(?:figure|diagram|picture|image|illustration|fig\.)"
    r"|\b(?:figure|diagram|picture|image|illustration|graph|chart)\s+(?:below|above|shown|provided|given)\b"
    r"|\b(?:shown|pictured|depicted|illustrated|drawn|sketched)\s+(?:below|above|here)\b"
    r"|\bin\s+the\s+(?:figure|diagram|picture|image)\b"
    r"|\b(?:the\s+)?following\s+(?:figure|diagram|picture|image)\b"
    r"|\bfig(?:ure|\.)\s*\d"
)

INLINE_FIGURE = r"\\begin\{(?:tabular|array|matrix|pmatrix|bmatrix)\}"


@dataclass(frozen=True)
class NeedsFigure:
    """Statements that point at a figure the model will not see (`needs_figure`); MATH's [asy]
    drawings count as given unless `keep_asy` is off (`asy_figure`)."""

    keep_asy: bool = CleanConfig.keep_asy
    name: str = "needs_figure"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        has_asy = _Q.str.contains(r"\[asy\]")
        # "the chart below" followed by a LaTeX table is a figure given inline
        has_inline = has_asy | _Q.str.contains(INLINE_FIGURE)
        marker = _Q.str.extract(IMAGE_MARKERS, 1)
        phrase = _Q.str.extract(f"({FIGURE_PHRASES})", 1)
        reason = (
            pl.when(marker.is_not_null())
            .then(pl.lit("needs_figure"))
            .when(has_asy & (not self.keep_asy))
            .then(pl.lit("asy_figure"))
            .when(phrase.is_not_null() & ~has_inline)
            .then(pl.lit("needs_figure"))
        )
        match = pl.when(marker.is_not_null()).then(marker).when(has_asy).then(pl.lit("[asy]")).otherwise(phrase)

        def work() -> pl.DataFrame:
            out = frame.with_columns(reason.otherwise(None).cast(pl.Utf8).alias(DROP_REASON))
            return out.with_columns(
                pl.when(pl.col(DROP_REASON).is_not_null()).then(match).otherwise(None).cast(pl.Utf8).alias(DROP_MATCH)
            )

        return with_progress(self.name, ctx, frame, work)


# "(a) ... (b) ..." as separate parts: the marker starts a line or follows whitespace/punctuation
# and is followed by a space, so "f(a) + f(b)" is not a match. The first part must itself ask
# something (a question mark or an imperative), so a list of givens labelled (a), (b), (c)
# followed by one question is kept. Also "(i) ... (ii) ...".
_ASKS = r"(?i:\?|\b(?:find|compute|calculate|determine|evaluate|estimate|what|how|which|show|prove|explain|sketch|express|write|give|state|solve)\b)"


def _first_part(first: str, second: str) -> pl.Expr:
    return _Q.str.extract(rf"(?s)(?:^|[\s:;.,])\({first}\)\s(.*?)(?:^|[\s:;.,])\({second}\)\s", 1)


@dataclass(frozen=True)
class MultiPart:
    """Several sub-questions in one problem (`multi_part`): one gold answer cannot grade them.
    Math and science only; a code statement's parts all feed one program."""

    name: str = "multi_part"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        ab = _first_part("a", "b").str.contains(_ASKS)
        roman = _first_part("i", "ii").str.contains(_ASKS)
        cond = (ab | roman) & (_DOMAIN != "code")
        match = pl.when(ab).then(pl.lit("(a) ... (b)")).otherwise(pl.lit("(i) ... (ii)"))
        return with_progress(self.name, ctx, frame, lambda: drop_where(frame, cond, "multi_part", match))


PROOF = r"(?i)\b(?:prove|show|demonstrate|verify|justify|explain why)\s+(?:that|why|whether)\b|^\s*prove\b"


@dataclass(frozen=True)
class ProofOnly:
    """Proofs with no checkable answer (`proof_without_answer`): "prove that ..." with no gold.
    Runs before `MissingAnswer` so the more telling reason is the one reported."""

    name: str = "proof_without_answer"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        phrase = _Q.str.extract(f"({PROOF})", 1)
        cond = (_DOMAIN != "code") & phrase.is_not_null() & ~_HAS_ANSWER
        return with_progress(self.name, ctx, frame, lambda: drop_where(frame, cond, "proof_without_answer", phrase))


@dataclass(frozen=True)
class MissingAnswer:
    """Math and science problems with no gold answer (`missing_answer`)."""

    name: str = "missing_answer"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        cond = (_DOMAIN != "code") & ~_HAS_ANSWER
        return with_progress(self.name, ctx, frame, lambda: drop_where(frame, cond, "missing_answer"))


@dataclass(frozen=True)
class MissingTests:
    """Code problems with no tests (`missing_tests`): nothing to run a program against."""

    name: str = "missing_tests"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        tests = pl.col("tests")
        cond = (_DOMAIN == "code") & (tests.is_null() | (tests.list.len() == 0))
        return with_progress(self.name, ctx, frame, lambda: drop_where(frame, cond, "missing_tests"))


def _test_fault() -> pl.Expr:
    """Per test item: null when well formed, else what is wrong with it."""
    e = pl.element()
    inp, out, asrt = e.struct.field("input"), e.struct.field("output"), e.struct.field("assert")
    has_stdio = inp.is_not_null() | out.is_not_null()
    return (
        pl.when(asrt.is_not_null() & has_stdio)
        .then(pl.lit("both stdin/stdout and assert"))
        .when(asrt.is_not_null() & (asrt.str.strip_chars() == ""))
        .then(pl.lit("empty assert"))
        .when(asrt.is_not_null())
        .then(None)
        .when(~has_stdio)
        .then(pl.lit("no input/output and no assert"))
        .when(inp.is_null())
        .then(pl.lit("output without input"))
        .when(out.is_null())
        .then(pl.lit("input without output"))
        .when(out.str.strip_chars() == "")
        .then(pl.lit("empty output"))
        .otherwise(None)
    )


@dataclass(frozen=True)
class MalformedTests:
    """Code tests a sandbox cannot use (`malformed_tests`); `drop_match` names the first bad test
    and its fault ("test 2: empty output"). An empty expected output is treated as malformed:
    in public sets it is almost always a scraping loss, and it passes any silent program."""

    name: str = "malformed_tests"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        def work() -> pl.DataFrame:
            out = frame.with_columns(
                pl.when(_DOMAIN == "code").then(pl.col("tests").list.eval(_test_fault())).alias("_faults")
            )
            out = out.with_columns(
                pl.col("_faults").list.drop_nulls().list.first().alias("_fault"),
                pl.col("_faults").list.eval(pl.element().is_not_null()).list.arg_max().alias("_first"),
            )
            match = pl.lit("test ") + pl.col("_first").cast(pl.Utf8) + pl.lit(": ") + pl.col("_fault")
            out = drop_where(out, pl.col("_fault").is_not_null(), "malformed_tests", match)
            return out.drop("_faults", "_fault", "_first")

        return with_progress(self.name, ctx, frame, work)


# "(A) ... (B)" in the statement (MATH/AMC style, also "\textbf{(A) }"), or lettered option lines.
CHOICE_TEXT = r"(?s:(?:^|[\s{$])\(A\).*(?:^|[\s{$])\(B\))|(?m:^\s*A[.)]\s.*\n\s*B[.)]\s)"
ASY_BLOCK = r"(?s)\[asy\].*?\[/asy\]"  # drawing code: its "(A)" are point labels, not options
CHOICE_ANSWER = r"^(?:\\text\{)?\s*\(?[A-E]\)?\s*\}?$"
CHOICE_EVIDENCE = 80  # characters of the options' text kept as drop_match: "(A) 4 (B) 6" and a little more
_TRUE_FALSE = ("true", "false")
_YES_NO = ("yes", "no")


@dataclass(frozen=True)
class ChoiceQuestion:
    """Multiple-choice (`multiple_choice`), true/false (`true_false`) and yes/no (`yes_no`)
    questions in `domains` (default: math, as Ring-lite): a policy can collect reward by guessing.
    Science multiple choice is graded by letter and kept unless its domain is listed."""

    domains: tuple[str, ...] = CleanConfig.choice_domains
    name: str = "choice_question"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        plain = _A.str.replace_all(r"\\text\{([^}]*)\}", "$1").str.strip_chars().str.strip_chars(".").str.to_lowercase()
        in_scope = _DOMAIN.is_in(list(self.domains))
        text = _Q.str.replace_all(ASY_BLOCK, " ")
        multiple = pl.col("choices").is_not_null() | text.str.contains(CHOICE_TEXT) | (
            _A.str.contains(CHOICE_ANSWER) & _A.str.contains(r"[()]")
        )
        reason = (
            pl.when(in_scope & multiple)
            .then(pl.lit("multiple_choice"))
            .when(in_scope & plain.is_in(list(_TRUE_FALSE)))
            .then(pl.lit("true_false"))
            .when(in_scope & plain.is_in(list(_YES_NO)))
            .then(pl.lit("yes_no"))
        )

        # what matched, as evidence a reader can check: the options given, the options' text in
        # the statement (from "(A)" on, cut at CHOICE_EVIDENCE characters), or the letter answer
        options = pl.concat_str(pl.lit("choices: "), pl.col("choices").list.join(" | "))
        in_text = text.str.extract(f"({CHOICE_TEXT})", 1).str.strip_chars(" \t\n{$").str.slice(0, CHOICE_EVIDENCE)
        match = (
            pl.when(pl.col("choices").is_not_null()).then(options)
            .when(in_text.is_not_null()).then(in_text)
            .otherwise(pl.concat_str(pl.lit("answer: "), _A))
        )  # fmt: skip

        def work() -> pl.DataFrame:
            out = frame.with_columns(reason.otherwise(None).cast(pl.Utf8).alias(DROP_REASON))
            return out.with_columns(
                pl.when(pl.col(DROP_REASON) == "multiple_choice").then(match)
                .when(pl.col(DROP_REASON).is_in(["true_false", "yes_no"])).then(_A)
                .otherwise(None).cast(pl.Utf8).alias(DROP_MATCH)
            )  # fmt: skip

        return with_progress(self.name, ctx, frame, work)


@dataclass
class UnparsableGold:
    """Math gold answers the math verifier cannot parse (`unparsable_gold`): every response to
    such a problem would get reward 0, correct or not. Each distinct answer is checked once:
    simple forms without the parser, the rest from the cache or the parser (`ringdata.curate.gold`);
    its notes say how many went which way (under WORK_NOTES: the report's, not the terminal's)."""

    check: Callable[[list[str]], list[bool]] | None = None  # default: a GoldChecker on `cache`
    cache: Path | None = DEFAULT_CACHE
    name: str = "unparsable_gold"
    notes: dict[str, object] = field(default_factory=dict)

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        check = self.check or GoldChecker(self.cache)
        answers = frame.filter((_DOMAIN == "math") & _HAS_ANSWER)["answer"].unique()
        advance = ctx.task(self.name, len(answers))
        answers = answers.to_list()
        bad = [a for a, ok in zip(answers, check(answers)) if not ok]
        advance(len(answers))
        if isinstance(check, GoldChecker):
            self.notes[WORK_NOTES] = check.stats.as_notes()
        cond = (_DOMAIN == "math") & _A.is_in(bad)
        return drop_where(frame, cond, "unparsable_gold", _A)


def clean_steps(config: CleanConfig = CleanConfig()) -> list[Step]:
    """The clean checks in the order that reports the most telling reason first."""
    steps: list[Step] = [
        TooShort(config.min_chars),
        NeedsFigure(config.keep_asy),
        MultiPart(),
        ProofOnly(),
        MissingAnswer(),
        MissingTests(),
        MalformedTests(),
        ChoiceQuestion(config.choice_domains),
    ]
    if config.check_gold:
        steps.append(UnparsableGold(cache=config.gold_cache))
    return steps
