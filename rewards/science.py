"""Science rewards: multiple-choice letters and numeric answers with units.

Multiple choice (the problem has `choices` and its answer is a letter A-J): the response's final
letter is taken from the answer section (after `</think>`), in this order: the last `\\boxed{}`
(`\\boxed{C}`, `\\boxed{\\text{(C)}}`), the last "answer/option/choice is (C)" / "Answer: C" /
"**C**" phrase, a last line that is only a letter (`(C)`, `C.`). Several different letters in that
final statement ("A or C", `\\boxed{A, C}`) are a wrong answer: hedging must not be rewarded. When
no letter is found, an answer that spells one option's text selects that option. A letter beyond
the number of choices is no answer.

Numeric (the answer parses as a number): the final answer is extracted as for math (boxed, "final
answer is", "answer is") and read as a number with an optional unit (`1.2\\times10^{-3}`, `1.2e-3`,
`1,234`). The gold unit comes from `metadata["unit"]` (SciBench, written by the reader as LaTeX).
When both sides carry a unit pint converts the answer into the gold's unit (incompatible units are
wrong); when either side has none the numbers are compared as written (and against the gold scaled
by a leading power of ten in its unit: SciBench writes `1.6` with unit `10^{-19} C`). Numbers match
within `rel_tol` (relative) or `abs_tol` (for a gold of zero).

`check` is pure and runs in a `VerifierPool` worker like math's, so the same kill-based timeout
bounds it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from rewards.math import UNCLOSED_THINK, answer_section, extract_answer, last_boxed
from rewards.verdict import Reason

__all__ = ["ScienceConfig", "check", "extract_letter", "is_multiple_choice", "parse_quantity"]

LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True)
class ScienceConfig:
    rel_tol: float = 0.01  # relative tolerance for numeric answers (SciBench golds have ~3 significant figures)
    abs_tol: float = 1e-9  # absolute tolerance, only matters when the gold is 0
    tail_chars: int = 20_000  # only the last N characters of the answer section are searched


def is_multiple_choice(answer: str | None, choices: Any) -> bool:
    return choices is not None and answer is not None and bool(re.fullmatch(r"\(?[A-J]\)?", answer.strip()))


# ---- multiple choice ------------------------------------------------------------------------

_LETTER = r"\(?\**([A-J])\**\)?"
_MULTI = re.compile(rf"^\s*{_LETTER}(?:\s*(?:,|and|or|&|/)\s*{_LETTER})+", re.I)
_PHRASE = re.compile(
    r"(?:answer|option|choice)(?:\s+(?:is|would be|should be))?\s*(?:[:=]|is)?\s*"
    r"(?:option|choice)?\s*[:\-]?\s*\**\s*(?:\$?\\boxed\{)?\s*" + _LETTER + r"(?![A-Za-z0-9])",
    re.I,
)
_BOLD = re.compile(r"\*\*\s*\(?([A-J])\)?[.:)]?\s*\*\*")
_LONE = re.compile(r"^\s*(?:\*\*)?\(?([A-J])\)?(?:[.):]|\*\*)?(?:\s.*)?$")
_TEXT = re.compile(r"\\(?:text|textbf|mathrm)\s*\{([^{}]*)\}")


def _plain(s: str) -> str:
    s = _TEXT.sub(r"\1", s)
    return re.sub(r"[\s$*\\{}]+", " ", s).strip().strip(".").strip().lower()


def _letters_in(text: str) -> tuple[list[str], bool]:
    """(letters, hedged) at the start of `text`: ["C"] for "(C) because", two for "A or C"."""
    multi = _MULTI.match(text)
    if multi:
        found = re.findall(r"(?<![A-Za-z])([A-J])(?![A-Za-z])", multi.group(0))
        return found, len(set(found)) > 1
    one = re.match(rf"^\s*{_LETTER}(?![A-Za-z0-9])", text)
    return ([one.group(1)] if one else []), False


def extract_letter(response: str, choices: tuple[str, ...] | list[str], config: ScienceConfig = ScienceConfig()) -> tuple[str | None, str]:
    """(letter, how) or (None, why not); letter "A,C" marks a hedged answer."""
    section = answer_section(response, config.tail_chars)
    if section is None:
        return None, UNCLOSED_THINK
    boxed = last_boxed(section)
    if boxed is not None:
        letters, hedged = _letters_in(_plain(boxed).upper() if len(_plain(boxed)) <= 3 else _TEXT.sub(r"\1", boxed))
        if hedged:
            return ",".join(letters), "boxed"
        if letters and len(_plain(boxed)) <= 3:
            return letters[0], "boxed"
        by_text = _by_text(boxed, choices)
        if by_text:
            return by_text, "boxed option text"
        if letters:
            return letters[0], "boxed"
    phrases = list(_PHRASE.finditer(section))
    bold = list(_BOLD.finditer(section))
    last_phrase = phrases[-1] if phrases else None
    if bold and (last_phrase is None or bold[-1].start() > last_phrase.start()) and not phrases:
        return bold[-1].group(1).upper(), "bold letter"
    if last_phrase is not None:
        letters, hedged = _letters_in(section[last_phrase.start(1) - 1 if section[last_phrase.start(1) - 1] == "(" else last_phrase.start(1):])
        if hedged:
            return ",".join(letters), "answer phrase"
        letter = last_phrase.group(1).upper()
        if letter not in LETTERS[: len(choices)]:  # "the answer is: I only" names an option's text
            answer, _ = extract_answer(section)
            by_text = _by_text(answer, choices) if answer else None
            if by_text:
                return by_text, "answer is option text"
        return letter, "answer phrase"
    lines = [ln for ln in section.strip().splitlines() if ln.strip()]
    if lines:
        lone = _LONE.match(lines[-1].strip())
        if lone and (len(lines[-1].strip()) <= 4 or lines[-1].strip()[1:3] in (") ", ". ")):
            return lone.group(1), "last line"
    answer, how = extract_answer(section)
    if answer:
        by_text = _by_text(answer, choices)
        if by_text:
            return by_text, f"{how} option text"
    if bold:
        return bold[-1].group(1).upper(), "bold letter"
    return None, "no option letter or option text in the answer"


def _by_text(answer: str, choices: tuple[str, ...] | list[str]) -> str | None:
    plain = _plain(answer)
    texts = [_plain(str(c)) for c in choices[: len(LETTERS)]]
    for key in (plain, re.sub(r"^(?:\([a-j]\)|[a-j][.:)])\s+", "", plain)):  # "(C) text" / "C. text"
        hits = [LETTERS[i] for i, t in enumerate(texts) if key and t == key]
        if len(hits) == 1:
            return hits[0]
    return None


def check_choice(gold: str, choices: tuple[str, ...] | list[str], response: str, config: ScienceConfig) -> tuple[str, str | None, str]:
    gold_letter = gold.strip().strip("()").upper()
    if gold_letter not in LETTERS[: len(choices)]:
        return Reason.UNPARSABLE_GOLD.value, None, f"gold letter {gold!r} is not one of {len(choices)} options"
    letter, how = extract_letter(response, choices, config)
    if letter is None:
        return Reason.NO_ANSWER.value, None, how
    if "," in letter:
        return Reason.WRONG_ANSWER.value, letter, f"{how}; more than one option ({letter})"
    if letter not in LETTERS[: len(choices)]:
        return Reason.NO_ANSWER.value, letter, f"{how}; option {letter} does not exist ({len(choices)} options)"
    if letter == gold_letter:
        return Reason.CORRECT.value, letter, how
    return Reason.WRONG_ANSWER.value, letter, f"{how}; {letter} != {gold_letter}"


# ---- numbers with units -----------------------------------------------------------------------

_NUM = re.compile(
    r"^\s*([-+−]?\s*(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?)"
    r"(?:\s*(?:[eE]\s*([-+−]?\d+)|(?:\\times|\\cdot|×|x|\*)\s*10\s*\^\s*\{?\s*([-+−]?\d+)\s*\}?))?"
)
_UNIT_WRAP = re.compile(r"\\(?:mathrm|text|mathit|operatorname|rm|textrm)\s*\{([^{}]*)\}")
_UREG: list = []


def _ureg():
    if not _UREG:
        import pint

        _UREG.append(pint.UnitRegistry(autoconvert_offset_to_baseunit=True))
    return _UREG[0]


def _number(text: str) -> tuple[float | None, str]:
    """(value, rest) for a leading number in `text`."""
    s = text.strip().strip("$").replace("{,}", ",").replace("\\,", "").replace("\\!", "").replace("−", "-")
    s = re.sub(r"^\\approx\s*|^\\sim\s*|^[a-zA-Z_]\w*\s*(?:=|\\approx)\s*", "", s)
    s = s.replace("\\left", "").replace("\\right", "")
    frac = re.match(r"^\s*(-?)\\d?frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}", s)
    if frac:
        den = float(frac.group(3))
        value = float(frac.group(2)) / den if den else None
        return (-value if frac.group(1) and value is not None else value), s[frac.end():]
    m = _NUM.match(s)
    if not m or not re.search(r"\d", m.group(1)):
        return None, text
    try:
        value = float(m.group(1).replace(",", "").replace(" ", ""))
    except ValueError:
        return None, text
    exp = m.group(2) or m.group(3)
    if exp:
        value *= 10.0 ** int(exp)
    return value, s[m.end():]


def unit_expression(latex: str) -> str:
    """LaTeX unit text (`\\mathrm{~J} \\mathrm{~mol}^{-1}`) as a pint expression (`J*mol**-1`)."""
    s = latex.strip().strip("$").strip()
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


def _close(a: float, b: float, cfg: ScienceConfig) -> bool:
    return math.isclose(a, b, rel_tol=cfg.rel_tol, abs_tol=cfg.abs_tol)


def check_numeric(gold: str, unit: str | None, response: str, config: ScienceConfig) -> tuple[str, str | None, str]:
    gold_value, gold_q = parse_quantity(gold, unit_hint=unit)
    if gold_value is None:
        return Reason.UNPARSABLE_GOLD.value, None, f"gold {gold!r} is not a number"
    answer, how = extract_answer(response)
    if answer is None:
        return Reason.NO_ANSWER.value, None, how
    value, q = parse_quantity(answer)
    if value is None:
        return Reason.WRONG_ANSWER.value, answer, f"{how}; the answer is not a number"
    if q is not None and gold_q is not None:
        try:
            converted = q.to(gold_q.units).magnitude
        except Exception:  # noqa: BLE001 - DimensionalityError and friends
            return Reason.WRONG_ANSWER.value, answer, f"{how}; unit {q.units:~} is not convertible to {gold_q.units:~}"
        ok = _close(float(converted), float(gold_q.magnitude), config)
        detail = f"{how}; {converted:.4g} vs {gold_q.magnitude:.4g} {gold_q.units:~}"
    else:
        scaled = gold_q.to(gold_q.units).magnitude if gold_q is not None else gold_value
        ok = _close(value, gold_value, config) or _close(value, float(scaled), config)
        detail = f"{how}; {value:.6g} vs {gold_value:.6g}"
    return (Reason.CORRECT.value if ok else Reason.WRONG_ANSWER.value), answer, detail


def check(gold: str | None, choices: tuple[str, ...] | None, unit: str | None, response: str,
          config: ScienceConfig = ScienceConfig()) -> tuple[str, str | None, str]:
    """(reason, extracted, detail): multiple choice when `choices` is given and the gold is a
    letter, numeric otherwise. Pure; run it through a `VerifierPool`."""
    if gold is None or not str(gold).strip():
        return Reason.UNPARSABLE_GOLD.value, None, "the problem has no gold answer"
    if is_multiple_choice(gold, choices):
        return check_choice(gold, tuple(choices or ()), response, config)
    return check_numeric(gold, unit, response, config)
