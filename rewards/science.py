"""Science rewards: multiple-choice letters and numeric answers with units.

As in `rewards.math.hedges`, each rule says what it accepts and (Hack:) how a policy could try to earn
reward through it; hedges score 0 as `multiple_answers`. Cases: `tests/rewards/cases/hedges.py`.

Multiple choice (the problem has `choices` and its answer is a letter A-J), from the answer
section (after the last `</think>`, NFKC-folded so a full-width `Ｃ` is C):
- where: the final boxed answer (`\\boxed{C}`, `\\boxed{\\text{(C)}}`, boxes joined as in math), else
  the last answer phrase ("the answer is (C)", "Answer: ( C )", "the correct option is C",
  "option C is correct", "**Answer: C**"), else a last line that is only a letter (`(C)`, `C.`),
  else bold letters, else an answer that spells one option's text. A letter is a capital standing
  alone, or any case in parentheses: lowercase "a" is an article ("This choice is a ..."), and
  "option A would need ..." after the answer is talk, not an answer phrase.
- the statement: the letters at the start of that phrase and those a joiner adds to them (`or`,
  `and`, `,`, `;`, `/`, `+`, `&`, `∨`, `and/or`, "or maybe", spaces, "(or B)", "(B also
  works)", `(A)(C)`, glued "AC"), two bold letters, two answer phrases in one sentence, a letter
  alone on the last line after the phrase, a letter before a second `</think>`. A second capital
  must stand alone: "(D) A single gene ..." is D and its option text. Hack: naming several options, or all of them; more than
  one distinct letter is `multiple_answers`, as is a letter followed by "?". Talk after the
  statement ("(B), since A ignores friction") does not count: the letter is committed.
- A letter beyond the number of choices is no answer.

Numeric (the gold parses as a number), the final answer extracted as for math:
- reading: a number (`1.2\\times10^{-3}`, `1.2e-3`, `1,234`, `\\frac{3}{4}`, `\\approx 5`, `x = 5`) and
  the unit after it. Hack: several values; alternatives ("50.7 or 53.2"), a second number after
  the first (`11, 22`, `11-22`, `11 \\text{ to } 22`, `9 = 8`, `50.7 \\pm 2`), a leading relation
  (`< 100`) or a question mark are `multiple_answers` (a second number only counts outside
  exponents and subscripts: `m^{-1}`, `10^{-19} C`, `CO_2` are units).
- units: the gold unit is `metadata["unit"]` (SciBench). Both sides with a readable unit: pint
  converts the answer, as a quantity, into the gold's unit (0 degC is 273.15 K; incompatible
  units are wrong; `ft-lb` is foot-pound force). An answer unit that cannot be read, or a gold
  unit that cannot, is a match only when both are the same text. Hack: `11 \\text{ bananas}` was
  read as no unit; joules passed for a foot-pound gold. One side without a unit: the numbers as
  written, and against the gold scaled by a power of ten its unit carries (SciBench: `1.6` with
  `10^{-19} C`); the two readings are 10^19 apart, so no single answer can use both.
- tolerance (`_within`): the gold's own precision, not a fixed percentage. The answer must round
  to the gold at the coarser of their two written precisions (half a unit in the last place;
  `2600` is read to its third digit), and may be coarser than the gold only while it keeps
  min(3, the gold's) significant digits. So `50.73` and `50.68` match 50.7, `50.75` and `51` do
  not; 0.1% off a 5-digit gold is not a rounding of it. Hack: a fixed 1% lets one midpoint cover
  two candidate answers, and a coarse answer (`5e1`) cover many. `ScienceConfig.rel_tol` restores
  a relative tolerance when set; a gold of 0 matches within `abs_tol`.

`check` is pure and runs in a `VerifierPool` worker like math's, so the same kill-based timeout
bounds it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from rewards.math.canonical import canonical, canonical_latex, unit_registry as _ureg
from rewards.math.reading import _LATER_SUBORDINATE, _REJECTED, UNCLOSED_THINK, _alternatives, answer_section, boxed_answer, extract_answer
from rewards.verdict import Reason, Verdict

__all__ = ["ScienceConfig", "check", "extract_letter", "is_multiple_choice", "parse_quantity"]

LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True)
class ScienceConfig:
    rel_tol: float | None = None  # None: the gold's own precision (see `_within`); a number: that relative tolerance instead
    abs_tol: float = 1e-9  # absolute tolerance, only matters when the gold is 0
    tail_chars: int = 20_000  # only the last N characters of the answer section are searched


def is_multiple_choice(answer: str | None, choices: Any) -> bool:
    return choices is not None and answer is not None and bool(re.fullmatch(r"\(?[A-J]\)?", answer.strip()))


# ---- multiple choice ------------------------------------------------------------------------

# A letter is a capital A-J standing alone, or any case inside parentheses ("(c)", "( C )"):
# lowercase "a" is an article ("This choice is a ..."), never an option.
_LETTER = r"(?:[(\[]\s*\**\s*([A-Ja-j])\s*\**\s*[)\]]|\**((?-i:[A-J]))\**)(?![A-Za-z0-9])"
_VERB = r"(?:\s+(?:is|are|would be|should be|must be))"
_PHRASE = re.compile(  # "the answer is (C)", "Answer: C", "the correct option is C", "options are A and B"
    rf"(?:\banswer{_VERB}?\s*[:=]?|\b(?:option|choice)s?(?:{_VERB}\s*[:=]?|\s*[:=]))\s*"
    r"(?:option|choice)?\s*[:\-]?\s*\**\s*\$?\s*(?:\\boxed\{)?\s*(?:either\s+)?" + _LETTER,
    re.I,
)
_GLUED = re.compile(r"\banswer(?:\s+is)?\s*:?\s*\**\s*\(?((?-i:[A-J]){2,4})\)?\**(?![A-Za-z0-9])", re.I)  # "Answer: BC"
_OPTION_CORRECT = re.compile(r"(?:\b(?:option|choice)\s+|(?<![A-Za-z]\s)(?<![A-Za-z]))" + _LETTER + r"\s+is\s+(?:the\s+)?(?:correct|right|true|answer)", re.I)
_BOLD = re.compile(r"\*\*\s*\(?([A-J])\)?[.:)]?\s*\*\*")
_LONE = re.compile(r"^\s*(?:\*\*)?[(\[]?\s*([A-J])\s*[)\]]?(?:[.):]|\*\*)?(?:\s.*)?$")
_TEXT = re.compile(r"\\(?:text|textbf|mathrm)\s*\{([^{}]*)\}")
# what may join two letters of one hedged statement: "A or C", "(B) (C)", "B (or A)", "A/B", "A+B"
_JOIN = re.compile(r"^(?:\s*(?:,|;|/|\\\\|\\(?![a-zA-Z])|\+|&|\||∨|\\lor|\\vee|\(|\band/or\b|\bor\b|\band\b|\bmaybe\b|\bpossibly\b|\bperhaps\b|\balternatively\b|\beither\b))*\s*", re.I)
_ONE = re.compile(r"^\s*" + _LETTER)
_STANDS_ALONE = re.compile(r"^\s*(?:$|[.,;:!?)/+&|*\]}$\\∨(]|(?:or|and|also|too|works|might|could|maybe|possibly|perhaps)\b)", re.I)


def _plain(s: str) -> str:
    s = _TEXT.sub(r"\1", canonical(s))  # an option's text and an answer in one spelling (`×` is `\\times`)
    return re.sub(r"[\s$*\\{}]+", " ", s).strip().strip(".").strip().lower()


def _letters_in(text: str) -> tuple[list[str], bool]:
    """(letters, uncommitted) of the statement at the start of `text`: ["C"] for "(C) because ...",
    ["A", "C"] for "A or C" / "(A) (C)" / "A (or C)" / "AC"; uncommitted for "(C)?"."""
    text = _TEXT.sub(r"\1", text)
    glued = re.match(r"^\s*((?-i:[A-J]){2,4})(?![A-Za-z0-9])", text)
    if glued:
        return list(glued.group(1)), False
    letters, pos = [], 0
    while True:
        one = _ONE.match(text[pos:])
        if not one:
            break
        letters.append((one.group(1) or one.group(2)).upper())
        pos += one.end()
        join = _JOIN.match(text[pos:])
        nxt = _ONE.match(text[pos + join.end() :])
        if nxt and not join.group(0) and not nxt.group(1):
            break  # "AB" is handled as glued letters; "A" then "B" needs something between them
        if not nxt or not (nxt.group(1) or _STANDS_ALONE.match(text[pos + join.end() + nxt.end() :])) or _REJECTED.match(text[pos + join.end() + nxt.end() :]):
            break  # "(D) A single gene": a capital that starts a word of the option's text is no letter
        pos += join.end()
    uncommitted = bool(letters) and text[pos:].lstrip(" )*.").startswith("?")
    return letters, uncommitted


def _distinct(letters: list[str]) -> list[str]:
    return list(dict.fromkeys(letters))


def extract_letter(response: str, choices: tuple[str, ...] | list[str], config: ScienceConfig = ScienceConfig()) -> tuple[str | None, str]:
    """(letter, how) or (None, why not); letters "A,C" mark a hedged answer (several options, or
    another letter before a second `</think>`), "A?" an uncommitted one."""
    section = answer_section(response, config.tail_chars)
    if section is None:
        return None, UNCLOSED_THINK
    letter, how = _letter_from(canonical(section), choices)
    if letter and response.count("</think>") >= 2:
        earlier = [_letter_from(canonical(part), choices)[0] for part in response.split("</think>")[1:-1]]
        earlier = [e for e in earlier if e]
        if earlier and earlier[-1] != letter:
            return ",".join(_distinct([*earlier[-1].split(","), *letter.split(",")])), f"{how}; another letter before a second </think>"
    return letter, how


def _letter_from(section: str, choices: tuple[str, ...] | list[str]) -> tuple[str | None, str]:
    boxed = boxed_answer(section)
    if boxed is not None:
        letters, uncommitted = _letters_in(boxed)
        if len(_distinct(letters)) > 1 or uncommitted:
            return ",".join(_distinct(letters)) + ("?" if uncommitted else ""), "boxed"
        if letters and len(_plain(boxed)) <= 3:
            return letters[0], "boxed"
        by_text = _by_text(boxed, choices)
        if by_text:
            return by_text, "boxed option text"
        if letters:
            return letters[0], "boxed"
    phrases = sorted([*_PHRASE.finditer(section), *_OPTION_CORRECT.finditer(section)], key=lambda m: m.start())
    glued = list(_GLUED.finditer(section))
    if glued and (not phrases or glued[-1].start() > phrases[-1].start()):
        return ",".join(_distinct(list(glued[-1].group(1)))), "answer phrase"
    bold = list(_BOLD.finditer(section))
    if bold and not phrases:
        last = bold[-1]
        pair = len(bold) > 1 and not section[bold[-2].end() : last.start()].strip(" ,/;&orand")
        if pair and bold[-2].group(1) != last.group(1):
            return f"{bold[-2].group(1)},{last.group(1)}", "bold letters"
        rest = re.split(r"\.\s|\n", section[last.end() :], maxsplit=1)[0]
        return _after_letter(rest, last.group(1).upper(), choices) or (last.group(1).upper(), "bold letter")
    if phrases:
        last = phrases[-1]
        start = section.rfind("(", 0, last.start(1)) if last.group(1) else last.start(2)
        statement = re.split(r"\.\s|\n", section[start:], maxsplit=1)[0]
        letters, uncommitted = _letters_in(statement)
        if len(_distinct(letters)) > 1 or uncommitted:
            return ",".join(_distinct(letters)) + ("?" if uncommitted else ""), "answer phrase"
        letter = (last.group(1) or last.group(2)).upper()
        if len(phrases) > 1 and not re.search(r"\.\s|\n", section[phrases[-2].end() : last.start()]):
            other = (phrases[-2].group(1) or phrases[-2].group(2)).upper()
            if other != letter:  # "the answer is A or the answer is C"
                return f"{other},{letter}", "answer phrases in one sentence"
        tail = [ln for ln in section[last.end() :].splitlines()[1:] if ln.strip()]
        if tail and (lone := _LONE.match(tail[-1].strip())) and len(tail[-1].strip()) <= 4 and lone.group(1) != letter:
            return f"{letter},{lone.group(1)}", "answer phrase, then another letter alone on the last line"
        if letter not in LETTERS[: len(choices)]:  # "the answer is: I only" names an option's text
            answer, _ = extract_answer(section)
            by_text = _by_text(answer, choices) if answer else None
            if by_text:
                return by_text, "answer is option text"
        rest = re.split(r"\.\s|\n", section[last.end() :], maxsplit=1)[0]
        left = _after_letter(rest, letter, choices)
        if left:
            return left
        return letter, "answer phrase"
    lines = [ln for ln in section.strip().splitlines() if ln.strip()]
    if lines:
        lone = _LONE.match(lines[-1].strip())
        if lone and (len(lines[-1].strip()) <= 6 or lines[-1].strip()[1:3] in (") ", ". ")):
            letters, uncommitted = _letters_in(lines[-1])
            if len(_distinct(letters)) > 1 or uncommitted:
                return ",".join(_distinct(letters)) + ("?" if uncommitted else ""), "last line"
            return lone.group(1), "last line"
    answer, how = extract_answer(section)
    if answer:
        by_text = _by_text(answer, choices)
        if by_text:
            return by_text, f"{how} option text"
    return None, "no option letter or option text in the answer"


def _after_letter(rest: str, letter: str, choices: tuple[str, ...] | list[str]) -> tuple[str, str] | None:
    """What follows a committed letter, when it takes the commitment back: a parenthetical that is
    not the option's own text (`D (probably)`), or another option's text (`**D**: <text of C>`)."""
    paren = re.match(r"^[\s*$]*\(([^()]*)\)", rest)
    own = _plain(str(choices[LETTERS.index(letter)])) if letter in LETTERS[: len(choices)] else ""
    if paren and _plain(paren.group(1)) and not own.startswith(_plain(paren.group(1))):
        return f"{letter}?", f"answer phrase; a remark on the letter, not its option text: ({paren.group(1).strip()[:40]})"
    text = re.match(r"^[\s*$)\]:.\-–—]*(.+)$", rest)
    other = _by_text(text.group(1), choices) if text else None
    if other and other != letter:
        return f"{letter},{other}", "answer phrase; the letter of one option with the text of another"
    if text and own and _plain(text.group(1)).startswith(own):
        return None  # `**D**: <D's own text>` ("Both B and C" names its letters)
    for m in _SECOND_LETTER.finditer(rest):  # the completeness rule on the rest of the sentence
        second = (m.group(1) or m.group(2)).upper()
        words = {w.lower() for w in re.findall(r"[^\W\d_]+", rest[: m.start()])}
        if second == letter or second not in LETTERS[: len(choices)] or words & _LATER_SUBORDINATE or _REJECTED.match(rest[m.end() :]):
            continue  # "D, not C", "D, since C is even", "D; C is wrong": a check or a reason
        return f"{letter},{second}", "answer phrase; another option later in its sentence"
    return None


# another option's letter standing alone later in the answer's sentence ("D, otherwise C")
_SECOND_LETTER = re.compile(r"(?<![A-Za-z0-9'])" + _LETTER)


def _by_text(answer: str, choices: tuple[str, ...] | list[str]) -> str | None:
    plain = _plain(answer)
    texts = [_plain(str(c)) for c in choices[: len(LETTERS)]]
    for key in (plain, re.sub(r"^(?:\([a-j]\)|[a-j][.:)])\s+", "", plain)):  # "(C) text" / "C. text"
        hits = [LETTERS[i] for i, t in enumerate(texts) if key and t == key]
        if len(hits) == 1:
            return hits[0]
    return None


def check_choice(gold: str, choices: tuple[str, ...] | list[str], response: str, config: ScienceConfig) -> Verdict:
    gold_letter = gold.strip().strip("()").upper()
    if gold_letter not in LETTERS[: len(choices)]:
        return Verdict.of(Reason.UNPARSABLE_GOLD, None, f"gold letter {gold!r} is not one of {len(choices)} options")
    letter, how = extract_letter(response, choices, config)
    if letter is None:
        return Verdict.of(Reason.NO_ANSWER, None, how)
    if "," in letter or letter.endswith("?"):
        return Verdict.of(Reason.MULTIPLE_ANSWERS, letter, f"{how}; {'more than one option' if ',' in letter else 'a question, not a choice'} ({letter})")
    if letter not in LETTERS[: len(choices)]:
        return Verdict.of(Reason.NO_ANSWER, letter, f"{how}; option {letter} does not exist ({len(choices)} options)")
    if letter == gold_letter:
        return Verdict.of(Reason.CORRECT, letter, how)
    return Verdict.of(Reason.WRONG_ANSWER, letter, f"{how}; {letter} != {gold_letter}")


# ---- numbers with units -----------------------------------------------------------------------

_NUM = re.compile(
    r"^\s*([-+−]?\s*(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?)"
    r"(?:\s*(?:[eE]\s*([-+−]?\d+)|(?:\\times|\\cdot|×|x|\*)\s*10\s*\^\s*\{?\s*([-+−]?\d+)\s*\}?))?"
)
_UNIT_WRAP = re.compile(r"\\(?:mathrm|text|mathit|operatorname|rm|textrm)\s*\{([^{}]*)\}")


@dataclass(frozen=True)
class _Reading:
    value: float | None
    rest: str  # the text after the number: its unit, or whatever else follows
    sig: int  # significant digits as written (a fraction counts as exact)
    ulp: float  # a unit in the last written place, in the number's own scale (0: exact)


def _precision(digits: str, exp: int) -> tuple[int, float]:
    """(significant digits, unit in the last place) of a written number. An integer's trailing
    zeros are not significant, but its last place is taken no coarser than its third digit
    (SciBench writes `2600` for 2.60e3 and `30` for 30)."""
    digits = digits.replace(",", "").replace(" ", "").lstrip("+-−")
    if "." in digits:
        whole, frac = digits.split(".", 1)
        return max(1, len((whole + frac).lstrip("0"))), 10.0 ** (exp - len(frac))
    stripped = digits.lstrip("0") or "0"
    trailing = len(stripped) - len(stripped.rstrip("0")) if stripped != "0" else 0
    ulp = min(10 ** trailing, max(1, 10 ** (len(stripped) - 3)))
    return max(1, len(stripped) - trailing), float(ulp) * 10.0 ** exp


def _reading(text: str) -> _Reading:
    """The leading number of `text`, what follows it, and how precisely it is written."""
    s = canonical_latex(text).strip().strip("$").replace("{,}", ",").replace("\\,", "").replace("\\!", "").replace("−", "-")
    # `\\approx 5`, `x = 5`, `\\Delta H = 5`, `E_{a} \\approx 5`: a name, then the value
    s = re.sub(r"^\s*\\approx\s*|^\s*\\sim\s*|^\s*(?:\\[A-Za-z]+\s*)?[a-zA-Z_]\w*(?:_\{?\w+\}?)?\s*(?:=|\\approx)\s*", "", s)
    s = s.replace("\\left", "").replace("\\right", "")
    frac = re.match(r"^\s*(-?)\\d?frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}", s)
    if frac:
        den = float(frac.group(3))
        value = float(frac.group(2)) / den if den else None
        return _Reading(-value if frac.group(1) and value is not None else value, s[frac.end():], 99, 0.0)
    m = _NUM.match(s)
    if not m or not re.search(r"\d", m.group(1)):
        return _Reading(None, text, 0, 0.0)
    try:
        value = float(m.group(1).replace(",", "").replace(" ", ""))
    except ValueError:
        return _Reading(None, text, 0, 0.0)
    exp = int(m.group(2) or m.group(3) or 0)
    sig, ulp = _precision(m.group(1), exp)
    return _Reading(value * 10.0 ** exp, s[m.end():], sig, ulp)


def _number(text: str) -> tuple[float | None, str]:
    """(value, rest) for a leading number in `text`."""
    r = _reading(text)
    return r.value, r.rest


def unit_expression(latex: str) -> str:
    """LaTeX unit text (`\\mathrm{~J} \\mathrm{~mol}^{-1}`) as a pint expression (`J*mol**-1`)."""
    s = canonical_latex(latex).strip().strip("$").strip()
    s = re.sub(r"\s+per\s+", "/", s)  # kilojoules per mole
    for _ in range(3):
        s = _UNIT_WRAP.sub(r" \1 ", s)
    s = s.replace("~", " ").replace("\\,", " ").replace("\\;", " ").replace("\\ ", " ")
    s = s.replace("\\cdot", "*").replace("\\times", "*").replace("\\mu", "u").replace("μ", "u").replace("µ", "u")
    s = s.replace("\\AA", "angstrom").replace("Å", "angstrom").replace("\\Omega", "ohm").replace("Ω", "ohm")
    s = s.replace("^\\circ", " degree").replace("^{\\circ}", " degree").replace("°", " degree").replace("\\%", "percent").replace("%", "percent")
    s = s.replace("\\$", "").replace("{", "(").replace("}", ")").replace("^", "**").replace("\\", "")
    s = re.sub(r"\s*([*/])\s*", r"\1", s.strip())
    s = re.sub(r"\*\*\((-?\d+)\)", r"**\1", s)
    s = re.sub(r"\s+", "*", s)
    s = re.sub(r"(?<![A-Za-z])u\*(?=[A-Za-z])", "u", s)  # "\\mu \\mathrm{C}" is microcoulomb, not atomic mass units
    s = re.sub(r"\bdegree\*C\b|\bdegree\*\(C\)", "degC", s)
    s = re.sub(r"\b(?:ft|foot)\*?-\*?(?:lb|pound)s?\b", "ft*lbf", s)  # a foot-pound is work: force, not mass
    return s.strip("*.")


def parse_quantity(text: str, unit_hint: str | None = None) -> tuple[float | None, Any]:
    """(number, pint quantity or None) for `text`, e.g. "3.2 \\times 10^{4} J mol^{-1}"."""
    value, rest = _number(text)
    if value is None:
        return None, None
    unit = (rest.strip().strip("$").strip() or unit_hint or "").strip()
    if not unit:
        return value, None
    try:
        q = _ureg().parse_expression(unit_expression(unit))
    except Exception:  # noqa: BLE001 - pint raises many types; an unknown unit is no unit
        return value, None
    if not hasattr(q, "units") or q.dimensionless and not re.search(r"[A-Za-z%]", unit_expression(unit).replace("e", "")):
        return value, None
    return value, value * q


def _within(pred: float, gold: float, pred_ulp: float, gold_ulp: float, pred_sig: int, gold_sig: int, cfg: ScienceConfig) -> bool:
    """Whether `pred` is `gold` up to rounding. Both values in the same unit, each ulp a unit in
    the last written place of that value in that unit. The answer must round to the gold at the
    coarser of the two precisions, and may be coarser than the gold only while it keeps
    min(3, the gold's) significant digits: a tolerance no wider than the roundings it accepts, so
    one answer cannot cover two candidates (a fixed 1% covers 50.2 and 50.9 with 50.55)."""
    if cfg.rel_tol is not None:
        return math.isclose(pred, gold, rel_tol=cfg.rel_tol, abs_tol=cfg.abs_tol)
    if gold == 0:
        return abs(pred) <= cfg.abs_tol
    if pred == gold:
        return True
    if pred_ulp > gold_ulp * (1 + 1e-9) and pred_sig < min(3, gold_sig):
        return False
    return abs(pred - gold) < 0.5 * max(pred_ulp, gold_ulp) * (1 - 1e-9)


_EXPONENT = re.compile(r"10\s*\^\s*\{?\s*[-+−]?\d+\s*\}?|\^\s*\{?\s*\(?[-+−]?\d+(?:\.\d+)?\)?\s*\}?|_\s*\{?\s*\d+\s*\}?")


def _numeric_hedge(answer: str, rest: str) -> str | None:
    """Why a numeric answer names no single value, or None: a question mark, a relation with no
    left side, another number after the first (`11, 22`, `11-22`, `11 \\text{ to } 22`, `9 = 8`)."""
    if "?" in answer:
        return "a question mark: the answer is not committed"
    if re.match(r"^\s*\$?\s*(?:<|>|≤|≥|≠|\\(?:le|ge|leq|geq|neq|ne|lt|gt)(?![a-zA-Z]))", answer):
        return "a relation with no left side names a range of values, not one"
    if re.search(r"\d", _EXPONENT.sub(" ", rest)):
        return "another number after the first: more than one value"
    return None


def _unit_of(text: str) -> Any:
    """The pint unit of a LaTeX unit text, or None when it cannot be read."""
    try:
        q = _ureg().parse_expression(unit_expression(text))
    except Exception:  # noqa: BLE001 - pint raises many types
        return None
    if not hasattr(q, "units") or q.dimensionless and not re.search(r"[A-Za-z%]", unit_expression(text).replace("e", "")):
        return None
    return q


def check_numeric(gold: str, unit: str | None, response: str, config: ScienceConfig) -> Verdict:
    gold_r = _reading(gold)
    if gold_r.value is None:
        return Verdict.of(Reason.UNPARSABLE_GOLD, None, f"gold {gold!r} is not a number")
    answer, how = extract_answer(response)
    if answer is None:
        return Verdict.of(Reason.NO_ANSWER, None, how)
    alternatives = _alternatives(answer)
    if len(alternatives) > 1:
        hits = [_numeric_match(gold_r, unit, a, config)[0] for a in alternatives]
        if all(hits):
            return Verdict.of(Reason.CORRECT, answer, f"{how}; every alternative is the gold")
        reason = Reason.MULTIPLE_ANSWERS if any(hits) else Reason.WRONG_ANSWER
        return Verdict.of(reason, answer, f"{how}; {len(alternatives)} alternatives offered")
    ok, detail = _numeric_match(gold_r, unit, answer, config)
    if ok is None:
        return Verdict.of(Reason.MULTIPLE_ANSWERS, answer, f"{how}; {detail}")
    return Verdict.of(Reason.CORRECT if ok else Reason.WRONG_ANSWER, answer, f"{how}; {detail}")


def _numeric_match(gold: _Reading, unit: str | None, answer: str, config: ScienceConfig) -> tuple[bool | None, str]:
    """(whether one answer matches the gold, detail); None when the answer is a hedge."""
    pred = _reading(answer)
    hedge = _numeric_hedge(answer, pred.rest if pred.value is not None else "")
    if hedge is None and pred.value is None:
        return False, "the answer is not a number"
    if hedge:
        return None, hedge
    pred_unit = pred.rest.strip().strip("$").strip().rstrip(".").strip()
    gold_unit = (gold.rest.strip().strip("$").strip() or unit or "").strip()
    gold_q = _unit_of(gold_unit) if gold_unit else None
    if pred_unit and gold_unit:
        pred_q = _unit_of(pred_unit)
        if pred_q is None or gold_q is None:
            if unit_expression(pred_unit) != unit_expression(gold_unit):
                return False, f"unit {pred_unit!r} cannot be read or compared with {gold_unit!r}"
        else:
            try:  # quantities, not factors: an offset unit (0 degC is 273.15 K) converts as a point
                converted = float((pred.value * pred_q).to(gold_q.units).magnitude)
                per_unit = abs(float(((pred.value + 1) * pred_q).to(gold_q.units).magnitude) - converted)
            except Exception:  # noqa: BLE001 - DimensionalityError and friends
                return False, f"unit {pred_q.units:~} is not convertible to {gold_q.units:~}"
            target = float((gold.value * gold_q).magnitude)
            ok = _within(converted, target, pred.ulp * per_unit, gold.ulp * abs(float(gold_q.magnitude)), pred.sig, gold.sig, config)
            return ok, f"{converted:.6g} vs {target:.6g} {gold_q.units:~}"
    # a unit on one side only (or the same unreadable text on both): the numbers as written, and
    # against the gold scaled by a power of ten its unit carries (SciBench: 1.6 with `10^{-19} C`)
    scale = float(gold_q.magnitude) if gold_q is not None else 1.0
    ok = _within(pred.value, gold.value, pred.ulp, gold.ulp, pred.sig, gold.sig, config) or (
        scale != 1.0 and _within(pred.value, gold.value * scale, pred.ulp, gold.ulp * abs(scale), pred.sig, gold.sig, config))
    return ok, f"{pred.value:.6g} vs {gold.value:.6g}"


def check(gold: str | None, choices: tuple[str, ...] | None, unit: str | None, response: str,
          config: ScienceConfig = ScienceConfig()) -> tuple[str, str | None, str]:
    """The verdict on one response: multiple choice when `choices` is given and the gold is a
    letter, numeric otherwise. Pure; run it through a `VerifierPool`."""
    if gold is None or not str(gold).strip():
        return Verdict.of(Reason.UNPARSABLE_GOLD, None, "the problem has no gold answer")
    if is_multiple_choice(gold, choices):
        return check_choice(gold, tuple(choices or ()), response, config)
    return check_numeric(gold, unit, response, config)
