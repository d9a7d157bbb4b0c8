"""Normalise question and answer text so that later steps (dedup, decontamination, the verifier)
compare like with like.

Question: superscript/subscript digits spelled out (NFKC would turn x² into x2), Unicode NFKC,
line endings, trailing spaces, runs of blank lines, runs of spaces (not in code statements, whose
examples may depend on spacing), and boilerplate prefixes such as "Problem:" or "Question 3.".

Answer (math and science): a canonical string: $...$, \\(...\\) and \\boxed{...} wrappers
removed, one trailing period dropped, a leading "+" or currency "\\$" dropped from numbers, and thousands separators
("1,000", MATH's "10,\\!080", "1{,}000") removed when the whole answer is one such number, the only
case where the comma cannot be a list separator. Multiple-choice answers become one capital
letter. Code tests are never touched: their bytes are the specification.

All of it is Polars string expressions (no Python loop over rows), on slices of rows in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ringdata.curate.base import StepContext, keep_all
from ringdata.curate.parallel import map_slices

_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", ["^0", "^1", "^2", "^3", "^4", "^5", "^6", "^7", "^8", "^9", "^+", "^-"]))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉", [f"_{d}" for d in range(10)]))
_SCRIPTS = {**_SUPER, **_SUB}

# "Problem:", "Problem 12.", "Question 3:", "Q:", "Exercise 4." at the very start. A number or a
# colon is required after the word so that a question that starts "Problems of this kind..." stays.
BOILERPLATE = r"^(?i:(?:problem|question|exercise|q)\s*(?:\d+[a-z]?\s*[:.)]|:)\s*)"
_SEP = r"(?:,\\!|\{,\}|,)"
THOUSANDS = rf"^-?\d{{1,3}}(?:{_SEP}\d{{3}})+(?:\.\d+)?$"


def _unicode(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_many(list(_SCRIPTS), list(_SCRIPTS.values())).str.normalize("NFKC")


def question_expr(col: str = "question", domain: str = "domain") -> pl.Expr:
    text = (
        _unicode(pl.col(col))
        .str.replace_all(r"\r\n?", "\n")
        .str.replace_all(r"[ \t]+\n", "\n")
        .str.replace_all(r"\n{3,}", "\n\n")
        .str.strip_chars()
        .str.replace(BOILERPLATE, "")
    )
    collapsed = text.str.replace_all(r"[ \t]{2,}", " ")
    return pl.when(pl.col(domain) == "code").then(text).otherwise(collapsed).alias(col)


def _strip_wrapper(col: str, pattern: str) -> pl.Expr:
    """Drop a wrapper matched by `pattern` (one group: the inside) when the whole answer is it and
    the inside has balanced braces: "\\boxed{a}+\\boxed{b}" is not one boxed answer."""
    inside = pl.col(col).str.extract(pattern, 1)
    rest = inside
    for _ in range(_MAX_NESTING):  # peel innermost {...} pairs; balanced text peels to no braces
        rest = rest.str.replace_all(r"\{[^{}]*\}", "")
    balanced = ~rest.str.contains(r"[{}]")
    return pl.when(inside.is_not_null() & balanced).then(inside.str.strip_chars()).otherwise(pl.col(col)).alias(col)


_MAX_NESTING = 8  # brace depth checked when unwrapping; MATH answers nest 3-4 deep at most
_WRAPPERS = (
    r"^\$\$(.*)\$\$$", r"^\$(.*)\$$", r"^\\\((.*)\\\)$", r"^\\\[(.*)\\\]$",
    r"^\\boxed\s*\{(.*)\}$", r"^\\fbox\s*\{(.*)\}$", r"^\$\\boxed\{(.*)\}\$$",
)  # fmt: skip


def canonical_answers(frame: pl.DataFrame, col: str = "answer") -> pl.DataFrame:
    """`frame` with `col` canonical. One `with_columns` per rewrite: each rewrite reads the
    previous one's result, and nesting them as one expression would copy the tree at every level."""
    frame = frame.with_columns(_unicode(pl.col(col)).str.strip_chars().alias(col))
    for pattern in _WRAPPERS:
        frame = frame.with_columns(_strip_wrapper(col, pattern))
    a = pl.col(col)
    for expr in (
        pl.when(a.str.ends_with(".") & ~a.str.ends_with("..")).then(a.str.strip_suffix(".").str.strip_chars()),
        pl.when(a.str.contains(r"^\+\d")).then(a.str.strip_prefix("+")),
        pl.when(a.str.contains(r"^\\?\$\d")).then(a.str.replace(r"^\\?\$", "")),  # currency: \$18.90
        pl.when(a.str.contains(THOUSANDS)).then(a.str.replace_all(_SEP, "")),
    ):
        frame = frame.with_columns(expr.otherwise(a).alias(col))
    return frame


def choice_letter_expr(answer: pl.Expr) -> pl.Expr:
    """"(b)" -> "B"; applied to the answer as read, before the math rewrites."""
    return answer.str.strip_chars().str.strip_chars("().").str.strip_chars().str.to_uppercase()


@dataclass(frozen=True)
class Normalise:
    """Rewrite question, choices and answer in place; drops nothing."""

    name: str = "normalise"

    slice_rows: int = 100_000  # rows per slice; slices run on all cores (ringdata.curate.parallel)

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        advance = ctx.task(self.name, frame.height)
        parts = map_slices(lambda at, n: _normalised(frame.slice(at, n)), frame.height, self.slice_rows, advance)
        return keep_all(pl.concat(parts) if parts else _normalised(frame))


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    out = canonical_answers(frame.with_columns(question_expr(), pl.col("answer").alias("_raw_answer")))
    is_choice = pl.col("choices").is_not_null()
    return out.with_columns(
        pl.when(is_choice).then(choice_letter_expr(pl.col("_raw_answer"))).otherwise(pl.col("answer")).alias("answer"),
        pl.col("choices").list.eval(_unicode(pl.element()).str.strip_chars()),
    ).drop("_raw_answer")
