"""`MathConfig`: the math grader's bounds and tolerances, one frozen value every stage reads."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MathConfig"]


@dataclass(frozen=True)
class MathConfig:
    float_rounding: int = 6  # decimals math-verify rounds to before comparing floats
    significant_digits: int = 6  # ... and a decimal must also agree with the gold to this many significant digits
    tail_chars: int = 20_000  # only the last N characters of the answer section are searched
    max_answer_chars: int = 2_000  # an extracted answer longer than this is wrong, not parsed
    max_gold_chars: int = 1_000  # a gold answer longer than this is unparsable
    fast_paths: bool = True  # decide integers, fractions and recognised shapes without the LaTeX parser
    #                          (`rewards.math.fast`; False: the parser for all, to compare verdicts and speed)
