r"""The one reader of a `\boxed{...}` answer, shared by everything that looks for one: the MATH
adapter (the gold answer of a worked solution, ringdata/core/io/formats.py), the math and science
graders (rewards/math/reading.py, rewards/science.py) and the tiny model's probe (train/tiny.py).

It lives here, beside the records, because `ringdata` imports none of `rewards`, `sandboxes` or
`train`, while all of them may import `ringdata`. One definition, so that a gold answer read from
a data set and a model's answer read by a grader are cut out by the same rule.

The rule: the contents of the last *complete* `\boxed{...}` or `\fbox{...}` (braces balanced,
escaped `\{` `\}` not counted), or the token after `\boxed ` in the brace-less form (`\boxed 5.`
gives "5": trailing punctuation is the sentence's, not the answer's); a box directly inside the
last box is unwrapped. A regular expression cannot match nested braces, and MATH answers nest
them (`\frac{1}{2}`). How several boxes combine into one answer is grading, not reading: that is
`rewards.math.reading.boxed_answer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BOX", "Box", "boxed_spans", "close_brace", "last_boxed"]

BOX = re.compile(r"\\(?:boxed|fbox)\s*")
_BARE_TOKEN = re.compile(r"[^\s$.,;]+")


def close_brace(text: str, start: int, lenient: bool = False) -> int | None:
    """The index of the `}` closing the group that opens at `text[start]` (escaped braces skipped;
    `lenient`: an escaped `\\}` may close the outermost group, as in `\\boxed{185\\}`), or None."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        escaped = i > 0 and text[i - 1] == "\\"
        if c == "{" and not escaped:
            depth += 1
        elif c == "}" and (not escaped or (lenient and depth == 1)):
            depth -= 1
            if depth == 0:
                return i
    return None


@dataclass(frozen=True)
class Box:
    start: int  # index of the backslash of `\\boxed`
    end: int  # index just past the closing brace
    content: str


def boxed_spans(text: str) -> list[Box]:
    """Every complete outermost `\\boxed{...}` / `\\fbox{...}` (or `\\boxed 5`), in order. A box whose
    braces never balance is read leniently (`\\boxed{185\\}`: an escaped closing brace) only when it
    is the last thing boxed."""
    spans: list[Box] = []
    for match in BOX.finditer(text):
        if spans and match.start() < spans[-1].end:
            continue  # nested inside the previous box
        end = match.end()
        if end < len(text) and text[end] == "{":
            close = close_brace(text, end)
            if close is None and not BOX.search(text, end):
                close = close_brace(text, end, lenient=True)
            if close is not None:
                spans.append(Box(match.start(), close + 1, text[end + 1 : close]))
        elif end < len(text) and match.group(0).endswith(" "):
            token = _BARE_TOKEN.match(text[end:])
            if token:
                spans.append(Box(match.start(), end + token.end(), token.group(0)))
    return spans


def last_boxed(text: str) -> str | None:
    """The contents of the last complete `\\boxed{...}` / `\\fbox{...}` (or `\\boxed 5`); a box
    inside the last box is unwrapped (`\\boxed{\\boxed{3}}` is 3); None if there is none."""
    spans = boxed_spans(text)
    if not spans:
        return None
    inner = spans[-1].content
    nested = boxed_spans(inner)
    return nested[-1].content if nested and nested[-1].start == len(inner) - len(inner.lstrip()) else inner
