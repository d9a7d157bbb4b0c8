"""The gold-answer parse check, fast: most golds never reach the LaTeX parser, and none twice.

Curation drops a math problem whose gold answer `rewards.math` cannot parse (`unparsable_gold`):
every response to it would score 0. Asking the parser costs a few milliseconds per answer in a
worker process (math-verify's LaTeX grammar, then sympy): on MATH train + test (4,290 distinct
answers) that was 21 of the 24 seconds of `ringdata curate`. Two things make it cheap:

- `simple_gold` recognises the answers most golds are, in microseconds and without the parser:
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
import re
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

# One token: a number, a command, or one character. Spacing commands and \left/\right are
# presentation and are skipped, as math-verify skips them.
_TOKEN = re.compile(
    r"\s+|\\[,;:! ]|\\(?:left|right)\b"  # skipped
    r"|(\d{1,3}(?:\{,\}\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"  # 1: a number (1{,}000 too)
    r"|(\\begin\{pmatrix\}|\\end\{pmatrix\}|\\\\|\\[a-zA-Z]+|\\[%${}]|[a-zA-Z]|[-+*/^=,(){}\[\]&])"  # 2
)
_COMMANDS = {"\\frac", "\\dfrac", "\\tfrac", "\\sqrt", "\\pi", "\\infty", "\\cdot", "\\times", "\\circ", "\\pm",
             "\\%", "\\$", "\\cup", "\\le", "\\ge", "\\leq", "\\geq", "\\begin{pmatrix}", "\\end{pmatrix}",
             "\\\\"}  # fmt: skip
_FRAC = {"\\frac", "\\dfrac", "\\tfrac"}


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) tokens, kind "n" (number), "v" (one-letter variable) or "o" (anything else);
    None when the text holds something the recogniser does not know."""
    out, at = [], 0
    while at < len(text):
        m = _TOKEN.match(text, at)
        if m is None:
            return None
        at = m.end()
        if m.group(1):
            out.append(("n", m.group(1)))
        elif m.group(2):
            tok = m.group(2)
            if tok.startswith("\\") and tok not in _COMMANDS:
                return None
            out.append(("v" if tok.isalpha() else "o", tok))
    return out


class _NotSimple(Exception):
    pass


class _Recogniser:
    """Recursive descent over the grammar below; raises `_NotSimple` at the first surprise.

    answer := ["\\$"] items [suffix] | matrix          items := relation ("," relation)*
    relation := expr [("=" | "\\le" | "\\ge") expr]    suffix := "^\\circ" | "^{\\circ}" | "\\%"
    expr := ["-" | "+"] term (("+" | "-") term)*      term := power (["\\cdot" | "\\times" | "/"] power)*
    power := atom ["^" (digit | "{" expr "}")]        matrix := \\begin{pmatrix} row (\\\\ row)* \\end{pmatrix}
    row := expr ("&" expr)* (every row as wide)
    atom := number | variable | "\\pi" | "\\infty" | frac arg arg | "\\sqrt" arg | "{" expr "}"
          | ("(" | "[") expr ["," expr ...] (")" | "]") ["\\cup" atom]
    arg := "{" expr "}" | one digit                    (so \\frac34 and \\sqrt2 read as LaTeX does)

    Juxtaposition multiplies (`2\\sqrt3`, `3x`), except before a number (`3 4`, `x2`, `(2)3`:
    ambiguous) and a variable right after a variable (`xy` may be a word).
    """

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.at = 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        k = self.at + ahead
        return self.toks[k] if k < len(self.toks) else ("", "")

    def take(self, text: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if not tok[0] or (text is not None and tok[1] != text):
            raise _NotSimple
        self.at += 1
        return tok

    def answer(self) -> None:
        if self.peek()[1] == "\\begin{pmatrix}":
            self.take()
            self.matrix()
        else:
            if self.peek()[1] == "\\$":
                self.take()
            self.relation()
            while self.peek()[1] == ",":
                self.take()
                self.relation()
            if self.peek()[1] == "^":
                self.take()
                if self.peek()[1] == "{":
                    self.take("{"), self.take("\\circ"), self.take("}")
                else:
                    self.take("\\circ")
            elif self.peek()[1] == "\\%":
                self.take()
        if self.at != len(self.toks):
            raise _NotSimple

    def matrix(self) -> None:
        widths = {self.row()}
        while self.peek()[1] == "\\\\":
            self.take()
            widths.add(self.row())
        self.take("\\end{pmatrix}")
        if len(widths) != 1:
            raise _NotSimple  # ragged rows

    def row(self) -> int:
        self.expr()
        width = 1
        while self.peek()[1] == "&":
            self.take()
            self.expr()
            width += 1
        return width

    def relation(self) -> None:
        self.expr()
        if self.peek()[1] in ("=", "\\le", "\\ge", "\\leq", "\\geq"):
            self.take()
            self.expr()

    def expr(self) -> None:
        if self.peek()[1] in ("-", "+", "\\pm"):
            self.take()
        self.term()
        while self.peek()[1] in ("+", "-", "\\pm"):
            self.take()
            self.term()

    def term(self) -> None:
        last = self.power()
        while True:
            kind, text = self.peek()
            if text in ("\\cdot", "\\times", "/"):
                self.take()
                last = self.power()
            elif kind == "n" or kind == "v" and last == "v":
                raise _NotSimple  # "3 4", "x2", "(2)3", "xy"
            elif kind in ("n", "v") or text in _FRAC or text in ("\\sqrt", "\\pi", "\\infty", "(", "{"):
                last = self.power()
            else:
                return

    def power(self) -> str:
        kind = self.atom()
        if self.peek()[1] == "^" and self.peek(1)[1] != "\\circ" and self.peek(2)[1] != "\\circ":
            self.take()
            self.arg()
            return "o"
        return kind

    def arg(self) -> None:
        kind, text = self.peek()
        if text == "{":
            self.take()
            self.expr()
            self.take("}")
        elif kind == "n" and len(text) == 1:
            self.take()
        else:
            raise _NotSimple

    def atom(self) -> str:
        kind, text = self.take()
        if kind in ("n", "v"):
            return kind
        if text in ("\\pi", "\\infty"):
            return "o"
        if text in _FRAC:
            nxt = self.peek()
            if nxt[0] == "n" and len(nxt[1]) == 2 and "." not in nxt[1]:  # \frac34
                self.take()
            else:
                self.arg()
                self.arg()
            return "o"
        if text == "\\sqrt":
            self.arg()
            return "o"
        if text == "{":
            self.expr()
            self.take("}")
            return "o"
        if text in ("(", "["):
            self.expr()
            while self.peek()[1] == ",":
                self.take()
                self.expr()
            if self.peek()[1] not in (")", "]"):
                raise _NotSimple
            self.take()
            if self.peek()[1] == "\\cup":
                self.take()
                if self.peek()[1] not in ("(", "["):
                    raise _NotSimple
                self.atom()
            return "o"
        raise _NotSimple


# A unit after the answer ("10\\text{ cm}", "144 \\mbox{ m}^3", "5\\ \\text{USD}") and a final full stop:
# set aside before the grammar, as the parser's own extraction sets them aside.
_UNIT = re.compile(r"(.*?\S)\s*(?:\\[,;! ])?\s*\\(?:text|mbox|textnormal)\s*\{\s*[A-Za-z][A-Za-z ]*\}(?:\^\d)?")


@lru_cache(maxsize=65_536)
def simple_gold(answer: str) -> bool:
    """True when `answer` is one of the simple forms the LaTeX parser always reads (see the
    module docstring); False means "ask the parser", not "unparsable"."""
    if not answer or len(answer) > 200:
        return False
    text = answer.strip().removesuffix(".")
    unit = _UNIT.fullmatch(text)
    tokens = _tokens(unit.group(1) if unit else text)
    if not tokens:
        return False
    try:
        _Recogniser(tokens).answer()
    except (_NotSimple, RecursionError):
        return False
    return True


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
