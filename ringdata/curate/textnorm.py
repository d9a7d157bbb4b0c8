"""The text that dedup and decontamination compare, and its word n-gram hashes.

Two problems are "the same text" when their *match text* is equal. The match text is the
question (plus the options of a multiple-choice question) reduced to a sequence of tokens, so
that the ways people re-type one problem collapse together:

- LaTeX delimiters vanish: `$x^2$`, `\\(x^{2}\\)`, `$$x^2$$`, `\\[x^2\\]` and `x^2` all become
  the tokens `x ^ 2` (braces are grouping, not content, and are dropped);
- presentation-only LaTeX goes too: `\\left`/`\\right`, `\\displaystyle`, `\\text{..}` and font
  wrappers (the argument stays), spacing commands (`\\,` `\\!` `\\;` `\\quad`), and `\\dfrac` and
  `\\tfrac` are spelled `\\frac`, `\\leq`/`\\geq`/`\\neq` as `\\le`/`\\ge`/`\\ne`;
- case is folded and Unicode is NFKC-normalised;
- punctuation (`. , ; : ? ! ' " `` ` ``) is dropped, but math operators and brackets stay as tokens
  (`+ - * / = < > ^ ( ) [ ] |`): "Compute 2+3" and "Compute 2-3" are different problems;
- a thousands separator between digits goes ("1,000", "1{,}000" -> `1000`), a decimal point stays.

A prompt prefix or suffix ("Solve the following problem.", "Put your answer in \\boxed{}") is not
removed here: decontamination matches n-grams, which a wrapper cannot hide, and near dedup
tolerates it through the Jaccard threshold.

Everything is Polars string expressions plus numpy over hashed tokens: no Python loop over rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl

MATCH_TEXT = "_match_text"  # working column: the match text, tokens joined by one space

# LaTeX that changes how a formula looks, not what it says. Order matters: longer names first
# ("\\leq" before "\\le"), and wrappers keep their argument because only the command is removed.
_LATEX_DROP = [
    r"\\left\b", r"\\right\b", r"\\bigl?\b", r"\\bigr\b", r"\\Bigl?\b", r"\\Bigr\b",
    r"\\displaystyle\b", r"\\textstyle\b", r"\\limits\b", r"\\nolimits\b",
    r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mathit|mathsf|operatorname|mbox|hbox)\b",
    r"\\(?:quad|qquad)\b", r"\\[,;:!> ]", r"~",
]  # fmt: skip
_LATEX_RENAME = [
    (r"\\[dt]frac\b", r"\\frac"), (r"\\leq(?:slant)?\b", r"\\le"), (r"\\geq(?:slant)?\b", r"\\ge"),
    (r"\\neq\b", r"\\ne"), (r"\\cdots\b", r"\\dots"), (r"\\ldots\b", r"\\dots"),
]  # fmt: skip
# One token: a word (letters, digits, underscore; a decimal part kept) or one operator/bracket.
TOKEN = r"[\p{L}\p{N}_]+(?:\.\p{N}+)*|[+\-*/=<>^()\[\]|]"


def match_text_expr(question: str = "question", choices: str | None = "choices") -> pl.Expr:
    """The match text of `question` (and the options in `choices`, when given and not null)."""
    text = pl.col(question)
    if choices is not None:
        opts = pl.col(choices).list.join(" ")
        text = pl.when(opts.is_null()).then(text).otherwise(text + " " + opts)
    text = text.str.normalize("NFKC").str.to_lowercase()
    # display delimiters first so that "\[" is not read as a bracket token
    text = text.str.replace_all(r"\$\$|\\\[|\\\]|\\\(|\\\)|\$", " ")
    for pattern in _LATEX_DROP:
        text = text.str.replace_all(pattern, " ")
    for pattern, repl in _LATEX_RENAME:
        text = text.str.replace_all(pattern, repl)
    text = text.str.replace_all(r"(\\[a-z]+)(\d)", "${1} ${2}")  # a command name ends at a digit: \sqrt2
    text = text.str.replace_all(r"(\d)(?:,|\{,\})(\d\d\d)", "${1}${2}")
    return text.str.extract_all(TOKEN).list.join(" ").alias(MATCH_TEXT)


def with_match_text(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the `_match_text` working column (computed once, reused by later steps)."""
    if MATCH_TEXT in frame.columns:
        return frame
    choices = "choices" if "choices" in frame.columns else None
    return frame.with_columns(match_text_expr("question", choices))


def match_text(texts: list[str]) -> list[str]:
    """The match text of plain strings (for tests, and for small evaluation sets)."""
    frame = pl.DataFrame({"question": texts}, schema={"question": pl.Utf8})
    return frame.select(match_text_expr("question", None)).to_series().to_list()


# ---- hashed tokens and n-grams -------------------------------------------------------------

_TOKEN_SEED = 0x5EED  # any constant: token hashes only need to agree within one process
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _coefficients(n: int) -> np.ndarray:
    """Fixed odd 64-bit multipliers, one per position in an n-gram (so "a b" != "b a")."""
    rng = np.random.default_rng(0x9E3779B97F4A7C15)
    return rng.integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: turns a linear n-gram combination into a well-spread hash."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


class HashedTokens:
    """The tokens of many texts as one flat array of 64-bit hashes plus per-text offsets."""

    def __init__(self, texts: pl.Series) -> None:
        tokens = texts.str.split(" ").list.eval(pl.element().filter(pl.element() != "").hash(_TOKEN_SEED))
        arrow = tokens.to_arrow()
        if hasattr(arrow, "combine_chunks"):
            arrow = arrow.combine_chunks()
        offsets = np.asarray(arrow.offsets, dtype=np.int64)
        values = arrow.values.to_numpy(zero_copy_only=False).astype(np.uint64, copy=False)
        self.hashes: np.ndarray = values[offsets[0] : offsets[-1]]
        self.starts: np.ndarray = offsets[:-1] - offsets[0]
        self.lengths: np.ndarray = np.diff(offsets)

    def __len__(self) -> int:
        return len(self.lengths)

    def prefix_grams(self, n: int):
        """Yield (L, hashes, starts) for L = 1..n: `hashes[i]` is the hash of the L tokens that
        start at flat position `starts[i]` and stay inside one text. One running sum serves
        every length, so checking short evaluation items costs no extra pass."""
        coef = _coefficients(n)
        total = len(self.hashes)
        running = np.zeros(total, dtype=np.uint64)
        ends = np.repeat(self.starts + self.lengths, self.lengths)  # end of each token's text
        pos = np.arange(total, dtype=np.int64)
        with np.errstate(over="ignore"):
            for k in range(n):
                if k < total:
                    running[: total - k] += self.hashes[k:] * coef[k]
                valid = pos + k + 1 <= ends
                yield k + 1, running, valid

    def ngrams(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(hash, text index) of every n-gram, in text order; a text shorter than n gives one
        gram, the whole text, so short texts still match (their "n-gram" is themselves)."""
        total = len(self.hashes)
        gram = np.zeros(total, dtype=np.uint64)
        keep = np.zeros(total, dtype=bool)
        for length, running, valid in self.prefix_grams(n):
            if length == n:
                gram[valid] = running[valid]
                keep |= valid
            else:  # texts of exactly this length: their one gram starts at the text start
                at = self.starts[self.lengths == length]
                gram[at] = running[at]
                keep[at] = True
        doc = np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)
        return mix64(gram[keep]), doc[keep]
