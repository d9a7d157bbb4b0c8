"""`Verdict`: what every grader returns. A reward always carries its reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Reason(str, Enum):
    """The closed set of reasons a response got its reward."""

    # every domain
    CORRECT = "correct"
    WRONG_ANSWER = "wrong_answer"  # an answer was extracted and it does not match the gold
    NO_ANSWER = "no_answer"  # nothing answer-like could be extracted from the response
    UNPARSABLE_GOLD = "unparsable_gold"  # the data's fault, not the model's
    TIMEOUT = "timeout"  # the verifier (math) did not finish within its bound
    VERIFIER_ERROR = "verifier_error"  # the verifier raised on this pair: unknown, not "wrong"
    EMPTY_RESPONSE = "empty_response"
    # math and science: a hedge, reward 0 whichever candidate is right
    MULTIPLE_ANSWERS = "multiple_answers"  # several candidates (`8 or 9`, two letters), a range (`< 79`), a false equation, a question mark
    UNEVALUATED = "unevaluated"  # the question's own expression restated as the answer (`\\sqrt{242}` for "Simplify $\\sqrt{242}$")
    # code (sandbox results)
    NO_CODE = "no_code"  # no program found in the response
    SYNTAX_ERROR = "syntax_error"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    RUNTIME_ERROR = "runtime_error"
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"  # the sandbox itself failed: infrastructure, not the model
    COMPILE_ERROR = "compile_error"  # C++/Java that did not compile (the compiler's first lines in detail)
    WRONG_LANGUAGE = "wrong_language"  # the problem asks for one language, the response is in another
    UNSUPPORTED_LANGUAGE = "unsupported_language"  # code in a language the sandbox does not run (```rust)


@dataclass(frozen=True)
class Verdict:
    reward: float  # 1.0 or 0.0 for binary rewards
    correct: bool
    reason: Reason
    extracted: str | None = None  # the answer (or program) taken from the response
    detail: str = ""  # one short line for a human: what differed, which test failed, ...
    pass_fraction: float | None = None  # code: fraction of tests passed (reward needs all)

    @classmethod
    def of(cls, reason: Reason, extracted: str | None = None, detail: str = "", **kw) -> "Verdict":
        """The verdict a binary-reward grader gives for `reason`: reward 1 only when it is `correct`."""
        return cls.right(extracted, detail, **kw) if reason == Reason.CORRECT else cls.wrong(Reason(reason), extracted, detail, **kw)

    @classmethod
    def right(cls, extracted: str | None, detail: str = "", **kw) -> "Verdict":
        return cls(1.0, True, Reason.CORRECT, extracted, detail, **kw)

    @classmethod
    def wrong(cls, reason: Reason, extracted: str | None = None, detail: str = "", **kw) -> "Verdict":
        return cls(0.0, False, reason, extracted, detail, **kw)
