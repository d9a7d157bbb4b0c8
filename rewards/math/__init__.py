"""Math rewards: read the final answer from a response and decide whether it equals the gold.

A grader is a policy's target. Every rule below says what it accepts, and (Hack:) how a policy
could try to earn reward through it and why it cannot; `tests/rewards/cases/hedges.py` builds each
hack and each honest form over real golds, `benchmarks/hedge_redteam.py` counts them.
Hedges score 0 with a reason of their own: `multiple_answers` (the gold is among several
candidates, or the answer is a range, a relation or a question), `unevaluated` (the question's
expression copied back).

The stages, one module each, in the order a response passes them:
- `rewards.math.canonical`: one canonical form before any rule (Unicode NFKC, format characters
  removed, confusables folded, Unicode mathematics as LaTeX, presentational LaTeX removed by one
  table), and `normalize`, the spelling math-verify parses best;
- `rewards.math.reading`: the final answer of a response (`extract_answer`) and its shape (items,
  alternatives, relations);
- `rewards.math.hedges`: the hedge policy (`judge`: several candidates, ranges, relations, a `?`),
  the completeness rule (`leftovers`: every part of the answer accounted for) and restatement;
- `rewards.math.equivalence`: whether one candidate equals the gold (notations, percent, bases,
  exactness; math-verify underneath).

Two verbs: `check(gold, response)` -> `Verdict` (run it in a `VerifierPool` worker, as
`rewards.grade` does) and `gold_is_parsable(gold)` (curation; `golds_are_parsable` for many).
"""

from __future__ import annotations

from collections.abc import Sequence

from rewards.math.config import MathConfig
from rewards.math.equivalence import gold_check
from rewards.math.hedges import judge, leftovers, restates
from rewards.math.canonical import normalize
from rewards.math.reading import extract_answer
from rewards.verdict import Reason, Verdict

__all__ = ["MathConfig", "check", "gold_is_parsable", "golds_are_parsable"]


def check(gold: str, response: str, config: MathConfig = MathConfig(), question: str | None = None) -> Verdict:
    """The verdict on one response; `question` (optional) lets the restated-expression rule run.
    Pure and unbounded: call it through a `VerifierPool` (as `rewards.grade` does), never directly
    on untrusted text in a server."""
    if not gold_check(gold, config):
        return Verdict.wrong(Reason.UNPARSABLE_GOLD, None, f"gold answer {gold[:80]!r} does not parse")
    extracted, how = extract_answer(response, config, question)
    if extracted is None:
        return Verdict.wrong(Reason.NO_ANSWER, None, how)
    if len(extracted) > config.max_answer_chars:
        return Verdict.wrong(Reason.WRONG_ANSWER, extracted[:200], f"answer longer than {config.max_answer_chars} chars")
    g = normalize(gold)
    reason, detail = judge(g, extracted, config, question)
    if reason != Reason.CORRECT:
        return Verdict.wrong(reason, extracted, f"{how}; {detail}" if detail else how)
    left = leftovers(extracted, gold, question)
    if left:
        return Verdict.wrong(Reason.MULTIPLE_ANSWERS, extracted, f"{how}; not accounted for by the value read: {', '.join(left)}")
    if question and restates(question, extracted, g):
        return Verdict.wrong(Reason.UNEVALUATED, extracted, f"{how}; the question's own expression, not evaluated (gold {gold[:40]})")
    return Verdict.right(extracted, f"{how}; {detail}" if detail else how)


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
