"""Math rewards: extract the final answer from a response and decide whether it equals the gold.

Extraction (`extract_answer`), from the answer section only: the text after the last `</think>`
when there is one (a `<think>` that never closes is an unfinished response: no answer), its last
`\\boxed{}` / `\\fbox{}`, else the last "final answer is ...", else the last "#### ..." (GSM8K),
else the last "answer is ..." / "Answer: ...". No anchor, no answer: a bare last number is not
taken, because rewarding the last number of a derivation teaches guessing.

Equivalence (`check`), gold first, through math-verify with these normalisations before it:
- numbers: `1,000` (only when the whole answer is one grouped number), `1{,}000`, `1\\,000`,
  `1\\ 000`; `\\dfrac`/`\\tfrac`; `1.2e-3` and `1.2 \\cdot 10^{-3}` as `1.2\\times10^{-3}`.
- units: a trailing `\\text{cm}`, `\\mbox{...}`, `\\mathrm{...}` or plain word after a number is
  dropped when the gold carries no text; a leading `\\$` too. Degrees (`^\\circ`) are optional.
- percentages: when the gold is a percentage (`28\\%`) the numbers are compared and the sign is
  optional (`28`, `28\\%`, `28 percent` match; `0.28` does not); when the gold has no sign,
  `50\\%` matches gold `50` and gold `0.5`.
- equations: `x = 3` matches gold `3` and the reverse (math-verify takes the right-hand side).
- order: tuples `(a, b)`, intervals and matrices are ordered; sets `\\{a, b\\}` and bare lists
  `a, b` are not. `(1, 2)` as gold is read as an open interval and matches the tuple only when
  written the same way.
- text: `\\text{Monday}` matches `Monday` (case, spaces and `\\text` folded).
- exactness: math-verify rounds to 6 decimals, so it calls 1/2004! equal to 1/2006!; when both
  sides are exact (no decimals) and their difference is provably non-zero, the answer is wrong.
  A decimal answer still matches an exact gold when they agree to 6 decimals (0.3333333 = 1/3).
Asymmetry: the unit and `\\$` stripping apply to the response only; a gold that does not parse is
`unparsable_gold` even when the response happens to spell the same string.

Every call of `check` runs in a `VerifierPool` worker under a kill-based timeout; math-verify's own
SIGALRM timeouts are disabled (`parsing_timeout=None`, `timeout_seconds=None`) because the pool
already bounds the call and signals do not work outside the main thread.
"""

from __future__ import annotations

from collections.abc import Sequence

import atexit
import re
import threading
import warnings
from dataclasses import dataclass

from rewards.verdict import Reason

__all__ = ["MathConfig", "check", "extract_answer", "gold_is_parsable", "normalize"]


@dataclass(frozen=True)
class MathConfig:
    float_rounding: int = 6  # decimals math-verify rounds to before comparing floats
    tail_chars: int = 20_000  # only the last N characters of the answer section are searched
    max_answer_chars: int = 2_000  # an extracted answer longer than this is wrong, not parsed
    max_gold_chars: int = 1_000  # a gold answer longer than this is unparsable


_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
_BOX = re.compile(r"\\(?:boxed|fbox)\s*")
_FINAL = re.compile(r"final\s+answer\s*(?:is|:|=)\s*:?\s*", re.I)
_HASHES = re.compile(r"####\s*")
_ANSWER_IS = re.compile(r"(?:\banswer\s*(?:is|:|=)\s*:?\s*)", re.I)
_SENTENCE_END = re.compile(r"(?:\.\s|\.$|\n|;\s*I hope|\s+I hope)", re.I)


UNCLOSED_THINK = "the <think> block never closes (truncated response)"


def answer_section(response: str, tail_chars: int | None = None) -> str | None:
    """The text after the last `</think>` (its last `tail_chars` characters when given); None when
    a `<think>` never closes (truncated: `UNCLOSED_THINK` says why)."""
    if _THINK_CLOSE in response:
        section = response.rsplit(_THINK_CLOSE, 1)[1]
    elif _THINK_OPEN in response:
        return None
    else:
        section = response
    return section if tail_chars is None else section[-tail_chars:]


def _braced(text: str, start: int) -> str | None:
    """The contents of the `{...}` group opening at `text[start]` (brace-balanced), or None."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif c == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return None


def last_boxed(text: str) -> str | None:
    """The contents of the last complete `\\boxed{...}` / `\\fbox{...}` (or `\\boxed 5`)."""
    for match in reversed(list(_BOX.finditer(text))):
        end = match.end()
        if end < len(text) and text[end] == "{":
            inner = _braced(text, end)
            if inner is not None:
                return inner
        elif end < len(text):
            token = re.match(r"[^\s$.,;]+", text[end:])
            if token and match.group(0).endswith(" "):
                return token.group(0)
    return None


def _after(anchor: re.Pattern[str], text: str) -> str | None:
    """The answer following the last `anchor`: a `$...$` span, else up to the sentence's end."""
    matches = list(anchor.finditer(text))
    if not matches:
        return None
    rest = text[matches[-1].end() :].lstrip()
    if rest.startswith("$$") or rest.startswith("\\["):
        close = "$$" if rest.startswith("$$") else "\\]"
        end = rest.find(close, 2)
        return rest[2:end].strip() if end > 0 else None
    if rest.startswith("$"):
        inline = re.match(r"\$((?:\\.|[^$\\])*)\$", rest)  # an escaped \$ inside does not close it
        return inline.group(1).strip() if inline else None
    if rest.startswith("\\("):
        end = rest.find("\\)", 2)
        return rest[2:end].strip() if end > 0 else None
    stop = _SENTENCE_END.search(rest)
    answer = (rest[: stop.start()] if stop else rest).strip().rstrip(".").strip()
    return answer or None


def extract_answer(response: str, config: MathConfig = MathConfig()) -> tuple[str | None, str]:
    """(answer, how it was found or why not) from a model response."""
    section = answer_section(response, config.tail_chars)
    if section is None:
        return None, UNCLOSED_THINK
    boxed = last_boxed(section)
    if boxed is not None:
        inner = last_boxed(boxed)  # \boxed{\boxed{3}}
        return (inner if inner is not None else boxed).strip(), "boxed"
    for anchor, how in ((_FINAL, "final answer is"), (_HASHES, "####"), (_ANSWER_IS, "answer is")):
        found = _after(anchor, section)
        if found:
            inner = last_boxed(found)
            return (inner if inner is not None else found), how
    return None, "no \\boxed{}, 'final answer is', '####' or 'answer is' in the answer"


# ---- normalisation ---------------------------------------------------------------------------

_GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_THIN_GROUP = re.compile(r"(?<=\d)(?:\{,\}|\\,|\\ |\\;|\\:|~)(?=\d{3}(?!\d))")
_SCI_E = re.compile(r"^(-?\d+(?:\.\d+)?)\s*[eE]\s*([+-]?\d+)$")
_SCI_TIMES = re.compile(r"(\d)\s*(?:\\cdot|\\times|\*|x|×)\s*10\s*\^\s*(\{[^{}]*\}|[+-]?\d+)")
_TRAIL_TEXT = re.compile(r"^(.*?\d[^a-zA-Z\\]*?)\s*(?:\\(?:text|mbox|mathrm|textbf)\s*\{[^{}]*\}|[a-zA-Z][a-zA-Z ]*)\s*\.?$")
_TEXT = re.compile(r"\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}")


def normalize(answer: str, *, response_side: bool = False) -> str:
    """A LaTeX answer in the spelling math-verify parses best (see the module docstring)."""
    s = answer.strip().strip("$").strip()
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\displaystyle", "")
    s = s.replace("\\left", "").replace("\\right", "").replace("\\!", "")
    s = re.sub(r"\\(?:text|mbox)\s*\{\s*\}", "", s)
    s = re.sub(r"\\(?:mathrm|text|operatorname)\s*\{\s*e\s*\}", "e", s)  # Euler's e: math-verify stops at \mathrm{e}
    s = re.sub(r"\*\*|__", "", s)  # markdown bold around the answer
    s = _THIN_GROUP.sub("", s)
    if _GROUPED.match(s):
        s = s.replace(",", "")
    sci = _SCI_E.match(s)
    if sci:
        s = f"{sci.group(1)}\\times10^{{{sci.group(2)}}}"
    s = _SCI_TIMES.sub(lambda m: f"{m.group(1)}\\times10^{{{m.group(2).strip('{}')}}}", s)
    if response_side:
        s = re.sub(r"\s*(?:percent(?:age)?|pct)\.?$", "\\%", s)
        s = re.sub(r"^\\\$\s*|^\$\s*", "", s)
        s = re.sub(r"\\%$", "\\%", s)
        trail = _TRAIL_TEXT.match(s)
        if trail and not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", trail.group(1))):
            s = trail.group(1).strip()
    return s.strip()


def _text_key(answer: str) -> str:
    """Case-, space- and markup-folded text for comparing worded answers."""
    s = _TEXT.sub(r"\1", answer)
    s = re.sub(r"[\s{}$\\]", "", s).lower()
    return s.strip(".").replace("(", "").replace(")", "") if re.fullmatch(r"\(?[a-z]\)?", s) else s.strip(".")


def _is_text(answer: str) -> bool:
    inner = _TEXT.sub(r"\1", answer).strip()
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z ,.'()-]*", inner)) and len(inner) > 1 or answer.strip().startswith("\\text")


# ---- parsing and verification (run inside pool workers) -------------------------------------

_CONFIG_CACHE: list = []


def _extraction_config() -> list:
    if not _CONFIG_CACHE:
        from math_verify import ExprExtractionConfig, LatexExtractionConfig

        _CONFIG_CACHE.append([LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()])
    return _CONFIG_CACHE[0]


def _parse(latex: str) -> list:
    from math_verify import parse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parse(f"${latex}$", extraction_config=_extraction_config(), parsing_timeout=None)


def _exactly_different(gold: list, pred: list) -> bool:
    """True when both first parses are exact numbers (no floats) with a provably non-zero
    difference: math-verify's 6-decimal rounding calls 1/2004! and 1/2006! equal."""
    import sympy

    g, p = gold[0], pred[0]
    if not (isinstance(g, sympy.Expr) and isinstance(p, sympy.Expr)):
        return False
    if not (g.is_number and p.is_number) or g.atoms(sympy.Float) or p.atoms(sympy.Float):
        return False
    diff = sympy.expand((g - p).doit())
    return diff.is_zero is False


def _verify(gold: list, pred: list, config: MathConfig) -> bool:
    from math_verify import verify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = verify(gold, pred, float_rounding=config.float_rounding, timeout_seconds=None)
    return bool(ok) and not _exactly_different(gold, pred)


_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")


def _plain_numbers_equal(gold: str, pred: str, config: MathConfig) -> bool | None:
    """Equality of two plain decimal numbers, as math-verify would decide it (exact, or equal after
    rounding to `float_rounding` decimals when either is written with decimals); None when either
    is not a plain number."""
    if not (_PLAIN_NUMBER.fullmatch(gold) and _PLAIN_NUMBER.fullmatch(pred)):
        return None
    from decimal import Decimal

    a, b = Decimal(gold), Decimal(pred)
    if a == b:
        return True
    if "." not in gold and "." not in pred:
        return False
    return round(a, config.float_rounding) == round(b, config.float_rounding)


def gold_check(gold: str, config: MathConfig = MathConfig()) -> bool:
    """Whether a gold answer parses (worker side of `gold_is_parsable`)."""
    if not gold or not gold.strip() or len(gold) > config.max_gold_chars:
        return False
    if not _balanced(gold):  # math-verify reads "\\frac{" leniently as something: the gold is cut off
        return False
    if _is_text(gold):
        return True
    return bool(_parse(normalize(gold)))


def _balanced(text: str) -> bool:
    depth = 0
    for i, c in enumerate(text):
        if c in "{}" and i and text[i - 1] == "\\":
            continue
        depth += 1 if c == "{" else -1 if c == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def check(gold: str, response: str, config: MathConfig = MathConfig()) -> tuple[str, str | None, str]:
    """(reason, extracted answer, detail) for one response. Pure and unbounded: call it through a
    `VerifierPool` (as `grade_math` does), never directly on untrusted text in a server."""
    if not gold_check(gold, config):
        return Reason.UNPARSABLE_GOLD.value, None, f"gold answer {gold[:80]!r} does not parse"
    extracted, how = extract_answer(response, config)
    if extracted is None:
        return Reason.NO_ANSWER.value, None, how
    if len(extracted) > config.max_answer_chars:
        return Reason.WRONG_ANSWER.value, extracted[:200], f"answer longer than {config.max_answer_chars} chars"
    g = normalize(gold)
    plain_gold = not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", g))  # no variables, i, or words
    p = normalize(extracted, response_side=plain_gold)
    if re.search(r"\\?%$", g):  # a percentage gold: compare the numbers, the sign is optional
        g, p = re.sub(r"\s*\\?%$", "", g), re.sub(r"\s*\\?%$", "", p)
    if _text_key(g) == _text_key(p) and _text_key(g):
        return Reason.CORRECT.value, extracted, f"{how}; same text"
    fast = _plain_numbers_equal(g, p, config)
    if fast is not None:  # both plain decimals: no LaTeX parser needed (most GSM8K/AIME answers)
        return (Reason.CORRECT.value if fast else Reason.WRONG_ANSWER.value), extracted, f"{how}; {p} {'=' if fast else '!='} {g}"
    gold_parsed, pred_parsed = _parse(g), _parse(p)
    if not pred_parsed:
        return Reason.WRONG_ANSWER.value, extracted, f"{how}; the answer does not parse"
    if _verify(gold_parsed, pred_parsed, config):
        return Reason.CORRECT.value, extracted, how
    if re.search(r"\\?%$", p):  # 50\% for a plain gold: 50 (as written) or 0.5 (as a fraction)
        bare = _parse(re.sub(r"\s*\\?%$", "", p))
        if bare and _verify(gold_parsed, bare, config):
            return Reason.CORRECT.value, extracted, f"{how}; percent sign dropped"
    return Reason.WRONG_ANSWER.value, extracted, f"{how}; {pred_parsed[-1]!s:.60} != {gold_parsed[-1]!s:.60}"


# ---- the in-process entry points -------------------------------------------------------------

_SHARED: dict[str, object] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool():
    """A small process-wide `VerifierPool` for one-off calls (`gold_is_parsable`, `rewards.grade`
    without a `Grader`); closed at interpreter exit."""
    from rewards.pool import PoolConfig, VerifierPool

    with _SHARED_LOCK:
        pool = _SHARED.get("pool")
        if pool is None or getattr(pool, "_closed", True):
            pool = VerifierPool(PoolConfig(workers=1))
            _SHARED["pool"] = pool
            atexit.register(pool.close)
        return pool


def golds_are_parsable(answers: Sequence[str]) -> list[bool]:
    """`gold_is_parsable` for many answers in one pool round: curation checks thousands of golds,
    and one message per answer would make the round trips, not the parser, the cost."""
    pool = shared_pool()
    todo = [i for i, a in enumerate(answers) if a and a.strip() and len(a) <= MathConfig.max_gold_chars]
    outcomes = pool.map(gold_check, [(answers[i],) for i in todo], chunk=64)
    ok = [False] * len(answers)
    for i, outcome in zip(todo, outcomes):
        ok[i] = outcome.status == "ok" and bool(outcome.value)
    return ok


def gold_is_parsable(answer: str) -> bool:
    """Whether the math verifier can read this gold answer; curation drops the problem when not
    (every response would get reward 0). Bounded by the shared pool's timeout: a gold that takes
    longer than that to parse is unparsable."""
    if not answer or not answer.strip() or len(answer) > MathConfig.max_gold_chars:
        return False
    from rewards.pool import VerifierTimeout, WorkerDied

    try:
        return bool(shared_pool().call(gold_check, answer))
    except (VerifierTimeout, WorkerDied, RuntimeError):
        return False
