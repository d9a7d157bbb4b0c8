"""Decontamination: drop training problems that contain an evaluation item.

Word n-grams (default 13, as in GPT-3's decontamination) of an evaluation item's
*match text* are looked up in each row's match text (`ringdata.curate.textnorm`: LaTeX
delimiters, braces, case and punctuation folded away, so a benchmark problem re-typed as
`\\(x^{2}\\)` instead of `$x^2$`, lower-cased, or wrapped in "Solve the following problem. ...
Put your answer in \\boxed{}" is still caught: a wrapper adds n-grams but cannot remove the
item's own). A row is contaminated when it contains at least `min_coverage` of one item's
n-grams (default half).

Why not "any one shared n-gram": on the bundled data that flags 10% of MATH train against MATH
test, mostly stock phrasing ("Enter your answer in the form (rho, theta, phi), where rho > 0,
...") and shared templates; with half of an item's n-grams required, 2% is flagged, and a
sample of those are copies or the same problem with one number changed. Three more guards against
boilerplate: an n-gram that occurs in two different evaluation texts identifies neither and is
ignored; Asymptote diagram code (`[asy]...[/asy]`) is not matched at all; and template text is
not contamination: an n-gram found in `template_rows` (3) or more training rows is template (an
answer-choice list, "Enter your answer in the form Ax + By + Cz + D = 0, where ...", MATH's
factorial reminder), and the share is counted over the item's other n-grams. On MATH test
against MATH-500 that took the extra flags from 26 to 11 (the 12 that shared only a template, and
3 problems sharing only a stem) and still finds 499 of the 500. Copies of one item in many rows
do not make it a template: an item with no other n-grams is counted over all of them, and a row
holding `copy_coverage` (80%) of an item is a copy whatever the rest of the data holds.

Notation: match text folds fractions (`\\frac`, `\\dfrac`, `\\tfrac`, `a/b`, `{a \\over b}`),
degrees, percent, products and Unicode symbols (`ringdata.curate.textnorm`), and parentheses are
not compared here (people add or drop them around a re-typed fraction's parts): 49 of 50
MATH-500 items re-typed with `a/b` are caught (14 before).

An evaluation item shorter than n tokens is one n-gram, the whole item: it is caught when the
row contains all of it, in order (MBPP has many one-line items of 7-12 words).

The dropped row's `drop_match` names the evaluation item it overlaps most: `<set>:<item id>`,
e.g. `aime2024:60` or `math500:test/algebra/1234.json`, or `<set>:<row>` when the file has no
ids (ties go to the set listed first, then the smaller label); the step's notes count drops per
set. `resolve_evalsets` turns `--evalsets` (bundled names, files, `bundled`, `none`) into files.
Evaluation sets are read with `ringdata.core.io.read_problems`, so any problem file it reads works; a
file it cannot place falls back to the first of the `question` / `problem` / `prompt` / `text`
columns.

Matching is vectorised: 64-bit n-gram hashes (numpy) filtered through a bitmap of the evaluation
hashes' top bits, the few survivors checked by binary search in the sorted hashes, then a Polars
group-by to name the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from ringdata.curate.base import DROP_MATCH, DROP_REASON, Step, StepContext
from ringdata.curate.parallel import map_slices
from ringdata.curate.textnorm import ASY, MATCH_TEXT, HashedTokens, match_text_expr, with_match_text
from ringdata.core.errors import DataError, RingdataError
from ringdata.core.records import make_id

CONTAMINATED = "contaminated"
EVALSET_DIR = Path(__file__).resolve().parents[2] / "data" / "evalsets"
# Order matters only for naming a match shared by two sets (MATH-500 is a subset of MATH test).
BUNDLED_EVALSETS = ("aime2024", "aime2025", "amc2023", "math500", "math_test", "gsm8k_test", "humaneval", "mbpp_test")
DEFAULT_EVALSETS: tuple[Path, ...] = tuple(EVALSET_DIR / f"{name}.jsonl" for name in BUNDLED_EVALSETS)
ALL, NONE = "bundled", "none"  # the words `resolve_evalsets` reads besides set names and files
_TEXT_FIELDS = ("question", "problem", "prompt", "text")  # fallback for files no adapter reads
_ID_FIELDS = ("id", "task_id", "unique_id", "problem_id")


def compared_text(texts: pl.Series) -> pl.Series:
    """The match text decontamination compares: no figure code, no parentheses. A paren is
    grouping, and people drop or add it when they re-type a fraction (`(x+1)/(x-1)`, `x+1/x-1`,
    `\\frac{x+1}{x-1}`); a 13-word n-gram does not need it to be specific (dedup keeps it)."""
    return texts.str.replace_all(ASY, " ").str.replace_all(r"[()]", " ")


@dataclass(frozen=True)
class DecontamConfig:
    ngram: int = 13  # tokens per n-gram; 13 is GPT-3's choice, long enough to skip stock phrases
    evalsets: tuple[Path, ...] = DEFAULT_EVALSETS  # problem files whose items must not be trained on
    min_coverage: float = 0.5  # share of an item's n-grams a row must contain (0 = any one; see above)
    min_tokens: int = 3  # evaluation items shorter than this are ignored (they match too much)
    max_items: int = 1  # an n-gram found in more distinct evaluation texts than this is boilerplate
    template_rows: int = 3  # an n-gram found in this many training rows or more is template text
    #   (MATH's factorial reminder recurs in 4 MATH test problems, its plane-equation form in 5)
    copy_coverage: float = 0.8  # a row holding this share of an item's n-grams, template or not, is a copy
    batch: int = 50_000  # training rows hashed at a time: bounds memory on millions of rows

    def __post_init__(self) -> None:
        if self.ngram < 1:
            raise ValueError(f"ngram must be at least 1, got {self.ngram}")


def resolve_evalsets(specs: Sequence[str]) -> tuple[Path, ...]:
    """The evaluation files named by `specs`, in order and without repeats: a bundled set's name
    (`math500`), `bundled` (all of them), `none` (nothing; only allowed alone), or a file path."""
    if NONE in specs:
        if len(specs) > 1:
            raise RingdataError(f"evaluation sets: {NONE!r} cannot be combined with other sets ({', '.join(specs)})")
        return ()
    out: list[Path] = []
    for spec in specs:
        if spec == ALL:
            out += DEFAULT_EVALSETS
        elif spec in BUNDLED_EVALSETS:
            out.append(EVALSET_DIR / f"{spec}.jsonl")
        elif Path(spec).is_file():
            out.append(Path(spec))
        else:
            raise RingdataError(
                f"evaluation set {spec!r} is neither a bundled set ({', '.join(BUNDLED_EVALSETS)}, "
                f"or {ALL!r} for all, {NONE!r} for none) nor a file"
            )
    return tuple(dict.fromkeys(out))


def set_names(evalsets: Sequence[Path]) -> list[str]:
    """Report names: the file stem (a bundled set's name), or the path when two stems collide."""
    stems = [Path(p).stem for p in evalsets]
    return [stem if stems.count(stem) == 1 else str(p) for stem, p in zip(stems, evalsets)]


def _label(source: str, pid: str) -> str:
    return f"{source}:{pid[len(source) + 1:] if pid.startswith(source + '/') else pid}"


def read_evalset(path: Path) -> pl.DataFrame:
    """One evaluation file as (label, question)."""
    from ringdata.core.io.problems import ReadConfig, read_problems
    from ringdata.core.io.readers import read_raw

    try:
        frame = read_problems([path], ReadConfig(domain="math")).frame  # domain is unused here
        labels = []
        for n, (source, pid, question) in enumerate(frame.select("source", "id", "question").iter_rows()):
            own = pid if pid != make_id(source, question) else str(n)  # no id in the file: its row
            labels.append(_label(source, own))
        text = frame.select(match_text_expr("question", "choices")).to_series()
        return pl.DataFrame({"label": labels, MATCH_TEXT: text, "question": frame["question"]})
    except DataError as first:
        raw = read_raw(path)
        field = next((f for f in _TEXT_FIELDS if raw.rows and f in raw.rows[0]), None)
        if field is None:
            raise DataError(
                f"cannot read it as an evaluation set ({first.message})",
                file=str(path),
                hint=f"give it one of the columns {', '.join(_TEXT_FIELDS)}, or a format ringdata reads",
            ) from None
        stem = path.name.split(".")[0]
        labels, texts = [], []
        for row, n in zip(raw.rows, raw.row_numbers):
            value = row.get(field)
            if not isinstance(value, str):
                raise DataError("expected text", file=str(path), row=n, field=field)
            own = next((row[k] for k in _ID_FIELDS if row.get(k) is not None), n)
            labels.append(f"{stem}:{own}")
            texts.append(value)
        frame = pl.DataFrame({"label": labels, "question": texts}, schema={"label": pl.Utf8, "question": pl.Utf8})
        return frame.select("label", match_text_expr("question", None), "question")


@dataclass(frozen=True)
class GramTable:
    """Sorted unique hashes plus a bitmap of their top `bits` bits, a cheap first filter: with
    2^24 bits (16 MB as bools) for ~250k n-grams, about 1.5% of lookups reach the binary search."""

    hashes: np.ndarray
    bitmap: np.ndarray
    shift: np.uint64

    @classmethod
    def of(cls, hashes: np.ndarray, bits: int = 24) -> "GramTable":
        hashes = np.unique(hashes)
        shift = np.uint64(64 - bits)
        bitmap = np.zeros(1 << bits, dtype=bool)
        bitmap[hashes >> shift] = True
        return cls(hashes, bitmap, shift)

    def find(self, values: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
        """Positions (into `values`, or the subset `at`) whose value is in the table."""
        h = values if at is None else values[at]
        cand = np.flatnonzero(self.bitmap[h >> self.shift])
        if not len(cand) or not len(self.hashes):
            return cand if at is None else at[cand]
        v = h[cand]
        pos = np.searchsorted(self.hashes, v)
        pos[pos == len(self.hashes)] = 0
        cand = cand[self.hashes[pos] == v]
        return cand if at is None else at[cand]


@dataclass(frozen=True)
class EvalIndex:
    """The n-gram hashes of every evaluation item: `full` for n-grams, `short` for the one gram
    of an item shorter than n (by its length), and the table naming the item behind a hash."""

    labels: pl.DataFrame  # item, label, set_order, grams (its distinct n-grams after filtering)
    full: GramTable
    short: GramTable
    short_lengths: frozenset[int]
    short_first: GramTable  # first tokens of the short items: where a short match can start
    owners: pl.DataFrame  # h (UInt64), item (Int64)

    @property
    def size(self) -> int:
        return self.labels.height


@lru_cache(maxsize=4)
def build_index(ngram: int, evalsets: tuple[Path, ...], min_tokens: int, max_items: int) -> EvalIndex:
    """The index of `evalsets` (cached: every curate run in a process reuses it)."""
    parts = [read_evalset(Path(p)).with_columns(pl.lit(k).alias("set_order")) for k, p in enumerate(evalsets)]
    items = pl.concat(parts) if parts else pl.DataFrame(schema={"label": pl.Utf8, MATCH_TEXT: pl.Utf8, "question": pl.Utf8, "set_order": pl.Int32})
    tokens = HashedTokens(compared_text(items[MATCH_TEXT]))
    grams, item = tokens.ngrams(ngram, mixed=False)
    length = np.minimum(tokens.lengths, ngram)[item]
    ok = tokens.lengths[item] >= min_tokens
    grams, item, length = grams[ok], item[ok], length[ok]
    # An n-gram shared by two different evaluation texts is boilerplate (Asymptote preambles,
    # "Enter your answer as ..."): it identifies neither item, and training sets are full of it.
    text_id = items[MATCH_TEXT].rank("dense").to_numpy()[item]
    spread = pl.DataFrame({"h": grams, "t": text_id}).group_by("h").agg(pl.col("t").n_unique().alias("k"))
    common = spread.filter(pl.col("k") > max_items)["h"].to_numpy()
    ok = ~np.isin(grams, common)
    grams, item, length = grams[ok], item[ok], length[ok]
    owners = pl.DataFrame({"h": grams, "item": item}).unique()
    labels = items.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("item"), "label", "set_order").join(
        owners.group_by("item").len("grams"), on="item"
    )
    is_short = length < ngram
    short_items = np.unique(item[is_short])
    return EvalIndex(
        labels,
        GramTable.of(grams[~is_short]),
        GramTable.of(grams[is_short], bits=16),
        frozenset(int(x) for x in np.unique(length[is_short])),
        GramTable.of(tokens.hashes[tokens.starts[short_items]], bits=16),
        owners,
    )


def find_hits(texts: pl.Series, index: EvalIndex, ngram: int, offset: int = 0) -> pl.DataFrame:
    """(doc, h): every evaluation n-gram `h` found in each match text (`doc` counts from `offset`)."""
    tokens = HashedTokens(compared_text(texts))
    text_end = tokens.starts + tokens.lengths
    starts = index.short_first.find(tokens.hashes) if index.short_lengths else None
    found_h, found_d = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
    for length, running in tokens.prefix_grams(ngram):
        if length == ngram:
            at = index.full.find(running)
        elif length in index.short_lengths:
            at = index.short.find(running, starts)
        else:
            continue
        doc = np.searchsorted(tokens.starts, at, side="right") - 1
        inside = at + length <= text_end[doc]
        found_h.append(running[at[inside]])
        found_d.append(doc[inside])
    doc = np.concatenate(found_d).astype(np.int64) + offset
    return pl.DataFrame({"doc": doc, "h": np.concatenate(found_h)}, schema={"doc": pl.Int64, "h": pl.UInt64}).unique()


def overlaps(hits: pl.DataFrame, index: EvalIndex, template_rows: int = 0) -> pl.DataFrame:
    """One row per (doc, item) sharing an n-gram: `n` shared n-grams, `raw` = n / the item's
    n-grams, and `coverage`, the same share counted over the item's n-grams that are not template
    text (found in `template_rows` or more training rows; 0 = no template rule). An item whose
    every n-gram is template has `coverage` = `raw`: its whole text recurs, which is no template."""
    template = (
        hits.group_by("h").len("rows").filter(pl.col("rows") >= template_rows)["h"]
        if template_rows > 0 else pl.Series("h", [], pl.UInt64)
    )  # fmt: skip
    per_item = index.owners.filter(pl.col("h").is_in(template.implode())).group_by("item").len("template")
    labels = index.labels.join(per_item, on="item", how="left").with_columns(pl.col("template").fill_null(0))
    distinct = pl.col("grams") - pl.col("template")
    return (
        hits.with_columns(pl.col("h").is_in(template.implode()).alias("is_template"))
        .join(index.owners, on="h")
        .group_by("doc", "item")
        .agg(pl.len().alias("n"), (~pl.col("is_template")).sum().alias("n_distinct"))
        .join(labels, on="item")
        .with_columns((pl.col("n") / pl.col("grams")).alias("raw"))
        .with_columns(
            pl.when(distinct > 0).then(pl.col("n_distinct") / distinct).otherwise(pl.col("raw")).alias("coverage")
        )
    )


def contamination(texts: pl.Series, index: EvalIndex, ngram: int, min_coverage: float = 0.0,
                  template_rows: int = 0, copy_coverage: float = 1.0) -> pl.DataFrame:
    """For each match text, the evaluation item it overlaps most: `label` and `set_order`, null
    when it contains none (see `DecontamConfig` for the rule); and `template_only`, true for a
    text whose overlap reached `min_coverage` only through template text."""
    return resolve(find_hits(texts, index, ngram), len(texts), index, min_coverage, template_rows, copy_coverage)


def resolve(hits: pl.DataFrame, n_docs: int, index: EvalIndex, min_coverage: float, template_rows: int,
            copy_coverage: float) -> pl.DataFrame:
    """`contamination` from the hits of all `n_docs` texts (template text is counted over all)."""
    out = pl.DataFrame({"doc": np.arange(n_docs, dtype=np.int64)})
    pairs = overlaps(hits, index, template_rows)
    flagged = (pl.col("coverage") >= min_coverage) | (pl.col("raw") >= copy_coverage)
    best = (
        pairs.filter(flagged)
        .sort(["doc", "n", "set_order", "label"], descending=[False, True, False, False])
        .group_by("doc", maintain_order=True)
        .first()
    )
    template_only = pairs.filter(~flagged & (pl.col("raw") >= min_coverage)).select("doc").unique()
    return (
        out.join(best.select("doc", "label", "set_order"), on="doc", how="left")
        .join(template_only.with_columns(pl.lit(True).alias("template_only")), on="doc", how="left")
        .with_columns(pl.col("template_only").fill_null(False) & pl.col("label").is_null())
        .sort("doc")
    )


@dataclass
class Decontaminate:
    """Drop rows that contain an evaluation item (see the module docstring). Notes: drops per
    evaluation set, and the rows kept because their overlap was template text only."""

    config: DecontamConfig = DecontamConfig()
    name: str = "decontaminate"
    notes: dict[str, object] = field(default_factory=dict)

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        c = self.config
        index = build_index(c.ngram, tuple(c.evalsets), c.min_tokens, c.max_items)
        advance = ctx.task(f"{self.name} ({index.size} eval items)", frame.height)
        frame = with_match_text(frame)
        texts = frame[MATCH_TEXT]
        parts = map_slices(lambda at, n: find_hits(texts.slice(at, n), index, c.ngram, at), frame.height, c.batch, advance)
        hits = pl.concat(parts) if parts else pl.DataFrame(schema={"doc": pl.Int64, "h": pl.UInt64})
        found = resolve(hits, frame.height, index, c.min_coverage, c.template_rows, c.copy_coverage)
        names = set_names(c.evalsets)
        counts = dict(found.drop_nulls("set_order").group_by("set_order").len().iter_rows())
        self.notes["dropped by evalset"] = {name: counts.get(k, 0) for k, name in enumerate(names)}
        self.notes["kept: template-only overlap"] = int(found["template_only"].sum())
        match = found["label"]
        return frame.with_columns(
            pl.when(match.is_not_null()).then(pl.lit(CONTAMINATED)).otherwise(None).cast(pl.Utf8).alias(DROP_REASON),
            match.alias(DROP_MATCH),
        )


def decontam_steps(config: DecontamConfig = DecontamConfig()) -> list[Step]:
    """The decontamination pass: one step (a single n-gram lookup needs no more)."""
    return [Decontaminate(config)]


def item_questions(evalsets: tuple[Path, ...], labels: set[str]) -> dict[str, str]:
    """The question text of the evaluation items `labels` (`<set>:<item id>`, as in `drop_match`),
    for the report to show beside each contaminated row what it matched."""
    out: dict[str, str] = {}
    for path in evalsets:
        if len(out) == len(labels):
            break
        try:
            items = read_evalset(Path(path))
        except DataError:
            continue
        for label, question in items.filter(pl.col("label").is_in(list(labels))).select("label", "question").iter_rows():
            out.setdefault(label, question)
    return out
