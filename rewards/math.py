"""Math rewards: extract the final answer from a response and decide whether it equals the gold.

A grader is a policy's target. Every rule below says what it accepts, and (Hack:) how a policy
could try to earn reward through it and why it cannot; `tests/rewards/cases/hedges.py` builds each
hack and each honest form over real golds, `benchmarks/hedge_redteam.py` counts them.
Hedges score 0 with a reason of their own: `multiple_answers` (the gold is among several
candidates, or the answer is a range, a relation or a question), `unevaluated` (the question's
expression copied back).

Canonical form first (`rewards.canonical`): the answer section is read after NFKC, without format
characters, with confusable letters folded (Unicode's own data) and Unicode mathematics as LaTeX;
every answer is normalised after presentational LaTeX is removed by one table (fonts, sizes,
`\\left`/`\\right`, spacing; thin spaces group digits only before exactly three digits).

Completeness (`leftovers`), after a match: every part of the answer must be accounted for by its
reading. A `?`, a LaTeX command that builds no value (`VALUE_COMMANDS`: an arrow or relation such
as `\\gtrsim`, `\\Longrightarrow`, `\\doteq` is not one unless the gold or the question has it), a
word among the values that is not the gold's, or a word after the last value that is not a noun of
the question, a currency (CLDR) or a unit (pint), makes the answer `multiple_answers` with the
leftover named in `detail`. Hack: any new spelling of a relation, a joiner ("ou", "或") or a hedging
word ("at least", "probably"); none is on a list, all are left over. After the answer, a second
value in the same sentence with no subordinating word before it (`_SUBORDINATE`: "not", "since",
"which", ...) is an alternative ("$45$ ou $48$"); a short unknown word between two boxes joins them.

Extraction (`extract_answer`), from the answer section only:
- the text after the last `</think>` (a `<think>` that never closes: no answer). Hack: a second
  `</think>` with another answer before it; both answers are kept as alternatives.
- its boxes (`\\boxed{}`, `\\fbox{}`): the last box, joined with the boxes before it that only a
  connector separates (`, `, `\\quad\\text{and}\\quad`, `\\text{ for part (a) and }`, labels such as
  `y_1 = \\boxed{...}`), as one list `a, b` (the gold's tuple/set is then compared as written);
  boxes that prose separates are steps, and the last one wins (`\\boxed{3} from the first case and
  \\boxed{5} in total` is 5). Hack: boxing several guesses; boxes joined by "or", "/", "|", "vs",
  "(alternatively ...)", boxes inside one box, or a list for a one-value gold, are
  `multiple_answers` when the gold is among them. An alternative offered beside
  the box ("\\boxed{5} (or possibly 7)", "7 or \\boxed{5}") is kept as one too; "\\boxed{5}?" is a
  question.
- an explicit marker after the last box wins over it ("\\boxed{255} ... Final Answer: The final
  answer is $10,455$"), when it carries math. Hack: none new; still one answer, the last.
- without a box: the last "final answer is/:", else "#### ..." (GSM8K), else "answer is/Answer:"; a
  `$...$` span with the spans ", / and / or" join to it ("$8$ or $9$" are alternatives), else the
  rest of the sentence minus a ", not 9" clause; a "Final Answer:" sentence yields the value after
  its last "is"/"=" ("The volume of $ABCD$ is 120" is 120).
- no anchor, no answer: a bare last number is not taken (rewarding the last number of a
  derivation teaches guessing).

Normalisation (`normalize`, both sides unless said):
- numbers: `1,000` (only when the whole answer is one grouped number), `1{,}000`, `1\\,000`,
  `1\\ 000`, `1 000`, `,\\!` with or without a space after it (MATH's thousands separator,
  never a list); `0,111` is the decimal 0.111 (no thousands group starts with 0); `\\dfrac`,
  `\\tfrac`, `\\dbinom`; `1.2e-3` and `1.2 \\cdot 10^{-3}`; a repeating decimal
  `0.1\\overline{6}` is the exact fraction it names.
- markup: `\\left`/`\\right`, `\\displaystyle`, markdown bold, a trailing `\\`; `\\color{red}{8}` is 8,
  `\\mathbf{8}`, `\\underline{8}` are 8.
  Invisible or struck text (`\\phantom`, `\\cancel`, `\\sout`) is dropped. Hack: colour hides a
  second candidate (`\\color{white}{9} 8`); coloured text beside other text is `multiple_answers`.
- units (response side, only when the gold has no letters): a trailing `\\text{cm}`, `\\mbox{...}`
  or plain word after a number is dropped, `\\text{8 dollars}` is 8, a leading `\\$` too; degrees
  are optional. Hack: a "unit" that is another candidate (`8 \\text{ or 9}`); unit text may hold
  no digits and no "or/either/maybe".
- `\\approx 8` is 8 (one value); `\\frac{\\sqrt3}{3} \\approx 0.577` is the value before `\\approx` (a number
  for its size follows: the peer suites read it so, even `1/3 \\approx 11`); two plain numbers said
  to be roughly equal (`8 \\approx 9`) must be roundings of one another, and two expressions
  (`\\frac{14}{3} \\approx \\frac{14}{5}`) must both be the gold, else they are two candidates. Known
  gap: `p - q \\approx 610` is read as p - q (one reading, so it cannot raise expected reward).

Equivalence (`check`), gold first, after the hedge rules:
- hedges (reward 0): a question mark; a relation with no left side (`< 79`, `\\neq 8`, `≠ 8`:
  a range, not a value); a relation (`9 \\neq 8`, `a \\mid b`, `2 \\le x \\le 8`, a single bar
  `9 | 8`) where the gold is a value; a one-sided value (`8^{+}`, `8+`); a case split ("8 if n is
  even, 9 otherwise"); numbers side by side (`9 8`, `9 \\hspace{1em} 8`: what a hidden colour
  leaves), two equations side by side; alternatives (`or`, `\\lor`, `\\vee`, `and/or`, `OR`,
  `\\text{to}`, "(or 9)"), values linked by `\\to`, `\\equiv`, `\\dots`, and list items or
  equation sides (`9 = 8`, `610 = p - q`)
  for a one-value gold: correct only when every one is the gold, `multiple_answers` when the gold
  is among them, else wrong. For a list gold, "x = 1 or x = 2" is the list {1, 2}: no gain, the
  whole list must match. An equation gold is read at the answer's last side (`x = 5+5+1 = 11`,
  as math-verify and the peer suites do): a chain there cannot name two candidates to one reading.
- restatement: when the answer equals the gold but is an expression copied from the question and
  the gold is written otherwise ("Simplify $\\sqrt{242}$" answered `\\sqrt{242}`, "Compute
  $\\dbinom{31}{28}$" answered `\\dbinom{31}{28}`): `unevaluated`. A plain integer or decimal is
  never a restatement. Needs the question (`check(..., question=...)`; the grader passes it).
- text: `\\text{Monday}` matches `Monday` (case, spaces and `\\text` folded), only when the gold is
  words. Hack: the old key folded braces and spaces of every answer (`\\frac{1}{43}` = `\\frac{14}{3}`,
  `3 1` = 31).
- percentages: a percentage gold (`28\\%`) compares the numbers, the sign optional (`28`, `28\\%`,
  `28 percent` match; `0.28` does not). A plain gold gets one reading (`_percent`): as a
  fraction (25% is 0.25) when the question does not speak of percent and the gold is a decimal
  between -1 and 1, else as written (50% is 50, the peer suites' reading). Hack: two readings for
  one gold let `800\\%` pass for gold 8 and for gold 800. Known gap: of the pair 25 / 0.25 in a
  question that never says percent, `25\\%` matches both (one reading each).
- notations (`_one_notation`): `a \\pm b` and its pair; set-builder sets, inequalities joined by
  "or" and intervals; degrees and radians when the other side has `\\pi`; one free integer
  parameter renamed (`n\\pi` for `k\\pi`); named values `x = 3, y = 4` and the tuple `(3, 4)`.
- restatement also sees the question's expression inside value-preserving wrappers (`(...)`,
  `1\\cdot`, `+0`, `^{1}`, `\\frac{...}{1}`).
- bases: `8_{9}` is not 8 (a numeral in base 9) unless the gold has a subscript; `8_{10}` is 8.
- equations: `x = 3` matches gold `3` and the reverse (math-verify takes the right-hand side).
- order: tuples `(a, b)`, intervals and matrices are ordered; sets `\\{a, b\\}` and bare lists
  `a, b` are not; `;` and `\\quad\\text{and}\\quad` separate list items, and systems
  `p=5,q=2;p=7,q=2` are the tuples `(5, 2), (7, 2)`.
- exactness: math-verify rounds to 6 decimals, so it calls 1/2004! equal to 1/2006!; when both
  sides are exact (no decimals) and their difference is provably non-zero, the answer is wrong.
  A decimal must also agree with the gold to 6 significant digits (0.3333333 = 1/3, 0.33 is not;
  0.0000666 is not .0000672). Hack: an absolute rounding accepts any tiny number for a tiny gold.
Asymmetry: unit and `\\$` stripping apply to the response only; a gold that does not parse is
`unparsable_gold` even when the response happens to spell the same string.

Every call of `check` runs in a `VerifierPool` worker under a kill-based timeout; math-verify's own
SIGALRM timeouts are disabled (`parsing_timeout=None`, `timeout_seconds=None`) because the pool
already bounds the call and signals do not work outside the main thread.
"""

from __future__ import annotations

from collections.abc import Sequence

import re
import unicodedata
from fractions import Fraction
import warnings
from dataclasses import dataclass
from functools import lru_cache

from rewards.canonical import canonical, canonical_latex
from rewards.verdict import Reason
from ringdata.answers import BOX as _BOX, Box as _Box, boxed_spans, close_brace as _close_brace, last_boxed  # the one \boxed{} reader

__all__ = ["MathConfig", "boxed_answer", "check", "extract_answer", "gold_is_parsable", "last_boxed", "normalize"]


@dataclass(frozen=True)
class MathConfig:
    float_rounding: int = 6  # decimals math-verify rounds to before comparing floats
    significant_digits: int = 6  # ... and a decimal must also agree with the gold to this many significant digits
    tail_chars: int = 20_000  # only the last N characters of the answer section are searched
    max_answer_chars: int = 2_000  # an extracted answer longer than this is wrong, not parsed
    max_gold_chars: int = 1_000  # a gold answer longer than this is unparsable


_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
_FINAL = re.compile(r"final\s+answer\s*(?:is|:|=)\s*:?\s*", re.I)
_ANSWER_LINE = re.compile(r"(?m)^[\s*#]*answer[\s*]*:\s*\**\s*", re.I)
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


# ---- several boxes, alternatives ----------------------------------------------------------------

_CONNECTOR_WORDS = {"and", "or", "also", "for", "part", "parts", "either", "respectively", ",", ";", "&", ")", "(", "."}
_ALTERNATIVE_WORDS = {"or", "possibly", "maybe", "perhaps", "alternatively", "vs", "versus", "/", "|"}
_LABEL = re.compile(r"([A-Za-z](?:_\{?\w{1,3}\}?)?)\s*=\s*$")
_MARKUP = re.compile(r"\\(?:quad|qquad|[,;:! ]|\(|\)|\[|\])|\$|~|\\\\")
_WRAP = re.compile(r"\\(?:text|textbf|textrm|mathrm|mbox|textit)\s*\{([^{}]*)\}")
OR = " \\text{ or } "  # how alternatives are joined in an extracted answer


def _connector(gap: str) -> str | None:
    """"and" or "or" when the text between two boxes only joins them (`, `, `\\quad\\text{and}\\quad`,
    `\\text{ for part (a) and }`, `$ or $`); None when it is prose (the earlier box was a step)."""
    if "\n\n" in gap or len(gap) > 80:
        return None
    s = _MARKUP.sub(" ", _WRAP.sub(r" \1 ", gap))
    tokens = re.findall(r"\([a-z]{1,4}\)|[^\W\d_]+|[^\s\w]|\d+", s)
    words = {t.lower() for t in tokens}
    unknown = [w for w in words if w not in _CONNECTOR_WORDS | _ALTERNATIVE_WORDS and not w.startswith("(")]
    if unknown:
        if len(unknown) <= 3 and all(len(w) > 1 or not w.isascii() for w in unknown) and "." not in words and "\n" not in gap and not set(unknown) & _SUBORDINATE:
            return "or"  # "\\boxed{5} ou \\boxed{7}": a word the reader does not know joins two values
        return None
    if "." in words and not words & _ALTERNATIVE_WORDS:
        return None  # "\\boxed{3}. \\boxed{5}": a sentence ended between them
    return "or" if words & _ALTERNATIVE_WORDS else "and"


def _boxed_answer(section: str, spans: list[_Box]) -> tuple[str, int]:
    """The final answer from the boxes: the last box, joined with the boxes before it that only a
    connector separates (`\\boxed{1}, \\boxed{2}` is the list `1, 2`; `\\boxed{1} or \\boxed{2}` the
    alternatives `1 or 2`), each with its label (`y_1 = \\boxed{...}`); and where the group starts."""
    group, kinds = [spans[-1]], set()
    for prev in reversed(spans[:-1]):
        gap = section[prev.end : group[0].start]
        label = _LABEL.search(gap)
        kind = _connector(gap[: label.start()] if label else gap)
        if kind is None:
            break
        kinds.add(kind)
        group.insert(0, prev)
    items: list[str] = []
    for box in group:
        inner = boxed_answer(box.content) if _BOX.search(box.content) else None  # \\boxed{\\boxed{9} \\boxed{8}}
        item = (inner if inner is not None else box.content).strip()
        if len(group) > 1:
            label = _LABEL.search(section[max(0, box.start - 20) : box.start])
            item = f"{label.group(1)} = {item}" if label else item
        if item not in items:
            items.append(item)
    return (OR if "or" in kinds else ", ").join(items), group[0].start


def boxed_answer(text: str) -> str | None:
    """The final boxed answer of `text`: the last box with the boxes a connector joins to it and an
    alternative offered beside it (see `_boxed_answer`, `_with_alternatives`); None without a box."""
    spans = boxed_spans(text)
    if not spans:
        return None
    answer, start = _boxed_answer(text, spans)
    return _with_alternatives(answer, text[:start], text[spans[-1].end :])


_OR_AFTER = re.compile(r"^[\s$)\]}.]*(?:\\text\s*\{\s*)?\(?\s*(?:or|alternatively|\\lor|\\vee)\b[\s}]*(?:possibly|maybe|perhaps)?\s*(\$[^$]+\$|\\\(.+?\\\)|-?\.?\d[\d.,/]*)", re.I)
_OR_BEFORE = re.compile(r"(\$[^$]+\$|-?\.?\d[\d.,/]*)\s*(?:\\text\s*\{\s*or\s*\}|\bor)[\s$\\(\[]*$", re.I)


# Words after an answer that subordinate a value that follows them in the same sentence (a check,
# a reason, a condition, a comparison): "$5$, not $7$", "$5$, since $7$ is too large". A value
# after any other words ("$5$ ou $7$", "$5$ of $7$") is a second candidate: unaccounted for.
_SUBORDINATE = frozenset("not since because as which where when whenever given than instead rather for with from so "
                         "thus hence per after before if while at in by on using that this it is are was would".split())
_VALUE_AFTER = re.compile(r"\$[^$]+\$|\\\(.+?\\\)|\\boxed\s*\{|(?<![\w^_{])-?\.?\d")


def _second_value(after: str) -> re.Match[str] | None:
    """A match whose group 1 is a second value offered after the answer in the same sentence with
    nothing subordinating it (see `_SUBORDINATE`), else None."""
    sentence = re.split(r"\.\s|\.$|\n|\?", after[:200], maxsplit=1)[0]
    sentence = re.sub(r"[\^_]\s*(?:\{[^{}]*\}|-?\d)", lambda m: " " * len(m.group(0)), sentence)  # a unit's power
    value = _VALUE_AFTER.search(sentence)
    if not value:
        return None
    between = sentence[: value.start()]
    words = re.findall(r"[^\W\d_]+", re.sub(r"\\[A-Za-z]+", " ", between))
    if not words or {w.lower() for w in words} & _SUBORDINATE:
        return None  # "$5$, $7$" is read by the list rules; "$5$, not $7$" is a check
    text = sentence[value.start() :]
    if text.startswith("\\boxed"):
        inner = last_boxed(text)
        text = f"${inner}$" if inner is not None else text
    return re.match(r"(\$[^$]+\$|\\\(.+?\\\)|-?\.?\d[\d.,/]*)", text)


def _with_alternatives(answer: str, before: str, after: str) -> str:
    """`answer` joined with an alternative offered right after it in the same sentence ("\\boxed{5}
    (or possibly 7)") or right before it ("7 or \\boxed{5}"): a hedge the comparison must see."""
    if re.match(r"^[\s$)}\]*(]*\?", after):
        answer += "?"  # "\\boxed{5}?", "$5$ (?)": a question, not an answer
    extra = []
    tail = _OR_AFTER.match(after[:120]) or _second_value(after)
    if tail:
        extra.append(tail.group(1))
    head = _OR_BEFORE.search(re.split(r"\.\s|\n", before[-120:])[-1])
    if head:
        extra.insert(0, head.group(1))
    if not extra:
        return answer
    clean = [e.strip("$").removeprefix("\\(").removesuffix("\\)").strip() for e in extra]
    return OR.join(([clean[0]] if head else []) + [answer] + ([clean[-1]] if tail else []))


_NOT_CLAUSE = re.compile(r",?\s*\b(?:not|rather than|instead of|since|because|given that|which)\b.*$", re.I | re.S)  # a check or a reason after the value
_VERB = re.compile(r"\b(?:is|are|equals|was|be)\s+|=\s*", re.I)
_CONTINUE = re.compile(r"^\s*\(?\s*(,|and|or|&|alternatively|\\text\s*\{\s*(?:and|or)\s*\})\s*(?:maybe|possibly|perhaps)?\s*\$((?:\\.|[^$\\])*)\$", re.I)


def _sentence_value(text: str) -> str:
    """The mathematical content of an answer sentence: `The volume of $ABCD$ is 120` is 120 (the
    part after its last 'is'/'='); an answer that is not a sentence is returned as it is."""
    prose = re.sub(r"\$[^$]*\$", " ", text)
    if len(re.findall(r"[A-Za-z]{2,}", prose)) < 2:
        return text
    verbs = list(_VERB.finditer(text))
    if not verbs:
        return text
    value = text[verbs[-1].end() :].strip().rstrip(".").strip()
    if value.startswith("$") and value.endswith("$") and value.count("$") == 2:
        value = value.strip("$").strip()
    return value or text


def _after(anchor: re.Pattern[str], text: str, sentence: bool = False) -> tuple[str | None, int]:
    """(the answer following the last `anchor`, where the anchor starts): a `$...$` span (with the
    spans an 'and'/'or'/',' joins to it), else the rest of the sentence (`sentence`: its value)."""
    matches = list(anchor.finditer(text))
    while len(matches) > 1 and re.match(r"[\s*]*not\b", text[matches[-1].end() :], re.I):
        matches.pop()  # "... is 1. Note that the answer is not 6": a check, not the answer
    if not matches:
        return None, -1
    at = matches[-1].start()
    rest = re.sub(r'^(?:\\?"|\*\*|\s)+', "", text[matches[-1].end() :])  # "**$5$**", \"$5$\"
    if rest.startswith("$$") or rest.startswith("\\["):
        close = "$$" if rest.startswith("$$") else "\\]"
        end = rest.find(close, 2)
        return (rest[2:end].strip() if end > 0 else None), at
    if rest.startswith("$"):
        inline = re.match(r"\$((?:\\.|[^$\\])*)\$", rest)  # an escaped \$ inside does not close it
        if not inline:
            return None, at
        parts, joiner, pos = [inline.group(1).strip()], ", ", inline.end()
        while more := _CONTINUE.match(rest[pos:]):
            joiner = OR if re.search(r"or|alternatively", more.group(1), re.I) else joiner
            parts.append(more.group(2).strip())
            pos += more.end()
        # an alternative offered after the marker's answer ("$5$. (Alternatively $7$.)") or a "?"
        # is seen as for a box: one mechanism for both
        return _with_alternatives(joiner.join(parts), "", rest[pos:]), at
    if rest.startswith("\\("):
        end = rest.find("\\)", 2)
        return (rest[2:end].strip() if end > 0 else None), at
    stop = _SENTENCE_END.search(rest)
    answer = (rest[: stop.start()] if stop else rest).strip().rstrip(".").strip()
    answer = _NOT_CLAUSE.sub("", answer).strip() if not answer.lower().startswith("not") else answer
    return ((_sentence_value(answer) if sentence else answer) if answer else None), at


def _has_math(answer: str) -> bool:
    return bool(re.search(r"[\d\\=+\-*/^()]", answer)) or not re.search(r"[A-Za-z]{3,}", answer)


def extract_answer(response: str, config: MathConfig = MathConfig()) -> tuple[str | None, str]:
    """(answer, how it was found or why not) from a model response. Alternatives the response
    offers ("\\boxed{1} or \\boxed{2}", a second `</think>` with another answer) come back joined
    by `OR`, lists of boxes joined by ", "; the comparison decides what they are worth."""
    section = answer_section(response, config.tail_chars)
    if section is None:
        return None, UNCLOSED_THINK
    answer, how = _extract_from(canonical(section))
    if answer is not None and response.count(_THINK_CLOSE) >= 2:
        earlier = response.split(_THINK_CLOSE)[1:-1]
        previous = [a for a, _ in (_extract_from(canonical(e)) for e in earlier) if a is not None]
        if previous and re.sub(r"\s", "", previous[-1]) != re.sub(r"\s", "", answer):
            return previous[-1] + OR + answer, f"{how}; another answer before a second </think>"
    return answer, how


def _extract_from(section: str) -> tuple[str | None, str]:
    spans = boxed_spans(section)
    if spans:
        for anchor in (_FINAL, _ANSWER_LINE):  # an explicit answer marker after the last box wins
            found, at = _after(anchor, section, sentence=True)
            if found and at >= spans[-1].end and _has_math(found):
                inner = last_boxed(found)
                return (inner if inner is not None else found), "answer marker after the last box"
        return boxed_answer(section), "boxed"
    for anchor, how in ((_FINAL, "final answer is"), (_HASHES, "####"), (_ANSWER_IS, "answer is")):
        found, _ = _after(anchor, section, sentence=anchor is _FINAL)
        if found:
            inner = last_boxed(found)
            return (inner if inner is not None else found), how
    return None, "no \\boxed{}, 'final answer is', '####' or 'answer is' in the answer"


# ---- normalisation ---------------------------------------------------------------------------

_GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_THIN_GROUP = re.compile(r"(?<=\d)(?:\{,\}|\\,|\\ |\\;|\\:|~)(?=\d{3}(?!\d))")
_SCI_E = re.compile(r"^(-?\d+(?:\.\d+)?)\s*[eE]\s*([+-]?\d+)$")
_SCI_TIMES = re.compile(r"(\d)\s*(?:\\cdot|\\times|\*|x|×)\s*10\s*\^\s*(\{[^{}]*\}|[+-]?\d+)")
_UNIT_WORDS = r"[a-zA-Z][a-zA-Z ]*"
_TRAIL_TEXT = re.compile(rf"^(.*?\d[^a-zA-Z\\]*?)\s*(?:\\(?:text|mbox|mathrm|textbf)\s*\{{\s*{_UNIT_WORDS}\}}|{_UNIT_WORDS})\s*\.?$")
_TEXT = re.compile(r"\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}")
_HIDDEN = re.compile(r"\\(?:[hv]?phantom|cancel|bcancel|xcancel|sout)\s*\{")
_FORMAT = re.compile(r"\\(?:underline|mathbf|boldsymbol|bm|mathit|mathsf|mathtt|emph|textit|substack)\s*\{")
_COLOUR = re.compile(r"\\(?:textcolor\s*\{[^{}]*\}|color\s*\{[^{}]*\})")
_REPEATING = re.compile(r"(?<![\d.])(-?)(\d*)\.(\d*)\\overline\s*\{(\d+)\}")
_HEDGE_WORDS = re.compile(r"\b(?:or|either|and/or|maybe|possibly|perhaps)\b", re.I)


def _unwrap_groups(s: str, pattern: re.Pattern[str]) -> str:
    """`s` with every `\\cmd{...}` that `pattern` matches up to its `{` replaced by its content."""
    while m := pattern.search(s):
        close = _close_brace(s, m.end() - 1)
        if close is None:
            return s
        s = s[: m.start()] + " " + s[m.end() : close] + " " + s[close + 1 :]
    return s


def _drop_group(s: str, pattern: re.Pattern[str]) -> str:
    """`s` without every `\\cmd{...}` that `pattern` matches up to its `{` (the group included)."""
    while m := pattern.search(s):
        close = _close_brace(s, m.end() - 1)
        if close is None:
            return s[: m.start()]
        s = s[: m.start()] + s[close + 1 :]
    return s


def _repeating_fraction(m: re.Match[str]) -> str:
    """`0.1\\overline{6}` as the exact fraction it names (1/6)."""
    sign, whole, fixed, period = m.group(1), m.group(2) or "0", m.group(3), m.group(4)
    value = Fraction(int(whole + fixed + period) - int(whole + fixed), (10 ** len(period) - 1) * 10 ** len(fixed))
    return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"


def normalize(answer: str, *, response_side: bool = False) -> str:
    """A LaTeX answer in the spelling math-verify parses best (see the module docstring)."""
    s = canonical_latex(answer).strip().strip("$").strip().rstrip("\\").strip()
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\displaystyle", "")
    s = s.replace("\\dbinom", "\\binom").replace("\\tbinom", "\\binom")
    s = s.replace("\\left", "").replace("\\right", "")
    s = re.sub(r"(?<=\d),\\!\s*(?=\d)", "", s)  # `,\!` only ever groups thousands
    s = _THIN_GROUP.sub("", s).replace("\\!", "")
    s = _drop_group(s, _HIDDEN)  # invisible or struck-out text is not part of the answer
    s = _unwrap_groups(s, _FORMAT)  # \\mathbf{8}, \\underline{8}, \\substack{...}: the content
    while m := _COLOUR.search(s):  # `\\color{red}{8}` is 8 (the group unwrapped), `\\color{red} 8` too
        close = _close_brace(s, m.end()) if s[m.end() : m.end() + 1] == "{" else None
        s = s[: m.start()] + (s[m.end() + 1 : close] + s[close + 1 :] if close is not None else s[m.end() :])
    s = re.sub(r"\\(?:text|mbox)\s*\{\s*\}", "", s)
    s = re.sub(r"\\(?:mathrm|text|operatorname)\s*\{\s*e\s*\}", "e", s)  # Euler's e: math-verify stops at \mathrm{e}
    s = re.sub(r"\*\*|__", "", s)  # markdown bold around the answer
    s = re.sub(r"^(?:\\approx|\\sim|≈)\s*", "", s)
    if response_side:
        s = re.sub(r"^\\\$\s*|^\$\s*", "", s)
    s = re.sub(r"^(-?)0,(\d{3,})$", r"\g<1>0.\2", s)  # 0,111: no thousands group starts with 0
    if _GROUPED.match(s) or re.fullmatch(r"-?\d{1,3}(?: \d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "").replace(" ", "")
    s = _REPEATING.sub(_repeating_fraction, s)
    sci = _SCI_E.match(s)
    if sci:
        s = f"{sci.group(1)}\\times10^{{{sci.group(2)}}}"
    s = _SCI_TIMES.sub(lambda m: f"{m.group(1)}\\times10^{{{m.group(2).strip('{}')}}}", s)
    if response_side:
        worded = re.fullmatch(r"\\(?:text|mbox|textbf)\s*\{\s*(\\?\$?\s*-?[\d.,]+\s+[a-zA-Z][a-zA-Z ]*)\}", s)
        if worded:
            s = worded.group(1)  # \text{8 dollars}
        s = re.sub(r"\s*(?:percent(?:age)?|pct)\.?$", "\\%", s)
        s = re.sub(r"^\\\$\s*|^\$\s*", "", s)
        trail = _TRAIL_TEXT.match(s)
        if trail and not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", trail.group(1))) and not _HEDGE_WORDS.search(s[trail.end(1):]):
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


# ---- the shape of an answer: items, alternatives, relations -------------------------------------

_RELATION = r"(?:<|>|≤|≥|≠|\\(?:le|ge|leq|geq|leqslant|geqslant|neq|ne|lt|gt|not\s*=|nless|ngtr|notin|mid|nmid|perp|parallel)(?![a-zA-Z]))"
_LEADING_RELATION = re.compile(rf"^\s*{_RELATION}")
_ANY_RELATION = re.compile(_RELATION)
_AND = re.compile(r"\\(?:quad|qquad)\s*(?:\\text\s*\{\s*and\s*\}\s*)?(?:\\(?:quad|qquad))?|\\text\s*\{\s*,?\s*and\s*\}|(?<=\s)and(?=\s)|(?<!\\);")
_OR_SPLIT = re.compile(r"\\text\s*\{\s*(?:or|to)\s*\}|\\(?:lor|vee)(?![a-zA-Z])|∨|\\text\s*\{\s*and/or\s*\}|\band/or\b|(?<![a-zA-Z\\])or(?![a-zA-Z])", re.I)


def _top_level(s: str, sep: re.Pattern[str]) -> list[str]:
    """`s` split at the matches of `sep` that are outside brackets and environments."""
    depth, cuts = 0, []
    marks = {m.start(): m.end() for m in sep.finditer(s)}
    i = 0
    while i < len(s):
        if s.startswith("\\begin", i) or s.startswith("\\{", i):
            depth += 1
        elif s.startswith("\\end", i) or s.startswith("\\}", i):
            depth -= 1
        elif s[i] in "([" or (s[i] == "{" and not (i and s[i - 1] == "\\")):
            depth += 1
        elif s[i] in ")]" or (s[i] == "}" and not (i and s[i - 1] == "\\")):
            depth -= 1
        elif depth <= 0 and i in marks:
            cuts.append((i, marks[i]))
            i = max(marks[i], i + 1)
            continue
        i += 1
    parts, prev = [], 0
    for a, b in cuts:
        parts.append(s[prev:a])
        prev = b
    parts.append(s[prev:])
    return [p.strip().strip(",").strip() for p in parts if p.strip().strip(",").strip()]


_LINES_ENV = re.compile(r"\\begin\s*\{(?:cases|aligned|align\*?|gathered|array|split)\}(?:\{[^{}]*\})?|\\end\s*\{(?:cases|aligned|align\*?|gathered|array|split)\}")


def _items(s: str) -> list[str]:
    """Top-level items of a list answer (`1, 2`, `1 \\quad\\text{and}\\quad 2`, `p=5,q=2;p=7,q=2`,
    lines `1 \\\\ 2` and `cases`; a matrix's rows are not items)."""
    return _top_level(_LINES_ENV.sub(" ", s), re.compile(rf",|\\\\|{_AND.pattern}"))


def _alternatives(s: str) -> list[str]:
    """Top-level alternatives (`8 \\text{ or } 9`, `x = 1 \\lor x = 2`, `\\text{8 or 9}`)."""
    def split_text(m: re.Match[str]) -> str:  # `\\text{8 or 9}` -> `\\text{8} \\text{or} \\text{9}`
        parts = re.split(r"\bor\b", m.group(1))
        return " \\text{or} ".join(f"\\text{{{t}}}" if t.strip() else "" for t in parts) if len(parts) > 1 else m.group(0)

    flat = re.sub(r"\(\s*or\b", " or (", s)  # "8 (or 9)"
    flat = re.sub(r"\\text\s*\{\s*or\b", r" or \\text{", flat)  # `\\text{ or \\frac{1}{2}}`
    flat = _TEXT.sub(split_text, flat)
    return _top_level(flat, _OR_SPLIT)


_SOLUTION_SEP = re.compile(r"(?<!\\);|\\(?:quad|qquad)\s*\\text\s*\{\s*(?:and|or)\s*\}\s*\\(?:quad|qquad)")


def _systems(s: str) -> str:
    """Solutions of a system written as equations, `p=5,q=2;p=7,q=2` (or joined by
    `\\quad\\text{and}\\quad`), as the tuples `(5, 2), (7, 2)`: the same variables in every solution."""
    solutions = _top_level(s, _SOLUTION_SEP)
    if len(solutions) < 2:
        return s
    tuples, names = [], None
    for solution in solutions:
        pairs = [re.fullmatch(r"\s*([A-Za-z](?:_\{?\w+\}?)?)\s*=\s*(.+?)\s*", x) for x in _top_level(solution, re.compile(","))]
        if not pairs or not all(pairs) or (names is not None and [m.group(1) for m in pairs] != names):
            return s
        names = [m.group(1) for m in pairs]
        values = [m.group(2) for m in pairs]
        tuples.append(values[0] if len(values) == 1 else f"({', '.join(values)})")
    return ", ".join(tuples)


def _is_scalar(gold: str) -> bool:
    """One value (a number, an expression, a tuple, an interval): not a list, set or union."""
    g = gold.strip()
    return (len(_items(g)) <= 1 and len(_alternatives(g)) <= 1 and not g.startswith(("\\{", "{"))
            and "\\cup" not in g)


def _is_value(gold: str) -> bool:
    """A scalar that is not a tuple, interval or vector either."""
    return _is_scalar(gold) and not gold.strip().startswith(("(", "[", "\\begin"))


_CASES = re.compile(r"\\text\s*\{[^{}]*\b(?:if|otherwise|when|else|unless)\b[^{}]*\}|\\begin\s*\{cases\}", re.I)


def _uncommitted(gold: str, pred: str) -> str | None:
    """Why `pred` names no single answer where `gold` is one, or None. Each is a hedge: a question
    mark, a relation with no left side (`< 79` covers 78 numbers), a relation instead of a value
    (`9 \\neq 8`), digits side by side (`9 8`, what a hidden `\\color{white}{9}` leaves)."""
    if "?" in pred and "?" not in gold:
        return "a question mark: the answer is not committed"
    if _CASES.search(pred) and not _CASES.search(gold):
        return "a case split: one answer per case where the gold is one"
    if _LEADING_RELATION.match(pred) and not _LEADING_RELATION.match(gold):
        return "a relation with no left side names a range of values, not one"
    if _is_value(gold) and not _ANY_RELATION.search(gold) and _ANY_RELATION.search(pred):
        return "a relation where the answer is a value"
    if re.search(r"(?:(?<![+\-])[+\-]|\^\s*\{?\s*[+\-]\s*\}?)\s*$", pred) and not re.search(r"[+\-]\s*\}?\s*$", gold):
        return "a one-sided value (8+, 8^{+}): a range, not one value"
    if len(re.findall(r"\||\\vert(?![a-zA-Z])", pred)) == 1 and re.search(r"[\w}]\s*(?:\||\\vert)\s*-?[\w\\{(]", pred):
        return "a bar between two values"
    bare = re.sub(r"\\(?:quad|qquad|enspace|thinspace|medspace|thickspace|[,;: ])|~|\\(?:hspace|hskip|kern|mkern|mspace)\s*\{[^{}]*\}", " ", pred)
    bare = re.sub(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)|\\%|\\\$|°", "", bare)  # 91^\\circ 90^\\circ
    bare = re.sub(r"(?<![\\\w^_}])\{([^{}]*)\}", r" \1 ", bare)
    if re.search(r"=\s*[^=\s,;]+\s+[A-Za-z]\w*\s*=", bare):
        return "two equations side by side"
    if re.search(r"(?<![\d.])\d+(?:\.\d+)?\s+-?\.?\d", bare) and not re.fullmatch(r"\s*-?\d{1,3}(?:\s\d{3})+(?:\.\d+)?\s*", bare):
        return "numbers side by side: more than one value"
    return None


def _restates(question: str, pred: str, gold: str) -> bool:
    """Whether `pred` is an expression of the question copied as the answer, the gold being another
    form ("Simplify $\\sqrt{242}$" answered `\\sqrt{242}`, "Express $\\frac{3}{20}$ as a decimal"
    answered `\\frac{3}{20}`). A plain integer or decimal is an answer whatever the question says."""
    key = _unwrapped(_latex_key(pred))
    if not key or key == _latex_key(gold) or re.fullmatch(r"-?\d+(?:\.\d+)?", key):
        return False
    keys = _question_keys(question)
    if key in keys:
        return True
    # the question's expression inside the answer, up to value-preserving wrappers: `1\\cdot(...)`,
    # `(...)+0`, `(...)^{1}`, `\\frac{...}{1}` (an expression of the question, more than a number)
    return any(len(k) >= 4 and re.search(r"[\\^+\-*/(]", k[1:]) and not re.fullmatch(r"-?[\d.]+", k) and k in key for k in keys)


_WRAPPERS = (re.compile(r"^1(?:\\cdot|\\times|\*)"), re.compile(r"(?:\\cdot|\\times|\*)1$"), re.compile(r"[+-]0$"),
             re.compile(r"^0\+"), re.compile(r"\^\{?1\}?$"))


def _unwrapped(key: str) -> str:
    """A key without the wrappers that leave a value unchanged (`1\\cdot x`, `x+0`, `x^{1}`,
    `\\frac{x}{1}`, outer parentheses), repeated until none is left."""
    while True:
        before = key
        for w in _WRAPPERS:
            key = w.sub("", key)
        frac = re.fullmatch(r"\\frac\{(.*)\}\{?1\}?", key)
        if frac and _balanced(frac.group(1)):
            key = frac.group(1)
        if key.startswith("(") and key.endswith(")") and _balanced(key[1:-1].replace("(", "{").replace(")", "}")):
            key = key[1:-1]
        if key == before:
            return key


def _latex_key(latex: str) -> str:
    """The spelling of an expression with only its typography folded (no value rewritten, so a
    copied `0.\\overline{3}` keeps its shape)."""
    s = latex.strip().strip("$").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = s.replace("\\dbinom", "\\binom").replace("\\tbinom", "\\binom").replace("\\left", "").replace("\\right", "")
    s = re.sub(r"\s|\\[,;:! ]|\\quad|\\displaystyle", "", s).rstrip(".")
    return re.sub(r"\{(\w)\}", r"\1", s)


_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.S)


def _question_keys(question: str) -> set[str]:
    """Keys of the question's math: each span, each side of an equation in it, each list item."""
    keys = set()
    for m in _SPAN.finditer(question):
        span = next(g for g in m.groups() if g is not None).strip().rstrip(".,?;:")
        for part in {span, *_top_level(span, re.compile(r"(?<![<>!\\])=|,"))}:
            keys.add(_latex_key(part))
    return keys


# ---- completeness: every part of the answer accounted for ---------------------------------------

# The LaTeX commands that build a value, a set or a relation the reader above judges (`_judge`
# splits alternatives, relations, approximations and lists and decides what they are worth).
# A command that is not here, not in the gold and not in the question is something the reader did
# not account for (`\\gtrsim`, `\\Longrightarrow`, `\\doteq`): the answer is not one value.
# Presentational commands never get here (`rewards.canonical` removed them).
_GREEK = {unicodedata.name(chr(c)).split()[-1].lower() for c in range(0x3B1, 0x3CA)} | {
    unicodedata.name(chr(c)).split()[-1].capitalize() for c in range(0x391, 0x3AA) if c != 0x3A2}
VALUE_COMMANDS = frozenset({
    # numbers, operators, roots and constants
    "frac", "binom", "sqrt", "pi", "infty", "cdot", "times", "div", "pm", "mp", "circ", "degree", "prime",
    "exp", "log", "ln", "lg", "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "coth", "max", "min", "gcd", "lcm", "det", "deg", "mod", "bmod", "pmod",
    "lfloor", "rfloor", "lceil", "rceil", "vert", "Vert", "lvert", "rvert", "langle", "rangle",
    "overline", "hat", "vec", "bar", "tilde", "dot", "ddot", "widehat", "overrightarrow", "sum", "prod",
    "int", "lim", "partial", "ell", "hbar", "imath", "jmath", "angle", "triangle", "operatorname",
    "varepsilon", "varphi", "vartheta", "varpi", "varrho", "varsigma", "text", "mbox", "boxed", "fbox",
    # sets, tuples, matrices and the relations `_judge` reads itself
    "in", "notin", "cup", "cap", "setminus", "emptyset", "varnothing", "mathbb", "mathcal", "begin", "end",
    "le", "ge", "leq", "geq", "lt", "gt", "neq", "ne", "approx", "sim", "quad", "qquad", "dots", "ldots",
    "cdots", "mid", "lor", "vee", "color", "textcolor", "phantom", "hphantom", "vphantom", "cancel", "sout",
    "underline", "substack", "hspace",
} | _GREEK)
# Not here on purpose: arrows, `\\equiv`, `\\cong`, `\\subseteq`, `\\to` and every other relation
# between two values. When the gold has one it is in `known`; otherwise it relates two candidates.
# words the reader itself reads: joiners of a list or of alternatives `_judge` has already judged
_STRUCTURE_WORDS = frozenset({"or", "and"})


def _word_set(text: str | None) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text or "")}


@lru_cache(maxsize=1)
def _currency_words() -> frozenset[str]:
    """Words of the English currency names, singular and plural (CLDR via babel): `8 dollars`."""
    try:
        from babel import Locale
        from babel.numbers import get_currency_name
    except ImportError:
        return frozenset()
    words: set[str] = set()
    for code in Locale("en").currencies:
        for count in (1, 2):
            words |= _word_set(get_currency_name(code, count=count, locale="en"))
    return frozenset(words)


def _is_unit_phrase(words: list[str]) -> bool:
    """Whether the words are units pint reads (`kilojoules per mole`, `square meters`)."""
    from rewards.canonical import unit_registry as _ureg

    phrase = " ".join(words)
    try:
        phrase = re.sub(r"\b(square|cubic)\s+(\w+)", lambda m: f"{m.group(2)}**{2 if m.group(1) == 'square' else 3}", phrase)
        q = _ureg().parse_expression(re.sub(r"\s+", "*", phrase.replace(" per ", "/")))
    except Exception:  # noqa: BLE001 - pint raises many types; not a unit
        return False
    return hasattr(q, "units") and str(q.units) != "dimensionless"  # radians and bytes are units too


def leftovers(answer: str, gold: str, question: str | None = None) -> list[str]:
    """What in `answer` no part of its reading accounts for: a `?`, a command that builds no value
    (`VALUE_COMMANDS`), a word that is not the gold's, the question's (a count noun, a name), a
    currency or a unit pint reads. Empty when the answer is one complete reading."""
    s = canonical_latex(answer)
    found = ["'?'"] if "?" in s and "?" not in gold else []
    known = _commands(gold) | _commands(question or "")
    s = re.sub(r"\\(?:color|textcolor|begin|end)\s*\{[^{}]*\}", " ", s)  # a colour's or an environment's name
    s = re.sub(r"(?<=\d)\s*(?:\\text\s*\{\s*)?(?:percent(?:age)?|pct)\b", r"\\%", s)  # 28 percent
    s = re.sub(r"^\s*[^\W\d_]+\s*:", " ", s)  # "Soucis : 2,74": a label naming the value, like `x =`
    s = re.sub(r"\\(?:text|mbox|operatorname|textnormal)\s*\{([^{}]*)\}", r" \1 ", s)
    found += [f"\\{c}" for c in dict.fromkeys(re.findall(r"\\([A-Za-z]+)", s)) if c not in VALUE_COMMANDS and c not in known]
    s = re.sub(r"\\[A-Za-z]+", " ", s)
    exponents = re.sub(r"[\^_]\s*(?:\{[^{}]*\}|-?\d)", lambda m: " " * len(m.group(0)), s)  # `mol^{-1}`: a unit's power
    last_digit = max((m.end() for m in re.finditer(r"\d", exponents)), default=0)
    # a word among the values must be the gold's own or a joiner the reader judged; after the last
    # value it may also name what is counted: a noun of the question, a currency, a unit
    inner = _word_set(gold) | _STRUCTURE_WORDS
    trailing = inner | _word_set(question)
    unknown = []
    for m in re.finditer(r"[A-Za-z]{2,}|[^\W\dA-Za-z_]+", s):  # other scripts: a word of any length
        w, after = m.group(0).lower(), m.start() >= last_digit
        forms = {w, w.rstrip("s"), w[:-2]}
        if not forms & (trailing if after else inner) and not (after and forms & _currency_words()):
            unknown.append((m.group(0), after))
    tail = [w for w, after in unknown if after]
    if tail and _is_unit_phrase(tail):
        unknown = [(w, after) for w, after in unknown if not after]
    found += [repr(w) for w, after in unknown if not (after and _is_unit_phrase([w]))]
    return found


def _commands(text: str) -> set[str]:
    return set(re.findall(r"\\([A-Za-z]+)", text))


# ---- parsing and verification (run inside pool workers) -------------------------------------

_CONFIG_CACHE: list = []


def _extraction_config() -> list:
    if not _CONFIG_CACHE:
        from math_verify import ExprExtractionConfig, LatexExtractionConfig

        _CONFIG_CACHE.append([LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()])
    return _CONFIG_CACHE[0]


def _parse(latex: str) -> list:
    return list(_parse_cached(latex))


@lru_cache(maxsize=4096)
def _parse_cached(latex: str) -> tuple:
    """math-verify's parse, remembered per worker: a gold is parsed once for its gold check and
    again for every answer, alternative and list item compared with it."""
    from math_verify import parse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(parse(f"${latex}$", extraction_config=_extraction_config(), parsing_timeout=None))


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


def _significant_differ(gold: list, pred: list, digits: int) -> bool:
    """True when a decimal is involved and the two numbers differ in their first `digits`
    significant digits: math-verify rounds to 6 decimals, an absolute tolerance that calls
    0.0000666 equal to 0.0000672."""
    import sympy

    g, p = gold[0], pred[0]
    if not (isinstance(g, sympy.Expr) and isinstance(p, sympy.Expr) and g.is_number and p.is_number):
        return False
    if not (g.atoms(sympy.Float) or p.atoms(sympy.Float)):
        return False
    try:
        a, b = complex(sympy.N(g, 30)), complex(sympy.N(p, 30))
    except (TypeError, ValueError):
        return False
    return any(_sig(x, digits) != _sig(y, digits) for x, y in ((a.real, b.real), (a.imag, b.imag)))


def _sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits - 1}e}") if x else 0.0


def _verify(gold: list, pred: list, config: MathConfig) -> bool:
    from math_verify import verify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = verify(gold, pred, float_rounding=config.float_rounding, timeout_seconds=None)
    return bool(ok) and not _exactly_different(gold, pred) and not _significant_differ(gold, pred, config.significant_digits)


_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")


def _plain_numbers_equal(gold: str, pred: str, config: MathConfig) -> bool | None:
    """Equality of two plain decimal numbers: exact, or, when either is written with decimals,
    equal after rounding to `float_rounding` decimals and to `significant_digits` significant
    digits (both: neither an absolute nor a relative tolerance alone is narrow at every scale);
    None when either is not a plain number."""
    if not (_PLAIN_NUMBER.fullmatch(gold) and _PLAIN_NUMBER.fullmatch(pred)):
        return None
    from decimal import Decimal

    a, b = Decimal(gold), Decimal(pred)
    if a == b:
        return True
    if "." not in gold and "." not in pred:
        return False
    return round(a, config.float_rounding) == round(b, config.float_rounding) and _sig(float(a), config.significant_digits) == _sig(float(b), config.significant_digits)


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


def check(gold: str, response: str, config: MathConfig = MathConfig(), question: str | None = None) -> tuple[str, str | None, str]:
    """(reason, extracted answer, detail) for one response; `question` (optional) lets the
    restated-expression rule run. Pure and unbounded: call it through a `VerifierPool` (as
    `grade_math` does), never directly on untrusted text in a server."""
    if not gold_check(gold, config):
        return Reason.UNPARSABLE_GOLD.value, None, f"gold answer {gold[:80]!r} does not parse"
    extracted, how = extract_answer(response, config)
    if extracted is None:
        return Reason.NO_ANSWER.value, None, how
    if len(extracted) > config.max_answer_chars:
        return Reason.WRONG_ANSWER.value, extracted[:200], f"answer longer than {config.max_answer_chars} chars"
    g = normalize(gold)
    reason, detail = _judge(g, extracted, config, question)
    if reason == Reason.CORRECT.value:
        left = leftovers(extracted, gold, question)
        if left:
            return Reason.MULTIPLE_ANSWERS.value, extracted, f"{how}; not accounted for by the value read: {', '.join(left)}"
    if reason == Reason.CORRECT.value and question and _restates(question, extracted, g):
        return Reason.UNEVALUATED.value, extracted, f"{how}; the question's own expression, not evaluated (gold {gold[:40]})"
    return reason, extracted, f"{how}; {detail}" if detail else how


def _judge(g: str, extracted: str, config: MathConfig, question: str | None = None) -> tuple[str, str]:
    """(reason, detail) for a normalised gold and an extracted answer: the hedge rules first, then
    alternatives and lists, then `_equal` on one value."""
    if not _HEDGE_WORDS.search(g):
        alternatives = _alternatives(extracted)
        if len(alternatives) > 1:
            if not _is_scalar(g):
                extracted = ", ".join(alternatives)  # "x = 1 or x = 2" for the solution set {1, 2}
            else:
                return _several(g, alternatives, "alternatives", config, question)
    if _COLOUR.search(extracted) and _outside_colour(extracted).strip(" {}$~\\,;"):
        return Reason.MULTIPLE_ANSWERS.value, "coloured text beside the answer: which one is it?"
    p = normalize(extracted, response_side=_plain(g))
    why = _uncommitted(g, p)
    if why:
        return Reason.MULTIPLE_ANSWERS.value, why
    items = _items(p)
    named = [re.fullmatch(r"\s*[A-Za-z](?:_\{?\w+\}?)?\s*=.+", i) for i in items]
    pair = _PM.search(g) or (g.strip().startswith("(") and all(named))  # `a \\pm b`; `x = 3, y = 4` for `(3, 4)`
    if len(items) > 1 and _is_scalar(g) and not pair and not any(re.search(r"(?<![\\a-zA-Z])[A-Za-z]{2,}", _TEXT.sub(" ", i)) for i in items):
        return _several(g, items, "values where the gold is one", config, question)
    approx = _top_level(p, _APPROX)
    if len(approx) > 1 and not _APPROX.search(g):
        if all(_PLAIN_NUMBER.fullmatch(a) for a in approx) and not _roundings(approx):
            return _several(g, approx, "numbers said to be approximately equal", config, question)  # `8 \\approx 9`
        if re.fullmatch(r"\s*[A-Za-z](?:_\{?\w+\}?)?\s*", approx[0]):
            p = approx[1]  # `x \\approx 11`: a name, then its value
        elif all(_PLAIN_NUMBER.fullmatch(a.strip()) for a in approx[1:]):
            p = approx[0]  # `\\frac{\\sqrt3}{3} \\approx 0.577`: the value, then a number for its size (the peers' reading)
        else:
            return _several(g, approx, "expressions said to be approximately equal", config, question)  # `\\frac{14}{3} \\approx \\frac{14}{5}`
    linked = _top_level(p, _VALUE_LINK)
    if len(linked) > 1 and _is_scalar(g) and not _VALUE_LINK.search(g) and re.search(r"\d", linked[0]):
        return _several(g, linked, "values linked by a relation", config, question)  # `9 \\to 8`, `8 \\dots 9`
    sides = _top_level(p, _EQUALS)
    if len(sides) > 1 and "=" not in g and _is_scalar(g) and not pair:  # an equation gold: its last side, as math-verify and the peer suites read it
        values = sides[1:] if sides and (not re.search(r"\d", sides[0]) or _NAME.fullmatch(sides[0])) else sides  # `x = 5`, `a_5 = 1`, `f(3) = 1`: a name
        if len(values) > 1:  # `9 = 8`, `610 = p - q`: math-verify would read the right side only
            return _several(g, values, "sides of an equation", config, question)
    ok, detail = _equal(g, p, config, question)
    return (Reason.CORRECT.value if ok else Reason.WRONG_ANSWER.value), detail


_EQUALS = re.compile(r"(?<![<>!\\])=")
# the left side of an equation that names the value: a letter or command with an optional index,
# argument list and primes (`x`, `a_5`, `f(3)`, `P(A)`, `\\Delta H`, `y'`), never an expression
_NAME = re.compile(r"(?=\s*[\\A-Za-z])\s*(?:\\[A-Za-z]+\s*)?[A-Za-z]{0,2}(?:_\{?[\w,]+\}?)?(?:\([^()=+\-]*\))?'*\s*")
_APPROX = re.compile(r"\\(?:approx|sim|simeq)(?![a-zA-Z])|≈")
_VALUE_LINK = re.compile(r"\\(?:equiv|cong|to|rightarrow|Rightarrow|longrightarrow|implies|mapsto|dots|ldots|cdots)(?![a-zA-Z])|→|⇒|…")


def _roundings(numbers: list[str]) -> bool:
    """Whether each plain number after the first is a rounding of the first (`3.14159 \\approx 3.14`)."""
    from decimal import Decimal

    first = Decimal(numbers[0])
    for n in numbers[1:]:
        exp = Decimal(n).as_tuple().exponent
        if not isinstance(exp, int) or abs(first - Decimal(n)) > Decimal(5).scaleb(exp - 1):
            return False
    return True


def _several(g: str, candidates: list[str], what: str, config: MathConfig, question: str | None = None) -> tuple[str, str]:
    """Several candidates for one gold: correct when all are the gold (`5, that is, 5`), a hedge
    (`multiple_answers`) when the gold is among them, wrong otherwise."""
    hits = [_equal(g, c, config, question)[0] for c in candidates]
    if all(hits):
        return Reason.CORRECT.value, f"{len(candidates)} {what}, all the gold"
    if any(hits):
        return Reason.MULTIPLE_ANSWERS.value, f"{len(candidates)} {what}, the gold among them"
    return Reason.WRONG_ANSWER.value, f"{len(candidates)} {what}, none the gold"


def _outside_colour(s: str) -> str:
    """`s` without its `\\color{...}{...}` groups (what is written in the default colour)."""
    while m := _COLOUR.search(s):
        close = _close_brace(s, m.end()) if s[m.end() : m.end() + 1] == "{" else None
        s = s[: m.start()] + (s[close + 1 :] if close is not None else "")
    return s


def _plain(g: str) -> bool:
    return not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", g))  # no variables, i, or words


def _equal(g: str, extracted: str, config: MathConfig, question: str | None = None) -> tuple[bool, str]:
    """Whether one answer equals the normalised gold, and a short detail."""
    p = normalize(extracted, response_side=_plain(g))
    g, p = _systems(g), _systems(p)
    if len(items := _items(p)) > 1 and len(_items(g)) > 1:  # one spelling of a list: `;`, `\\quad\\text{and}\\quad` are commas
        g, p = ", ".join(_items(g)), ", ".join(items)
    if _is_text(g) and _text_key(g) and _text_key(g) == _text_key(p):
        return True, "same text"
    if re.search(r"\d_\{?\d+\}?", p) and "_" not in g and not re.search(r"\d_\{?10\}?", p):
        return False, "a numeral in another base"
    bases = [set(re.findall(r"\d_\{?(\d+)\}?", x)) for x in (g, p)]
    if bases[0] and bases[1] and bases[0] != bases[1]:
        return False, "a numeral in another base than the gold's"
    p = re.sub(r"(\d)_\{?10\}?", r"\1", p)
    if re.search(r"\\?%$", g):  # a percentage gold: compare the numbers, the sign is optional
        g, p = re.sub(r"\s*\\?%$", "", g), re.sub(r"\s*\\?%$", "", p)
    elif re.search(r"\\?%$", p):  # a percentage for a plain gold: one reading per gold (`_percent`)
        p = _percent(g, re.sub(r"\s*\\?%$", "", p), question)
    g, p = _one_notation(g, p)
    fast = _plain_numbers_equal(g, p, config)
    if fast is not None:  # both plain decimals: no LaTeX parser needed (most GSM8K/AIME answers)
        return fast, f"{p} {'=' if fast else '!='} {g}"
    gold_parsed, pred_parsed = _parse(g), _parse(p)
    if not pred_parsed:
        return False, "the answer does not parse"
    if _verify(gold_parsed, pred_parsed, config):
        return True, ""
    return False, f"{pred_parsed[-1]!s:.60} != {gold_parsed[-1]!s:.60}"


def _percent(g: str, number: str, question: str | None) -> str:
    """The value of `number%` for a plain gold, by one policy: as a fraction (25% is 0.25) when
    the question does not speak of percent and the gold is a decimal between -1 and 1, else as
    written (50% is 50, the peers' reading). Each gold gets one reading, so `800%` for gold 8
    stays wrong (the red team's two readings); the pair 25 / 0.25 of one question that never says
    percent is the one both readings cover (a known, documented gap)."""
    if question is None or re.search(r"%|percent", question, re.I):
        return number
    if _PLAIN_NUMBER.fullmatch(g) and "." in g and abs(float(g)) < 1 and _PLAIN_NUMBER.fullmatch(number):
        from decimal import Decimal

        return format(Decimal(number) / 100, "f")
    return number


# ---- equivalences: one notation for the gold and the answer -------------------------------------

_PM = re.compile(r"\\pm(?![a-zA-Z])")
_SET_BUILDER = re.compile(r"^\\\{\s*([A-Za-z])\s*(?:\||\\mid|:)\s*(.+?)\s*\\\}$")
_DEGREES = re.compile(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)|\\degree(?![a-zA-Z])")
_INEQUALITY = re.compile(r"^\s*(?:(.+?)\s*(<|\\le|\\leq)\s*)?([A-Za-z])\s*(?:(<|\\le|\\leq)\s*(.+?))?\s*$")
_PARAMETERS = "kmnjl"  # letters conventionally naming a free integer parameter (`k\\pi`, `2n\\pi`)


def _interval(inequality: str) -> str | None:
    """`a < x \\le b` as `(a, b]`, `x < b` as `(-\\infty, b)`; None when it is not one."""
    m = _INEQUALITY.match(inequality.replace("\\leq", "\\le"))
    if not m or not (m.group(1) or m.group(5)):
        return None
    lo = ("(" if m.group(2) in (None, "<") else "[") + (m.group(1) or "-\\infty")
    hi = (m.group(5) or "\\infty") + (")" if m.group(4) in (None, "<") else "]")
    return f"{lo}, {hi}"


def _one_notation(g: str, p: str) -> tuple[str, str]:
    """The gold and the answer in one notation where two notations name one thing:
    - `a \\pm b` and the pair `a + b, a - b` (in any order);
    - a set-builder set `\\{x \\mid 2 < x < 3\\}`, inequalities joined by "or", and intervals;
    - an angle in degrees (`30^\\circ`) and in radians (`\\frac{\\pi}{6}`), when the other side has `\\pi`;
    - a free integer parameter under another name (`n\\pi` for `k\\pi`), when each side has one;
    - named values `x = 3, y = 4` and the tuple `(3, 4)`.
    Each turns one side into the other's notation; none makes two different answers equal."""
    parameter = re.compile(rf"(?<![\\A-Za-z])[{_PARAMETERS}](?![A-Za-z])")
    if len(_items(g)) == 1 and parameter.search(g):
        g = re.sub(r"^\s*[A-Za-z]\s*=\s*", "", g)  # `x = k\\pi`: the solution set, named
    if len(_PM.findall(g)) == 1 and len(_items(g)) == 1 and len(_items(p)) == 2 and "\\pm" not in p:
        a, b = _PM.split(g)
        g = f"{a.strip()} + ({b.strip()}), {a.strip()} - ({b.strip()})"
    builder = _SET_BUILDER.match(g.strip())
    if builder:
        g = builder.group(2)
    parts = _top_level(g, re.compile(r",|\\text\s*\{\s*or\s*\}|\\lor|\\cup"))
    intervals = [_interval(x) for x in parts]
    if re.match(r"^[(\[]", g.strip()) and "," in g and (answer_interval := _interval(p)):
        p = answer_interval  # `2 < x < 3` for `(2, 3)`
    elif all(intervals) and (len(parts) > 1 or "\\cup" in p or re.match(r"^[(\[]", p.strip())):
        g = " \\cup ".join(f"{'(' if i.startswith('(') else '['}{i[1:]}" for i in intervals) if len(intervals) > 1 else intervals[0]
    if _DEGREES.search(p) and "\\pi" in g and not _DEGREES.search(g):
        p = f"({_DEGREES.sub('', p)}) \\cdot \\frac{{\\pi}}{{180}}"
    elif _DEGREES.search(g) and "\\pi" in p and not _DEGREES.search(p):
        g = f"({_DEGREES.sub('', g)}) \\cdot \\frac{{\\pi}}{{180}}"
    gl, pl = set(parameter.findall(g)), set(parameter.findall(p))
    if len(gl) == 1 and len(pl) == 1 and gl != pl:
        p = re.sub(rf"(?<![\\A-Za-z]){pl.pop()}(?![A-Za-z])", gl.pop(), p)
    named = [re.fullmatch(r"\s*([A-Za-z](?:_\{?\w+\}?)?)\s*=\s*(.+?)\s*", x) for x in _top_level(p, re.compile(","))]
    if len(named) > 1 and all(named) and len({m.group(1) for m in named}) == len(named) and g.strip().startswith("("):
        p = "(" + ", ".join(m.group(2) for m in named) + ")"
    return g, p


# ---- the in-process entry points -------------------------------------------------------------

def shared_pool():
    """A small process-wide `VerifierPool` for one-off gold checks (`gold_is_parsable`); closed at
    interpreter exit (`rewards.pool.shared`)."""
    from rewards.pool import PoolConfig, VerifierPool, shared

    return shared(("gold_check", 1), lambda: VerifierPool(PoolConfig(workers=1)))


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
