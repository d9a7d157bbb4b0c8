"""Exact and near-duplicate removal.

Both compare the *match text* (`ringdata.curate.textnorm`: the question plus any multiple-choice
options, LaTeX delimiters, case and punctuation folded away, math operators kept), never the raw
bytes, so a problem re-typed with `\\(x^{2}\\)` instead of `$x^2$` is still the same problem.

Survivor rule (both kinds): in every group of duplicates the row with the smallest `id` (plain
string order) stays; every other row is dropped with `drop_match` = that survivor's id. The
survivor therefore does not depend on the order of the input files or rows. Exact dedup runs first,
so a near-duplicate cluster is formed from exact-dedup survivors only.

Near dedup is MinHash + LSH over word shingles (after datatrove's `dedup/minhash.py`, and Broder's
resemblance estimate), in three named steps that share one frozen `DedupConfig`:

1. `MinHashSignatures`: `num_perm` 32-bit min-hashes per row over its `shingle`-word shingles;
2. `LSHBuckets`: `bands` bands of `rows` hashes each; rows sharing any band key are candidates;
3. `NearDupClusters`: each candidate pair's *exact* Jaccard over its shingle sets is checked
   against `threshold` (so LSH only has to find pairs, never to decide them), accepted pairs are
   joined into clusters (connected components), and all but the survivor are dropped.

A cluster is transitive: if A~B and B~C, C is dropped in favour of A even when A and C are
below the threshold, as in every MinHash dedup.

Two refinements for problems with gold answers (on MATH train + test, 102 of the 105 near
duplicates the plain rule dropped had a different gold than their survivor: one template, other
numbers or another question, so distinct RL problems):
- near dedup compares the match text without Asymptote figure code (`[asy]...[/asy]`): drawing
  code is long and shared by unrelated problems, so it drowned the words that differ;
- a math or science pair whose gold answers differ (compared as match text, so `\\frac12` is
  `1/2`) is kept apart (`DedupConfig.keep_different_answers`, on by default), and so is a pair
  whose figures differ (both have figure code, and its token sets overlap less than 80%); the
  step's notes count those pairs and the rows they kept. Equal answers are an equivalence, so
  such clusters stay consistent: every row of a cluster has its survivor's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl
import pyarrow as pa

from ringdata.curate.base import DROP_MATCH, DROP_REASON, Step, StepContext, keep_all
from ringdata.curate.parallel import map_slices
from ringdata.curate.textnorm import ASY, MATCH_TEXT, HashedTokens, match_text_expr, with_match_text

EXACT = "exact_duplicate"
NEAR = "near_duplicate"
SIGNATURE = "_minhash"  # working column: Array(UInt32, num_perm)
CANDIDATES = "_near_candidates"  # working column: `_near_row`s of larger-id rows sharing a bucket
ROW = "_near_row"  # working column: a row number fixed by MinHashSignatures (survives filtering)

_U32 = np.uint32


def lsh_params(threshold: float, num_perm: int, fn_weight: float) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm that minimise the weighted area under the LSH
    S-curve P(candidate | J) = 1 - (1 - J^rows)^bands below `threshold` (false positives) and
    above it (false negatives), as datasketch's `_optimal_param` does. Because every candidate
    is verified exactly afterwards, a false positive costs only one check: `fn_weight` > 0.5
    trades more checks for fewer missed duplicates."""
    grid = np.linspace(0.0, 1.0, 2001)
    best, best_cost = (1, num_perm), float("inf")
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        p = 1.0 - (1.0 - grid**rows) ** bands
        fp = np.trapezoid(np.where(grid < threshold, p, 0.0), grid)
        fn = np.trapezoid(np.where(grid >= threshold, 1.0 - p, 0.0), grid)
        cost = (1.0 - fn_weight) * fp + fn_weight * fn
        if cost < best_cost:
            best, best_cost = (bands, rows), cost
    return best


@dataclass(frozen=True)
class DedupConfig:
    threshold: float = 0.8  # Jaccard over shingle sets at or above which two rows are near-dups
    shingle: int = 5  # words per shingle; a text shorter than this is one shingle, itself
    num_perm: int = 64  # min-hashes per row (256 bytes); candidates are checked exactly, so
    # 64 suffices: P(candidate) is 0.95 at J=0.8 and 0.99 at J=0.85 (128 perms: the same, 2x slower)
    bands: int | None = None  # None = `lsh_params`: 10 bands x 6 rows for 64 perms at 0.8
    fn_weight: float = 0.95  # weight of a missed pair vs an extra exact check, choosing bands
    seed: int = 42  # min-hash permutation seed: same seed, same signatures
    max_bucket: int = 200  # a bucket with more rows is paired star-wise to its smallest id only
    chunk_tokens: int = 16_384  # shingles hashed per block: keeps the block in CPU cache
    keep_different_answers: bool = True  # a pair whose gold answers differ is two problems, not one
    answer_domains: tuple[str, ...] = ("math", "science")  # where gold answers are compared

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.shingle < 1 or self.num_perm < 1:
            raise ValueError("shingle and num_perm must be at least 1")
        if self.bands is not None and not 1 <= self.bands <= self.num_perm:
            raise ValueError(f"bands must be in [1, num_perm], got {self.bands}")

    @cached_property
    def band_rows(self) -> tuple[int, int]:
        """(bands, rows). The default puts the S-curve's steep part just below the threshold
        (its 50% point at J ~ 0.64, 1 - (1 - 0.8^6)^10 = 0.95 at the threshold) because a
        candidate below the threshold costs one exact check, while a missed pair stays in."""
        if self.bands is not None:
            return self.bands, self.num_perm // self.bands
        return lsh_params(self.threshold, self.num_perm, self.fn_weight)

    @cached_property
    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        """Multipliers (odd) and offsets of the family h(x) = a * x + b mod 2^32, applied to the
        top 32 bits of the shingle hashes (random linear combinations of 64-bit token hashes, so
        already well spread), as datasketch applies a * x + b mod p to SHA-1 hashes."""
        rng = np.random.default_rng(self.seed)
        a = rng.integers(0, 2**32, size=self.num_perm, dtype=np.uint64).astype(_U32) | _U32(1)
        b = rng.integers(0, 2**32, size=self.num_perm, dtype=np.uint64).astype(_U32)
        return a, b


def _survivor_frame(frame: pl.DataFrame, group: pl.Expr, reason: str) -> pl.DataFrame:
    """Drop every row of a group except the smallest id; `group` null = not in any group."""
    frame = frame.with_columns(pl.col("id").rank("ordinal").alias("_rank"))  # unique even if ids repeat
    rank = pl.col("_rank")
    survivor = pl.col("id").min().over(group)  # the id of the smallest rank
    dropped = group.is_not_null() & (rank != rank.min().over(group))
    return frame.with_columns(
        pl.when(dropped).then(pl.lit(reason)).otherwise(None).cast(pl.Utf8).alias(DROP_REASON),
        pl.when(dropped).then(survivor).otherwise(None).cast(pl.Utf8).alias(DROP_MATCH),
    ).drop("_rank")


@dataclass(frozen=True)
class ExactDedup:
    """Rows with the same non-empty match text: keep the smallest id."""

    name: str = "exact_dedup"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        advance = ctx.task(self.name, frame.height)
        frame = with_match_text(frame)
        text = pl.when(pl.col(MATCH_TEXT) != "").then(pl.col(MATCH_TEXT))
        out = _survivor_frame(frame, text, EXACT)
        advance(frame.height)
        return out


def near_text(texts: pl.Series) -> pl.Series:
    """The match text near dedup compares: without Asymptote figure code."""
    return texts.str.replace_all(ASY, " ")


def _signatures(tokens: HashedTokens, config: DedupConfig) -> np.ndarray:
    """(texts, num_perm) min-hashes; a text without tokens gets all 0xFFFFFFFF (never bucketed)."""
    a, b = config.permutations
    grams, doc = tokens.ngrams(config.shingle, mixed=False)
    x = (grams >> np.uint64(32)).astype(_U32)
    sig = np.full((len(tokens), config.num_perm), np.iinfo(_U32).max, dtype=_U32)
    if not len(x):
        return sig
    first = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])  # segment starts, doc order
    bounds = np.r_[first, len(x)]
    step = max(1, config.chunk_tokens)
    buf = np.empty((min(step, len(x)) + 1, config.num_perm), dtype=_U32)
    i = 0
    while i < len(first):  # blocks of whole texts of about `chunk_tokens` shingles
        j = int(np.searchsorted(bounds, bounds[i] + step, side="right")) - 1
        j = max(j, i + 1)
        lo, hi = bounds[i], bounds[j]
        if hi - lo > len(buf):
            buf = np.empty((hi - lo, config.num_perm), dtype=_U32)
        block = buf[: hi - lo]
        np.multiply(x[lo:hi, None], a[None, :], out=block)
        block += b
        sig[doc[first[i:j]]] = np.minimum.reduceat(block, first[i:j] - lo, axis=0)
        i = j
    return sig


@dataclass(frozen=True)
class MinHashSignatures:
    """Add `_minhash`: `num_perm` min-hashes of the row's word shingles."""

    config: DedupConfig = DedupConfig()
    name: str = "minhash"
    batch: int = 50_000  # rows tokenised at a time: bounds memory on millions of rows

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        advance = ctx.task(self.name, frame.height)
        frame = with_match_text(frame)
        texts = frame[MATCH_TEXT]
        parts = map_slices(lambda at, n: _signatures(HashedTokens(near_text(texts.slice(at, n))), self.config),
                           frame.height, self.batch, advance)
        sig = np.concatenate(parts) if parts else np.zeros((0, self.config.num_perm), _U32)
        return keep_all(frame.with_columns(
            pl.Series(SIGNATURE, sig, dtype=pl.Array(pl.UInt32, self.config.num_perm)),
            pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW),
        ))  # fmt: skip


@dataclass(frozen=True)
class LSHBuckets:
    """Add `_near_candidates`: for each row, the `_near_row` of every row with a larger id that
    shares an LSH bucket with it (integers, so the next step needs no string joins)."""

    config: DedupConfig = DedupConfig()
    name: str = "lsh_buckets"

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        advance = ctx.task(self.name, frame.height)
        bands, rows = self.config.band_rows
        sig = frame[SIGNATURE].to_numpy().reshape(frame.height, self.config.num_perm)
        empty = (sig == np.iinfo(_U32).max).all(axis=1)
        coef = (np.arange(1, rows + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) | np.uint64(1)
        banded = sig[:, : bands * rows].reshape(frame.height, bands, rows).astype(np.uint64)
        with np.errstate(over="ignore"):
            keys = (banded * coef).sum(axis=2, dtype=np.uint64)
        keys ^= np.arange(bands, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)  # one key space
        keys[empty] = 0
        flat = pl.Series(keys.ravel())
        shared = np.flatnonzero(flat.is_duplicated().to_numpy() & (keys.ravel() != 0))  # hash-based
        table = pl.DataFrame({"row": shared // bands, "key": keys.ravel()[shared]})
        pairs = _bucket_pairs(table, frame["id"], self.config.max_bucket)
        a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
        order = np.argsort(a, kind="stable")
        offsets = np.r_[0, np.cumsum(np.bincount(a, minlength=frame.height))].astype(np.int64)
        values = frame[ROW].to_numpy()[b[order]].astype(np.int64)
        lists = pl.Series(pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(values)))
        advance(frame.height)
        return keep_all(frame.with_columns(lists.alias(CANDIDATES)))


def _bucket_pairs(table: pl.DataFrame, ids: pl.Series, max_bucket: int) -> pl.DataFrame:
    """Candidate pairs (a, b), a < b by id order, from rows sharing a (band, key) bucket: every
    pair in a bucket of at most `max_bucket` rows, else each row paired with the bucket's
    smallest id (a bucket that big is almost always boilerplate; the star keeps it linear)."""
    rank = ids.rank("ordinal").cast(pl.Int64).to_numpy() - 1  # id order, independent of input order
    t = table.with_columns(pl.Series("r", rank[table["row"].to_numpy()]))
    sized = t.with_columns(pl.len().over("key").alias("size")).filter(pl.col("size") > 1)
    small = sized.filter(pl.col("size") <= max_bucket).select("key", "r")
    allpairs = small.join(small, on="key", suffix="_b").filter(pl.col("r") < pl.col("r_b"))
    big = sized.filter(pl.col("size") > max_bucket).with_columns(pl.col("r").min().over("key").alias("m"))
    star = big.filter(pl.col("r") != pl.col("m")).select(pl.col("m").alias("r"), pl.col("r").alias("r_b"))
    pairs = pl.concat([allpairs.select("r", "r_b"), star]).unique()
    order = np.argsort(rank)  # rank -> row
    return pl.DataFrame({"a": order[pairs["r"].to_numpy()], "b": order[pairs["r_b"].to_numpy()]})


def _candidate_pairs(frame: pl.DataFrame) -> pl.DataFrame:
    """(ra, rb): current positions of the candidate pairs, from `_near_candidates` (rows that
    left the frame since LSHBuckets ran are skipped)."""
    arrow = frame[CANDIDATES].to_arrow()
    if hasattr(arrow, "combine_chunks"):
        arrow = arrow.combine_chunks()
    offsets = np.asarray(arrow.offsets, dtype=np.int64)
    values = arrow.values.to_numpy(zero_copy_only=False)[offsets[0] : offsets[-1]]
    rows = frame[ROW].to_numpy()
    size = int(max(rows.max(initial=-1), values.max(initial=-1))) + 1
    position = np.full(size, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    ra = np.repeat(np.arange(len(rows), dtype=np.int64), np.diff(offsets))
    rb = position[values] if len(values) else values.astype(np.int64)
    keep = rb >= 0
    return pl.DataFrame({"ra": ra[keep], "rb": rb[keep]}, schema={"ra": pl.Int64, "rb": pl.Int64})


def _components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected components of n nodes: each node's smallest member (min-label propagation with
    pointer jumping, vectorised; converges in about log(diameter) rounds)."""
    labels = np.arange(n)
    while True:
        new = labels.copy()
        np.minimum.at(new, u, labels[v])
        np.minimum.at(new, v, labels[u])
        np.minimum.at(new, labels[u], new[u])  # hook the old roots too, so clusters merge fast
        np.minimum.at(new, labels[v], new[v])
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new


def _survivors(frame: pl.DataFrame, accepted: pl.DataFrame) -> np.ndarray:
    """For each row, the row of its cluster's survivor (smallest id), or -1 when it survives."""
    survivor = np.full(frame.height, -1, dtype=np.int64)
    if accepted.height:
        rank = frame["id"].rank("ordinal").cast(pl.Int64).to_numpy() - 1
        nodes = np.unique(np.r_[accepted["ra"].to_numpy(), accepted["rb"].to_numpy()])
        nodes = nodes[np.argsort(rank[nodes])]  # local index order = id order
        local = np.empty(frame.height, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        labels = _components(len(nodes), local[accepted["ra"].to_numpy()], local[accepted["rb"].to_numpy()])
        moved = labels != np.arange(len(nodes))
        survivor[nodes[moved]] = nodes[labels[moved]]
    return survivor


def _different_answers(frame: pl.DataFrame, pairs: pl.DataFrame, domains: tuple[str, ...]) -> pl.Series:
    """For each pair, whether both rows have a gold answer in `domains` and the two differ."""
    if not pairs.height or "answer" not in frame.columns:
        return pl.Series([False] * pairs.height, dtype=pl.Boolean)
    answer = pl.col("answer")
    has = answer.is_not_null() & (answer.str.strip_chars() != "") & pl.col("domain").is_in(list(domains))
    key = frame.select(pl.when(has).then(match_text_expr("answer", None))).to_series()
    a, b = key.gather(pairs["ra"]), key.gather(pairs["rb"])
    return (a.is_not_null() & b.is_not_null() & (a != b)).fill_null(False)


def _different_figures(frame: pl.DataFrame, pairs: pl.DataFrame, same: float = 0.8) -> pl.Series:
    """For each pair, whether both rows carry figure code and the figures differ (Jaccard of their
    token sets below `same`): near dedup compares the words only, and "In the diagram, what is
    $x$?" over two different drawings is two problems. A Python loop, but over accepted pairs
    that both have a figure only (tens on MATH), never over rows."""
    if not pairs.height:
        return pl.Series([], dtype=pl.Boolean)
    figures = frame[MATCH_TEXT].str.extract_all(ASY).list.join(" ")
    a, b = figures.gather(pairs["ra"]).to_list(), figures.gather(pairs["rb"]).to_list()
    out = []
    for fa, fb in zip(a, b):
        if not fa or not fb:
            out.append(False)
            continue
        ta, tb = set(fa.split()), set(fb.split())
        out.append(len(ta & tb) / len(ta | tb) < same)
    return pl.Series(out, dtype=pl.Boolean)


@dataclass
class NearDupClusters:
    """Verify candidate pairs by exact shingle Jaccard, keep pairs with different gold answers
    apart, cluster, keep each cluster's smallest id. Notes count the pairs kept apart."""

    config: DedupConfig = DedupConfig()
    name: str = "near_dedup"
    notes: dict[str, object] = field(default_factory=dict)

    def __call__(self, frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
        advance = ctx.task(self.name, frame.height)
        frame = with_match_text(frame)
        pairs = _candidate_pairs(frame)
        accepted = self._accepted(frame, pairs) if pairs.height else pairs
        figures = _different_figures(frame, accepted)
        answers = (_different_answers(frame, accepted, self.config.answer_domains)
                   if self.config.keep_different_answers else pl.Series([False] * accepted.height, dtype=pl.Boolean))
        dropped_before = int((_survivors(frame, accepted) >= 0).sum())
        accepted = accepted.filter(~(figures | answers))
        survivor = _survivors(frame, accepted)
        self.notes["pairs kept apart: different gold answers"] = int(answers.sum())
        self.notes["pairs kept apart: different figures"] = int((figures & ~answers).sum())
        self.notes["rows kept by them"] = dropped_before - int((survivor >= 0).sum())
        dropped = pl.Series(survivor >= 0)
        match = frame["id"].gather(np.maximum(survivor, 0))
        match = pl.select(pl.when(dropped).then(match)).to_series().alias(DROP_MATCH)
        advance(frame.height)
        frame = frame.drop(SIGNATURE, CANDIDATES, ROW, strict=False)  # done with them: free the memory
        return frame.with_columns(
            pl.when(match.is_not_null()).then(pl.lit(NEAR)).otherwise(None).cast(pl.Utf8).alias(DROP_REASON),
            match,
        )

    def _accepted(self, frame: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
        """The candidate pairs whose exact Jaccard over shingle hashes reaches the threshold."""
        involved = np.unique(np.r_[pairs["ra"].to_numpy(), pairs["rb"].to_numpy()])
        tokens = HashedTokens(near_text(frame[MATCH_TEXT].gather(involved)))
        grams, doc = tokens.ngrams(self.config.shingle, mixed=False)
        shingles = pl.DataFrame({"row": involved[doc], "h": grams}).unique()
        sizes = shingles.group_by("row").len("n")
        both = (
            pairs.select("ra", "rb")
            .join(shingles, left_on="ra", right_on="row")
            .join(shingles, left_on=["rb", "h"], right_on=["row", "h"], how="semi")
            .group_by("ra", "rb")
            .len("inter")
        )
        return (
            both.join(sizes.rename({"row": "ra", "n": "na"}), on="ra")
            .join(sizes.rename({"row": "rb", "n": "nb"}), on="rb")
            .filter(pl.col("inter") / (pl.col("na") + pl.col("nb") - pl.col("inter")) >= self.config.threshold)
            .select("ra", "rb")
        )


def dedup_steps(config: DedupConfig = DedupConfig()) -> list[Step]:
    """Exact dedup, then the three near-dedup passes, all sharing `config`."""
    return [ExactDedup(), MinHashSignatures(config), LSHBuckets(config), NearDupClusters(config)]
