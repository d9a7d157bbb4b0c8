"""The gold-answer parse check, fast: most golds never reach the LaTeX parser, and none twice.

Curation drops a math problem whose gold answer `rewards.math` cannot parse (`unparsable_gold`):
every response to it would score 0. Asking the parser costs a few milliseconds per answer in a
worker process (math-verify's LaTeX grammar, then sympy): on MATH train + test (4,290 distinct
answers) that was 21 of the 24 seconds of `ringdata curate`. Two things make it cheap:

- `simple_gold` (`rewards.math.fast`, which the grader's own gold check shares) recognises the
  answers most golds are, in microseconds and without the parser:
  integers, decimals, fractions (`\\frac{3}{4}`, `\\dfrac34`, `-5/4`), `\\sqrt`, `\\pi`, `\\infty`,
  sums and products of these and of one-letter variables (`2x - 20`), `\\pm`, powers, degrees,
  percent, a unit in `\\text{}` after them, tuples, lists, intervals and unions, matrices (95% of
  the distinct golds of MATH, GSM8K, AIME and AMC). It only ever says "parsable": what it does
  not recognise goes to the parser. So it has to be right only when it says yes, and a test holds
  it to the parser's verdict on every bundled gold and on generated ones.
- `GoldCache` keeps the parser's verdicts on disk (SQLite), keyed by the answer text and by the
  verifier's identity (a hash of the `rewards/math/` package's modules plus the versions of math-verify,
  latex2sympy2_extended, sympy, confusable-homoglyphs and pylatexenc): a re-run parses nothing, and a changed grader starts afresh.

What is left is parsed on all cores (`rewards.pool.VerifierPool`, killed and replaced on timeout:
a gold that takes longer than the pool's bound to parse is unparsable, as before).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ringdata.core.cache import cache_root
from ringdata.curate.parallel import cores

DEFAULT_CACHE = cache_root() / "gold_check.sqlite"  # read at import: ringdata.core.cache says where
PER_WORKER = 256  # answers per extra parse worker: starting one costs ~1.3 s of CPU (sympy and
#                   math-verify imports), about what it takes to parse 250 golds

# ---- the recogniser ----------------------------------------------------------------------------


def simple_gold(answer: str) -> bool:
    """True when `answer` is one of the simple forms the LaTeX parser always reads; False means
    "ask the parser". The recogniser lives with the math grader (`rewards.math.fast`), which takes
    the same shortcut in its own gold check."""
    from rewards.math.fast import simple_gold as recognised

    return recognised(answer)


# ---- the cache ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def verifier_identity() -> str:
    """What a cached verdict depends on: the grader's source and the parser's versions."""
    from importlib.metadata import PackageNotFoundError, version

    import rewards.math

    h = hashlib.sha256()
    for module in sorted(Path(rewards.math.__file__).parent.glob("*.py")):  # every stage, the canonical form included
        h.update(module.name.encode() + b"\0" + module.read_bytes())
    for pkg in ("math-verify", "latex2sympy2_extended", "sympy", "confusable-homoglyphs", "pylatexenc"):
        try:
            h.update(f"{pkg}={version(pkg)}".encode())
        except PackageNotFoundError:
            h.update(f"{pkg}=?".encode())
    return h.hexdigest()[:16]


class GoldCache:
    """The parser's verdicts on disk: (verifier identity, answer text) -> parsable. A cache that
    cannot be opened or written (read-only home, a locked file) is skipped, never an error."""

    def __init__(self, path: Path | None, identity: str) -> None:
        self.identity = identity
        self.db: sqlite3.Connection | None = None
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30)
            self.db.execute("CREATE TABLE IF NOT EXISTS verdicts (verifier TEXT, answer TEXT, ok INTEGER, "
                            "PRIMARY KEY (verifier, answer)) WITHOUT ROWID")  # fmt: skip
        except (OSError, sqlite3.Error):
            self.db = None

    def get(self, answers: Sequence[str]) -> dict[str, bool]:
        if self.db is None or not answers:
            return {}
        out: dict[str, bool] = {}
        try:
            for at in range(0, len(answers), 500):
                part = list(answers[at : at + 500])
                marks = ",".join("?" * len(part))
                rows = self.db.execute(
                    f"SELECT answer, ok FROM verdicts WHERE verifier = ? AND answer IN ({marks})", [self.identity, *part]
                )
                out.update((a, bool(ok)) for a, ok in rows)
        except sqlite3.Error:
            return {}
        return out

    def put(self, verdicts: dict[str, bool]) -> None:
        if self.db is None or not verdicts:
            return
        try:
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?)",
                    [(self.identity, a, int(ok)) for a, ok in verdicts.items()],
                )
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


# ---- the check ---------------------------------------------------------------------------------


def parse_golds(answers: Sequence[str]) -> list[bool]:
    """The full parser's verdict on each answer (`rewards.math.equivalence.gold_check`), in worker processes
    started for this call: one per `PER_WORKER` answers, up to one per core."""
    if not answers:
        return []
    from rewards.math.equivalence import gold_check
    from rewards.pool import PoolConfig, VerifierPool

    # only what parsing needs is preloaded (the grading pool's pint and rewards.grade are not)
    workers = min(cores(), -(-len(answers) // PER_WORKER))
    with VerifierPool(PoolConfig(workers=workers, preload=("rewards.math", "math_verify"))) as pool:
        outcomes = pool.map(gold_check, [(a,) for a in answers], chunk=64)
    return [o.status == "ok" and bool(o.value) for o in outcomes]


@dataclass
class GoldStats:
    """Where the verdicts came from, for the report."""

    answers: int = 0  # distinct answers checked
    simple: int = 0  # recognised without the parser
    cached: int = 0  # read from the cache
    parsed: int = 0  # sent to the parser

    def as_notes(self) -> dict[str, int]:
        return {"distinct answers": self.answers, "simple (no parser)": self.simple,
                "from cache": self.cached, "parsed": self.parsed}  # fmt: skip


@dataclass
class GoldChecker:
    """`checker(answers) -> [parsable]`: recogniser, then cache, then parser; `stats` counts each."""

    cache_path: Path | None = DEFAULT_CACHE
    parse: Callable[[Sequence[str]], list[bool]] = parse_golds
    stats: GoldStats = field(default_factory=GoldStats)

    def __call__(self, answers: Sequence[str]) -> list[bool]:
        answers = list(answers)
        verdict = {a: True for a in answers if simple_gold(a)}
        rest = [a for a in dict.fromkeys(answers) if a not in verdict]
        cache = GoldCache(self.cache_path, verifier_identity()) if rest else None
        try:
            cached = cache.get(rest) if cache else {}
            verdict.update(cached)
            todo = [a for a in rest if a not in cached]
            parsed = dict(zip(todo, self.parse(todo)))
            verdict.update(parsed)
            if cache:
                cache.put(parsed)
        finally:
            if cache:
                cache.close()
        self.stats = GoldStats(len(set(answers)), len(set(answers)) - len(rest), len(cached), len(todo))
        return [verdict[a] for a in answers]
