"""Reading: the final answer of a response, and the shape of an answer (items, alternatives,
relations), in the canonical form (`rewards.math.canonical`).

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
- text after the answer's sentence (`_later_values`, within 600 characters): a value there that
  nothing accounts for (a subordinating word of its clause, a preposition, a rejection after it,
  an equation or arithmetic, a list marker, an exponent, a quantity of the question) is a second
  candidate: "Answer: 4. Alternatively, 11.", a footnote "[^1]: Or 11.". Hack: an alternative
  after the sentence ended. Restating the answer ("So the answer is $12$") costs nothing.
- no anchor, no answer: a bare last number is not taken (rewarding the last number of a
  derivation teaches guessing).

Normalisation (`normalize`, both sides unless said):
- numbers: `1,000` (only when the whole answer is one grouped number), `1{,}000`, `1\\,000`,
  `1\\ 000`, `1 000`, `,\\!` with or without a space after it (MATH's thousands separator,

Shape: `_items` (top-level list items: `,`, `;`, `\\quad\\text{and}\\quad`, lines), `_alternatives`
(`or`, `\\lor`, `\\text{8 or 9}`), `_systems` (`p=5,q=2;p=7,q=2` as tuples); the hedge policy
(`rewards.math.hedges`) decides what several of them are worth.
"""

from __future__ import annotations

import re

from rewards.math.canonical import _TEXT, canonical
from rewards.math.config import MathConfig
from ringdata.core.answers import BOX as _BOX, Box as _Box, boxed_spans, last_boxed  # the one \\boxed{} reader

__all__ = ["OR", "UNCLOSED_THINK", "answer_section", "boxed_answer", "extract_answer", "last_boxed"]


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


def boxed_answer(text: str, later: bool = False, question: str | None = None) -> str | None:
    """The final boxed answer of `text`: the last box with the boxes a connector joins to it and an
    alternative offered beside it (see `_boxed_answer`, `_with_alternatives`; `later`: in later
    sentences too, `_later_values`); None without a box."""
    spans = boxed_spans(text)
    if not spans:
        return None
    answer, start = _boxed_answer(text, spans)
    return _with_alternatives(answer, text[:start], text[spans[-1].end :], later, question)


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


# Later sentences (after the answer's own): a value there is accounted for when a word of its
# clause subordinates it (a reason, a check, a comparison, a negation: "Note that the answer is not
# $6$", "This is because $3$ is too large"), a preposition governs it ("after 5 years"), a
# rejection follows it ("$6$ is not possible"), or its clause is work (an equation, arithmetic).
# Narrower than `_SUBORDINATE`: "Another possible answer is $11$" and "It could also be $11$" offer
# a candidate; the copula and pronouns that join a value to its own sentence do not subordinate a
# new one.
_LATER_SUBORDINATE = frozenset("not never nor neither since because as than instead rather given where whereas which "
                               "whose so thus hence therefore per using via".split())
# words that make their clause work on values, not an answer: "the sum of 3 and 4 is 7"
_ARITHMETIC = frozenset("times plus minus divided multiplied sum product difference quotient remainder squared cubed".split())
# a preposition right before a value makes it a circumstance, not a candidate: "after 5 years", "by 3"
_PREPOSITION = frozenset("at in by on for with from after before over under between within into among".split())
_REJECTED = re.compile(  # a clause that rejects the value before it: "$6$ is not possible", "C might not be right", "3 is too large"
    r"^\s*(?:[^\W\d_]+\s+){0,3}?(?:is|are|was|were|be|would|could|might|may|must|should|can|will|shall|does|do|did)\s+(?:not|never)\b"
    r"|^\s*(?:[^\W\d_]+\s+){0,2}?(?:isn't|aren't|wasn't|doesn't|don't|can't|cannot|won't|wouldn't|couldn't|shouldn't)\b"
    r"|^\s*(?:is|are|was|were|would\s+be|seems)\s+(?:wrong|incorrect|impossible|invalid|excluded|ruled\s+out|too\s+\w+)\b", re.I)
_LATER_VALUE = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\$[^$]+\$|\\\(.+?\\\)|\\(?:d?frac|sqrt)\s*(?:\{[^{}]*\})+|(?<![\w^_{.\\\-])-?\.?\d[\d.,]*(?:_\{?\d+\}?)?(?![\w.]\w)")
_WORK = re.compile(r"(?<![<>!\\])=|[<>≤≥≠]|\\(?:le|ge|leq|geq|neq|approx|equiv)(?![A-Za-z])")
_LATER_CHARS = 600  # the text after the answer searched for later alternatives (a footnote, a last remark)


def _later_values(after: str, question: str | None = None, answer: str = "") -> list[str]:
    """Values offered after the answer's sentence that nothing there accounts for: the completeness
    rule on the text after the final answer. A value is accounted for when it is work (an equation
    or a relation: a check such as `3 \\cdot 4 = 12`; arithmetic in words), a list marker, an
    exponent or index (`m^2`, `[^1]`), a quantity of the question (the number with the word that
    follows it there: "the 5 years"), or held by a word of its clause (`_later_accounted`).
    Whatever else is a second candidate ("Alternatively, $11$.", "[^1]: Or 11."): the comparison
    sees it as an alternative, so a restated answer ("So the answer is $12$", "that is, $0.5$")
    costs nothing, and an accounted value is ignored, never read as the answer."""
    found: list[str] = []
    letters = set(re.findall(r"(?<![\\A-Za-z])[A-Za-z](?![A-Za-z])", answer))
    quantities = {(n, w.lower()) for n, w in re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)\s*\$?\s*([^\W\d_]+)", question or "")}
    text = after[:_LATER_CHARS]
    text = re.sub(r"\[\^[^\]]*\]|(?:\^|(?<!\d)_)\s*(?:\{[^{}]*\}|-?\d)", lambda m: " " * len(m.group(0)), text)  # footnote marks, powers (`52_9` is a numeral)
    text = re.sub(r"(?m)^(\s*)(?:\d{1,2}|[a-z])[.)](?=\s)", lambda m: " " * len(m.group(0)), text)  # "1. ", "2) ": list markers
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text)
    for sentence in sentences[1:] if not re.match(r"^\s*[$)}\]]*\s*(?:[.!?\n]|$)", text) else sentences:
        previous_end, previous_ok = None, False
        for value in _LATER_VALUE.finditer(sentence):
            word = re.match(r"\s*([^\W\d_]+)", sentence[value.end() :])
            ok = _later_accounted(sentence, value, letters) or (word is not None and (value.group(0).strip("$"), word.group(1).lower()) in quantities) or (
                previous_ok and re.fullmatch(r"\s*(?:,|and|,\s*and|[-+*/])?\s*", sentence[previous_end : value.start()]) is not None)  # "by 3 and 4", "not 6 - 6i"
            previous_end, previous_ok = value.end(), ok
            inner = value.group(0).strip("$").removeprefix("\\(").removesuffix("\\)").strip().rstrip(".,")
            if not ok and inner not in found:
                found.append(inner)
    return found


def _later_accounted(sentence: str, value: re.Match[str], letters: set[str] = frozenset()) -> bool:
    """Whether a value in a sentence after the answer is accounted for (see `_later_values`)."""
    inner = value.group(0).strip("$").removeprefix("\\(").removesuffix("\\)").removeprefix("\\[").removesuffix("\\]").strip()
    rhs = re.sub(r"^\s*(?:\\[A-Za-z]+\s*)?[A-Za-z](?:_\{?\w+\}?)?\s*=", "", inner)
    if not re.search(r"\d", inner) or _WORK.search(rhs):
        return True  # no number, or work: `3 \\cdot 4 = 12`; `x = 11` is a name and a value
    if set(re.findall(r"(?<![\\A-Za-z])[A-Za-z](?![A-Za-z])", re.sub(r"\\[A-Za-z]+", " ", rhs))) - letters - {"i", "e"}:
        return True  # a formula in variables the answer does not have (`A = P(1 + \\frac{r}{n})^{nt}`), not a value
    before, after = sentence[: value.start()], sentence[value.end() :]
    clause = re.split(r"[,;:(]|\s[–—]\s|\s--\s", before)[-1]
    ahead = re.split(r"[,;:()]|\s[–—]\s|\s--\s", after)[0]
    named = re.sub(r"(?:\\[A-Za-z]+\s*)?[A-Za-z](?:_\{?\w+\}?)?\s*=\s*$", " ", clause)  # `x=12`: a name and its value
    if _WORK.search(re.sub(r"\$[^$]*\$", " ", named + " " + ahead)):
        return True  # an operand of an equation written in prose: "3 + 4 = 7"
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", re.sub(r"\\[A-Za-z]+|\$[^$]*\$", " ", clause))]
    ahead_words = {w.lower() for w in re.findall(r"[^\W\d_]+", re.sub(r"\\[A-Za-z]+|\$[^$]*\$", " ", ahead))}
    return bool(set(words) & _LATER_SUBORDINATE or (set(words) | ahead_words) & _ARITHMETIC
                or set(words[-2:]) & _PREPOSITION or _REJECTED.match(after) or re.match(r"\s*(?:per|each)\b", after))


def _with_alternatives(answer: str, before: str, after: str, later: bool = True, question: str | None = None) -> str:
    """`answer` joined with an alternative offered right after it in the same sentence ("\\boxed{5}
    (or possibly 7)"), right before it ("7 or \\boxed{5}") or in a later sentence ("Alternatively,
    $7$.", a footnote: `_later_values`): a hedge the comparison must see."""
    if re.match(r"^[\s$)}\]*(]*\?", after):
        answer += "?"  # "\\boxed{5}?", "$5$ (?)": a question, not an answer
    extra = []
    tail = _OR_AFTER.match(after[:120]) or _second_value(after)
    if tail:
        extra.append(tail.group(1))
    head = _OR_BEFORE.search(re.split(r"\.\s|\n", before[-120:])[-1])
    if head:
        extra.insert(0, head.group(1))
    later = [] if not later else [v for v in _later_values(after, question, answer) if re.sub(r"\s", "", v) != re.sub(r"\s", "", answer)]
    if not extra and not later:
        return answer
    clean = [e.strip("$").removeprefix("\\(").removesuffix("\\)").strip() for e in extra]
    joined = ([clean[0]] if head else []) + [answer] + ([clean[-1]] if tail else [])
    return OR.join(joined + [v for v in later if v not in joined])


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


def _after(anchor: re.Pattern[str], text: str, sentence: bool = False, question: str | None = None) -> tuple[str | None, int]:
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
        return (_with_later(rest[2:end].strip(), rest[end + 2 :], question) if end > 0 else None), at
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
        return _with_alternatives(joiner.join(parts), "", rest[pos:], question=question), at
    if rest.startswith("\\("):
        end = rest.find("\\)", 2)
        return (_with_later(rest[2:end].strip(), rest[end + 2 :], question) if end > 0 else None), at
    stop = _SENTENCE_END.search(rest)
    answer = (rest[: stop.start()] if stop else rest).strip().rstrip(".").strip()
    answer = _NOT_CLAUSE.sub("", answer).strip() if not answer.lower().startswith("not") else answer
    answer = (_sentence_value(answer) if sentence else answer) if answer else None
    return (_with_later(answer, rest[stop.start() :], question) if answer and stop else answer), at


def _with_later(answer: str, after: str, question: str | None = None) -> str:
    """`answer` joined with the alternatives later sentences offer (`_later_values`)."""
    later = [v for v in _later_values(after, question, answer) if re.sub(r"\s", "", v) != re.sub(r"\s", "", answer)]
    return OR.join([answer, *later]) if later else answer


def _has_math(answer: str) -> bool:
    return bool(re.search(r"[\d\\=+\-*/^()]", answer)) or not re.search(r"[A-Za-z]{3,}", answer)


def extract_answer(response: str, config: MathConfig = MathConfig(), question: str | None = None) -> tuple[str | None, str]:
    """(answer, how it was found or why not) from a model response. Alternatives the response
    offers ("\\boxed{1} or \\boxed{2}", a second `</think>` with another answer) come back joined
    by `OR`, lists of boxes joined by ", "; the comparison decides what they are worth. With the
    `question`, its quantities after the answer are data, not alternatives (`_later_values`)."""
    section = answer_section(response, config.tail_chars)
    if section is None:
        return None, UNCLOSED_THINK
    answer, how = _extract_from(canonical(section), question)
    if answer is not None and response.count(_THINK_CLOSE) >= 2:
        earlier = response.split(_THINK_CLOSE)[1:-1]
        previous = [a for a, _ in (_extract_from(canonical(e)) for e in earlier) if a is not None]
        if previous and re.sub(r"\s", "", previous[-1]) != re.sub(r"\s", "", answer):
            return previous[-1] + OR + answer, f"{how}; another answer before a second </think>"
    return answer, how


def _extract_from(section: str, question: str | None = None) -> tuple[str | None, str]:
    spans = boxed_spans(section)
    if spans:
        for anchor in (_FINAL, _ANSWER_LINE):  # an explicit answer marker after the last box wins
            found, at = _after(anchor, section, sentence=True, question=question)
            if found and at >= spans[-1].end and _has_math(found):
                inner = last_boxed(found)
                return (inner if inner is not None else found), "answer marker after the last box"
        return boxed_answer(section, later=True, question=question), "boxed"
    for anchor, how in ((_FINAL, "final answer is"), (_HASHES, "####"), (_ANSWER_IS, "answer is")):
        found, _ = _after(anchor, section, sentence=anchor is _FINAL, question=question)
        if found:
            inner = last_boxed(found)
            return (inner if inner is not None else found), how
    return None, "no \\boxed{}, 'final answer is', '####' or 'answer is' in the answer"


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
    if not marks:  # nothing to split at: the walk below would find no cut (most answers are one value)
        whole = s.strip().strip(",").strip()
        return [whole] if whole else []
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
