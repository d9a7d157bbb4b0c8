"""The text that dedup and decontamination compare, and its word n-gram hashes.

Two problems are "the same text" when their *match text* is equal. The match text is the
question (plus the options of a multiple-choice question) reduced to a sequence of tokens, so
that the ways people re-type one problem collapse together:

- LaTeX delimiters vanish: `$x^2$`, `\\(x^{2}\\)`, `$$x^2$$`, `\\[x^2\\]` and `x^2` all become
  the tokens `x ^ 2` (braces are grouping, not content, and are dropped; `x_{1}` is `x_1`);
- presentation-only LaTeX goes too: `\\left`/`\\right`, `\\displaystyle`, `\\text{..}` and font
  wrappers (the argument stays), spacing commands (`\\,` `\\!` `\\;` `\\quad`), dots (`\\ldots`,
  `\\cdots`, like "..."), and one spelling per symbol: `\\leq`/`\\geq`/`\\neq` and `≤ ≥ ≠` as
  `\\le`/`\\ge`/`\\ne`, `\\cdot`/`\\times`/`×`/`·` as `*`, `−` as `-`, `π` as `\\pi`,
  `\\dbinom`/`\\tbinom` as `\\binom`, `^\\circ`/`°` as "degrees", `\\%`/`%` as "percent";
- a fraction is the same whatever its notation: `\\frac{a}{b}`, `\\dfrac`, `\\tfrac`, `\\cfrac`,
  `\\frac12`, `{a \\over b}` and `a/b` all become `a / b` (parentheses around an operand of `/`
  go too, so `\\frac{x+1}{2}` is `(x+1)/2`); fractions nest up to three deep;
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

from ringdata.curate.parallel import map_slices

MATCH_TEXT = "_match_text"  # working column: the match text, tokens joined by one space
# Asymptote figure code in match text (`[asy]` became `[ asy ]`): drawing code shares stock lines
# ("import olympiad; size(150); defaultpen(linewidth(0.8));") with unrelated problems, so near
# dedup and decontamination leave it out of what they compare.
ASY = r"\[ asy \].*?(?:\[ / asy \]|$)"

# LaTeX that changes how a formula looks, not what it says, and the math delimiters: one regex
# pass replaces all of them by a space (wrappers such as \\text{..} keep their argument because
# only the command goes). Display delimiters come first so that "\\[" is not read as a bracket.
_LATEX_DROP = "|".join([
    r"\$\$", r"\\\[", r"\\\]", r"\\\(", r"\\\)", r"\$",
    r"\\(?:left|right|bigl?|bigr|displaystyle|textstyle|limits|nolimits)\b",
    r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mathit|mathsf|operatorname|mbox|hbox)\b",
    r"\\(?:quad|qquad|ldots|cdots|dots|dotsc|dotsb|dotsm|vdots)\b", r"\\[,;:!> ]", r"~",
])  # fmt: skip
# Fractions: `\\frac` becomes a marker that is not a command, so the passes that flatten other
# braces (`\\sqrt{3}` -> `\\sqrt 3`, `{ {cm} }` -> `cm`) leave a fraction's two arguments alone; then
# a marker followed by two brace groups without braces inside becomes `a / b`. Three rounds: three
# levels of nesting.
_FRAC = "\ue000"
_FRAC_DIGITS = [  # \\frac12, \\frac1{x}, \\frac{x}2: a digit is an argument on its own
    (_FRAC + r"\s*(\d)\s*(\d)", " ${1} / ${2} "),
    (_FRAC + r"\s*(\d)\s*\{([^{}]*)\}", " ${1} / ${2} "),
    (_FRAC + r"\s*\{([^{}]*)\}\s*(\d)", " ${1} / ${2} "),
]  # fmt: skip
_FRAC_ROUND = [
    (r"\{([^{}]*)\\over\b([^{}]*)\}", " ( ${1} ) / ( ${2} ) "),  # {a \\over b}
    # a command's argument (\\sqrt{3} is \\sqrt 3) or a group that is no fraction's argument
    (r"(\\[a-z]+|^|[^" + _FRAC + r"}\s])\s*\{([^{}]*)\}", "${1} ${2} "),
    (_FRAC + r"\s*\{([^{}]*)\}\s*\{([^{}]*)\}", " ( ${1} ) / ( ${2} ) "),
]  # fmt: skip
# Spellings of one symbol (literal, longest first; one Aho-Corasick pass).
_LATEX_RENAME = {
    r"\dfrac": _FRAC, r"\tfrac": _FRAC, r"\cfrac": _FRAC, r"\frac": _FRAC,
    r"\leqslant": r"\le", r"\geqslant": r"\ge", r"\leq": r"\le", r"\geq": r"\ge", r"\neq": r"\ne",
    "≤": r" \le ", "≥": r" \ge ", "≠": r" \ne ", r"\lt": "<", r"\gt": ">",
    r"\cdot": "*", r"\times": "*", r"\ast": "*", "×": "*", "·": "*", "⋅": "*", "−": "-", "⁄": "/", "÷": "/", "π": r" \pi ",
    r"\dbinom": r"\binom", r"\tbinom": r"\binom", r"\%": " percent ", "%": " percent ", "°": " degrees ",
}  # fmt: skip

# One token: a word (letters, digits, underscore; a decimal part kept) or one operator/bracket.
TOKEN = r"[\p{L}\p{N}_]+(?:\.\p{N}+)*|[+\-*/=<>^()\[\]|]"


def _fold(text: pl.Expr) -> pl.Expr:
    """Everything after Unicode normalisation: case, LaTeX, separators, tokens."""
    text = text.str.to_lowercase()
    for _ in range(2):  # twice: the groups of 1,000,000 overlap
        text = text.str.replace_all(r"(\d)(?:,|\{,\}|\\[,!: ]|~)(\d\d\d)\b", "${1}${2}")  # 1{,}000, 1\,000
    text = text.str.replace_all(_LATEX_DROP, " ")
    text = text.str.replace_many(list(_LATEX_RENAME), list(_LATEX_RENAME.values()))
    text = text.str.replace_all(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ\b)", " degrees ")
    text = text.str.replace_all(r"([_^])\{([^{}]*)\}", "${1}${2}")  # x_{1} is x_1, x^{2} is x^2
    for pattern, to in _FRAC_DIGITS:
        text = text.str.replace_all(pattern, to)
    for _ in range(3):
        for pattern, to in _FRAC_ROUND:
            text = text.str.replace_all(pattern, to)
    text = text.str.replace_all(r"(\\[a-z]+)(\d)", "${1} ${2}")  # a command name ends at a digit: \sqrt2
    text = text.str.replace_all(r"\b(\d+)(\p{L})", "${1} ${2}")  # 2x is 2 x (as in 1/2x and \\frac12 x)
    text = text.str.extract_all(TOKEN).list.join(" ")
    # one token in parentheses next to a slash: (2)/(3) is 2/3, so \\frac{2}{3} is too
    text = text.str.replace_all(r"\( (\S+) \) /", "${1} /").str.replace_all(r"/ \( (\S+) \)", "/ ${1}")
    return text.alias(MATCH_TEXT)


def _joined(question: str, choices: str | None) -> pl.Expr:
    text = pl.col(question)
    if choices is None:
        return text
    opts = pl.col(choices).list.join(" ")
    return pl.when(opts.is_null()).then(text).otherwise(text + " " + opts)


def match_text_expr(question: str = "question", choices: str | None = "choices") -> pl.Expr:
    """The match text of `question` (and the options in `choices`, when given and not null)."""
    return _fold(_joined(question, choices).str.normalize("NFKC"))


def with_match_text(frame: pl.DataFrame, slice_rows: int = 100_000) -> pl.DataFrame:
    """`frame` with the `_match_text` working column (computed once, reused by later steps).

    Same result as `match_text_expr`, but NFKC runs only on rows with a non-ASCII character (on
    ASCII text it changes nothing and it is the most expensive pass), and slices of `slice_rows`
    rows run on all cores (`ringdata.curate.parallel`)."""
    if MATCH_TEXT in frame.columns:
        return frame
    choices = "choices" if "choices" in frame.columns else None
    raw = frame.select(_joined("question", choices).alias(MATCH_TEXT)).to_series()

    def fold(offset: int, length: int) -> pl.Series:
        text = raw.slice(offset, length)
        wide = text.str.contains(r"[^\x00-\x7F]").fill_null(False).arg_true()
        if len(wide):
            text = text.scatter(wide, text.gather(wide).str.normalize("NFKC"))
        return pl.DataFrame({MATCH_TEXT: text}).select(_fold(pl.col(MATCH_TEXT))).to_series()

    parts = map_slices(fold, len(raw), slice_rows)
    folded = pl.concat(parts) if parts else raw
    return frame.with_columns(folded.alias(MATCH_TEXT))


def match_text(texts: list[str]) -> list[str]:
    """The match text of plain strings (for tests, and for small evaluation sets)."""
    frame = pl.DataFrame({"question": texts}, schema={"question": pl.Utf8})
    return frame.select(match_text_expr("question", None)).to_series().to_list()


# ---- hashed tokens and n-grams -------------------------------------------------------------

_TOKEN_SEED = 0x5EED  # any constant: token hashes only need to agree within one process


def _coefficients(n: int) -> np.ndarray:
    """Fixed odd 64-bit multipliers, one per position in an n-gram (so "a b" != "b a")."""
    rng = np.random.default_rng(0x9E3779B97F4A7C15)
    return rng.integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: turns a linear n-gram combination into a well-spread hash."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x *= np.uint64(0xBF58476D1CE4E5B9)
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

    def ends(self) -> np.ndarray:
        """For each flat token position, the end (exclusive) of its text."""
        return np.repeat(self.starts + self.lengths, self.lengths)

    def prefix_grams(self, n: int):
        """Yield (L, hashes) for L = 1..n: `hashes[i]` is the hash of the L tokens from flat
        position i on (meaningful only where i + L <= the end of i's text). One running sum
        serves every length, so checking short evaluation items costs no extra pass."""
        coef = _coefficients(n)
        total = len(self.hashes)
        running = np.zeros(total, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(n):
                if k < total:
                    running[: total - k] += self.hashes[k:] * coef[k]
                yield k + 1, running

    def ngrams(self, n: int, mixed: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(hash, text index) of every n-gram, in text order; a text shorter than n gives one
        gram, the whole text, so short texts still match (their "n-gram" is themselves).
        `mixed=False` skips the finaliser: fine for equality lookups, not for min-hashing."""
        total = len(self.hashes)
        ends = self.starts + self.lengths
        keep = np.ones(total, dtype=bool)
        for j in range(1, n):  # the last n-1 positions of a text start no full n-gram
            keep[ends[self.lengths >= j] - j] = False
        short_at, short_h = [], []
        running = np.zeros(total, dtype=np.uint64)
        for length, running in self.prefix_grams(n):
            if length < n:  # texts of exactly this length: their one gram starts at the text start
                at = self.starts[self.lengths == length]
                if len(at):
                    short_at.append(at)
                    short_h.append(running[at].copy())
        gram = running
        for at, h in zip(short_at, short_h):
            gram[at] = h
            keep[at] = True
        doc = np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)
        out = gram[keep]
        return (mix64(out) if mixed else out), doc[keep]
