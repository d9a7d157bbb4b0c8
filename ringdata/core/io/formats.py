"""Adapters: one raw row of a public data set in, the fields of one `Problem` out.

Each adapter names the columns it recognises (`matches`), the domain its rows belong to and the
column that holds the data set's own id (used so ids stay stable across runs). Rows that already
carry the Problem fields by name (`question`, `domain`, `answer`, `tests`, ...) are the `native`
format and need no option. Auto-detection tries every adapter on the first row and refuses to
guess when more than one fits (`detect`).

An adapter raises `FieldError(field, message)` for a row it cannot convert; the caller adds the
file and row. A row that converts but has nothing checkable (a MATH solution with no \\boxed{}, a
code problem with no tests) is not an error: it becomes a problem with a null answer or null
tests, and the clean steps drop it with a counted reason.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from ringdata.core.answers import last_boxed
from ringdata.core.errors import RingdataError
from ringdata.core.records import DOMAINS, LANGUAGES

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class FieldError(Exception):
    """A row's field is missing or has the wrong type; the reader adds file and row."""

    def __init__(self, field: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.field, self.message, self.hint = field, message, hint


@dataclass(frozen=True)
class Adapter:
    name: str
    domain: str
    description: str  # what the format looks like, for error messages and `--help`
    matches: Callable[[dict[str, Any]], bool]
    convert: Callable[[dict[str, Any]], dict[str, Any]]  # -> question, answer, ..., own_id


# ---- field helpers -------------------------------------------------------------------------


def _get(row: dict[str, Any], key: str) -> Any:
    if key not in row or row[key] is None:
        raise FieldError(key, "missing", hint=f"every row of this format needs {key!r}")
    return row[key]


def _text(row: dict[str, Any], key: str) -> str:
    value = _get(row, key)
    if not isinstance(value, str):
        raise FieldError(key, f"is a {type(value).__name__}, expected text")
    return value


def _opt_text(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(key, f"is a {type(value).__name__}, expected text or a number")
    return _number_text(value) if not isinstance(value, str) else value


def _number_text(value: int | float) -> str:
    """27.0 -> "27": JSON files often store integer answers as floats (AMC 2023 does)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_cell(value: Any, key: str) -> Any:
    """Parquet/CSV cells hold nested values as JSON text (or, in MMLU dumps, a Python literal)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise FieldError(key, "is text that is neither JSON nor a Python literal") from None


def _str_list(value: Any, key: str) -> list[str]:
    value = _json_cell(value, key)
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise FieldError(key, f"is a {type(value).__name__}, expected a list of strings")
    return list(value)


def _tests_stdio(inputs: Any, outputs: Any, key: str) -> list[dict[str, str | None]]:
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise FieldError(key, "inputs and outputs must be lists")
    if len(inputs) != len(outputs):
        raise FieldError(key, f"has {len(inputs)} inputs but {len(outputs)} outputs")
    tests = []
    for i, (inp, out) in enumerate(zip(inputs, outputs)):
        tests.append({"input": _io_text(inp, key, i), "output": _io_text(out, key, i), "assert": None})
    return tests


def _io_text(value: Any, key: str, i: int) -> str | None:
    """APPS stores some stdin/stdout as a list of lines; everything else is a string."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    raise FieldError(key, f"test {i} has a {type(value).__name__} where text was expected")


def native_tests(value: Any, key: str = "tests") -> list[dict[str, str | None]] | None:
    """The native form: a list of {"input", "output"} or {"assert"} items."""
    if value is None:
        return None
    value = _json_cell(value, key)
    if value is None:
        return None
    if isinstance(value, dict) and "inputs" in value:
        return _tests_stdio(value.get("inputs"), value.get("outputs"), key)
    if not isinstance(value, list):
        raise FieldError(key, f"is a {type(value).__name__}, expected a list of tests")
    tests = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise FieldError(key, f"test {i} is a {type(item).__name__}, expected an object")
        unknown = set(item) - {"input", "output", "assert"}
        if unknown:
            raise FieldError(key, f"test {i} has unknown keys {sorted(unknown)}; use input/output or assert")
        tests.append(
            {
                "input": _io_text(item.get("input"), key, i),
                "output": _io_text(item.get("output"), key, i),
                "assert": _io_text(item.get("assert"), key, i),
            }
        )
    return tests


# ---- native --------------------------------------------------------------------------------

_NATIVE = {"id", "domain", "source", "question", "answer", "choices", "tests", "entry_point", "language",
           "solutions", "metadata", "pass_rate", "n_samples"}  # fmt: skip


def _cell_number(value: Any, kind: type) -> Any:
    """CSV cells are text: "0.5" is a number there. Anything else is returned as is (and checked)."""
    if isinstance(value, str):
        try:
            return kind(value.strip()) if value.strip() else None
        except ValueError:
            return value
    return value


def _native(row: dict[str, Any]) -> dict[str, Any]:
    domain = row.get("domain")
    if domain is not None and domain not in DOMAINS:
        raise FieldError("domain", f"is {domain!r}; expected one of {', '.join(DOMAINS)}")
    language = _opt_text(row, "language")
    if language is not None and language not in LANGUAGES:
        raise FieldError("language", f"is {language!r}; expected one of {', '.join(LANGUAGES)} (or leave it empty: any)")
    meta = _json_cell(row.get("metadata"), "metadata") if row.get("metadata") is not None else {}
    if not isinstance(meta, dict):
        raise FieldError("metadata", f"is a {type(meta).__name__}, expected an object")
    meta = {**{k: v for k, v in row.items() if k not in _NATIVE}, **meta}  # keep unknown columns
    pass_rate, n_samples = _cell_number(row.get("pass_rate"), float), _cell_number(row.get("n_samples"), int)
    if pass_rate is not None and (not isinstance(pass_rate, (int, float)) or not 0 <= pass_rate <= 1):
        raise FieldError("pass_rate", f"is {pass_rate!r}, expected a number in [0, 1]")
    if n_samples is not None and (not isinstance(n_samples, int) or isinstance(n_samples, bool)):
        raise FieldError("n_samples", f"is {n_samples!r}, expected a whole number")
    return {
        "own_id": _opt_text(row, "id"),
        "id_is_full": True,
        "domain": domain,
        "source": _opt_text(row, "source"),
        "question": _text(row, "question"),
        "answer": _opt_text(row, "answer"),
        "choices": _str_list(row["choices"], "choices") if row.get("choices") is not None else None,
        "tests": native_tests(row.get("tests")),
        "entry_point": _opt_text(row, "entry_point"),
        "language": language,
        "solutions": _str_list(row["solutions"], "solutions") if row.get("solutions") is not None else None,
        "metadata": meta,
        "pass_rate": pass_rate,
        "n_samples": n_samples,
    }


# ---- math ----------------------------------------------------------------------------------


def _math(row: dict[str, Any]) -> dict[str, Any]:
    """MATH (problem + solution with \\boxed{}), MATH-500/AIME/AMC (problem + answer)."""
    solution = _opt_text(row, "solution")
    answer = _opt_text(row, "answer")
    if answer is None and solution is not None:
        answer = last_boxed(solution)
    meta = {k: row[k] for k in ("level", "type", "subject", "url") if row.get(k) is not None}
    if solution is not None:
        meta["solution"] = solution
    return {
        "own_id": _opt_text(row, "unique_id") or _opt_text(row, "id"),
        "question": _text(row, "problem"),
        "answer": answer,
        "metadata": meta,
    }


def _gsm8k(row: dict[str, Any]) -> dict[str, Any]:
    """GSM8K: the answer field is a worked solution ending in "#### <number>"."""
    full = _text(row, "answer")
    work, _, final = full.rpartition("####")
    return {
        "own_id": _opt_text(row, "id"),
        "question": _text(row, "question"),
        "answer": final.strip() or None,
        "metadata": {"solution": work.strip()},
    }


# ---- code ----------------------------------------------------------------------------------


def _humaneval(row: dict[str, Any]) -> dict[str, Any]:
    """HumanEval: the prompt is a function stub; the test defines check(candidate)."""
    prompt, entry = _text(row, "prompt"), _text(row, "entry_point")
    test = _text(row, "test")
    solution = _opt_text(row, "canonical_solution")
    return {
        "own_id": _text(row, "task_id"),
        "question": prompt,
        "tests": [{"input": None, "output": None, "assert": f"{test}\n\ncheck({entry})\n"}],
        "entry_point": entry,
        "language": "python",  # function-call tests
        "solutions": [prompt + solution] if solution else None,
    }


_DEF = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", re.M)


def _mbpp(row: dict[str, Any]) -> dict[str, Any]:
    """MBPP: text + test_list of asserts. The first test is shown in the question as a usage
    example (the model must learn the function's name and signature from somewhere, as in the
    MBPP paper's prompt); all tests, challenge tests included, are kept for grading."""
    text = _text(row, "text")
    asserts = _str_list(_get(row, "test_list"), "test_list")
    challenge = _str_list(row.get("challenge_test_list") or [], "challenge_test_list")
    setup = _opt_text(row, "test_setup_code") or ""
    code = _opt_text(row, "code")
    entry = None
    if code and asserts:
        entry = next((n for n in _DEF.findall(code) if re.search(rf"\b{n}\s*\(", asserts[0])), None)
    question = f"{text}\nYour code should pass this test:\n{asserts[0]}" if asserts else text
    prefix = f"{setup.strip()}\n" if setup.strip() else ""
    tests = [{"input": None, "output": None, "assert": prefix + a} for a in asserts + challenge]
    return {
        "own_id": _opt_text(row, "task_id"),
        "question": question,
        "tests": tests or None,
        "entry_point": entry,
        "language": "python",  # function-call tests
        "solutions": [code.replace("\r\n", "\n")] if code else None,
    }


def _expressible(value: Any) -> bool:
    """Whether JSON data reads back from its Python repr as the same literal: every float finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_expressible(v) for v in value)
    if isinstance(value, dict):
        return all(_expressible(k) and _expressible(v) for k, v in value.items())
    return True


def _apps(row: dict[str, Any]) -> dict[str, Any]:
    """APPS / TACO: `input_output` is JSON text {"inputs": [...], "outputs": [...], "fn_name"?}.

    With `fn_name` the tests call a function: each input is the argument list, and (APPS
    convention) a one-element output list wraps the return value.
    """
    io_ = _json_cell(_get(row, "input_output"), "input_output") if row.get("input_output") else None
    tests, entry = None, None
    if isinstance(io_, dict) and io_.get("inputs") is not None:
        entry = io_.get("fn_name")
        if entry:
            tests = []
            for args, out in zip(io_["inputs"], io_.get("outputs") or []):
                want = out[0] if isinstance(out, list) and len(out) == 1 else out
                args = args if isinstance(args, list) else [args]
                if not (_expressible(args) and _expressible(want)):
                    # JSON's Infinity/NaN: their repr is a bare name (`== inf`) that the program
                    # could define, and NaN equals nothing. An empty test: malformed to curation,
                    # unparsable_gold to the grader, never compared.
                    tests.append({"input": None, "output": None, "assert": None})
                    continue
                tests.append({"input": None, "output": None, "assert": f"assert {entry}(*{args!r}) == {want!r}"})
        else:
            tests = _tests_stdio(io_["inputs"], io_.get("outputs"), "input_output")
    elif io_ is not None and not isinstance(io_, dict):
        raise FieldError("input_output", f"is a {type(io_).__name__}, expected an object")
    sols = row.get("solutions")
    solutions = _str_list(sols, "solutions") if sols not in (None, "", "[]") else None
    meta = {k: row[k] for k in ("difficulty", "url", "source", "starter_code") if row.get(k)}
    return {
        "own_id": _opt_text(row, "problem_id") or _opt_text(row, "id"),
        "question": _text(row, "question"),
        "tests": tests,
        "entry_point": entry,
        "language": "python" if entry else None,  # fn_name tests call a Python function; stdin/stdout: any
        "solutions": solutions,
        "metadata": meta,
    }


def _codecontests(row: dict[str, Any]) -> dict[str, Any]:
    """CodeContests / Codeforces. rllm shapes: `problem` + `tests` as {"inputs", "outputs"} or
    [{"input", "output"}]; DeepMind's original: `description` + public/private/generated_tests
    as {"input": [...], "output": [...]} and `solutions` {"language": [...], "solution": [...]}."""
    if "problem" in row:
        return {"own_id": _opt_text(row, "id"), "question": _text(row, "problem"),
                "tests": native_tests(_get(row, "tests"))}  # fmt: skip
    tests: list[dict[str, str | None]] = []
    for key in ("public_tests", "private_tests", "generated_tests"):
        block = _json_cell(row.get(key), key) or {}
        if not isinstance(block, dict):
            raise FieldError(key, f"is a {type(block).__name__}, expected an object")
        tests += _tests_stdio(block.get("input", []), block.get("output", []), key)
    sols = _json_cell(row.get("solutions"), "solutions") or {}
    fence = {1: "python", 2: "cpp", 3: "python", 4: "java"}  # CodeContests' language ids (1 is Python 2)
    solutions = [f"```{fence[lang]}\n{s}\n```" for lang, s in zip(sols.get("language", []), sols.get("solution", []))
                 if lang in fence]  # fmt: skip
    return {
        "own_id": _opt_text(row, "name"),
        "question": _text(row, "description"),
        "tests": tests or None,
        "solutions": solutions or None,  # stdin/stdout: any language may answer
    }


# ---- science -------------------------------------------------------------------------------


def _choice_letter(answer: Any, n: int) -> str:
    """A letter from MMLU's 0-based index (int or digit text) or a letter, "(B)" or "B."."""
    if isinstance(answer, bool):
        raise FieldError("answer", "is a bool, expected a letter or a 0-based index")
    if isinstance(answer, int) or (isinstance(answer, str) and answer.strip().isdigit()):
        index = int(answer)
        if not 0 <= index < n:
            raise FieldError("answer", f"index {index} is out of range for {n} choices", hint="MMLU indices are 0-based")
        return LETTERS[index]
    if isinstance(answer, str):
        letter = answer.strip().strip("().").upper()
        if len(letter) == 1 and letter in LETTERS[:n]:
            return letter
    raise FieldError("answer", f"is {answer!r}; expected a choice letter (A-{LETTERS[n - 1]}) or a 0-based index")


def _mcq(row: dict[str, Any]) -> dict[str, Any]:
    """Multiple-choice science: question + choices + answer (letter or MMLU 0-based index);
    ARC-style choices {"text": [...], "label": [...]} with `answerKey` also work."""
    raw = _json_cell(_get(row, "choices"), "choices")
    if isinstance(raw, dict) and "text" in raw:
        raw = raw["text"]
    choices = _str_list(raw, "choices")
    if not 2 <= len(choices) <= len(LETTERS):
        raise FieldError("choices", f"has {len(choices)} options, expected between 2 and {len(LETTERS)}")
    answer = row.get("answer", row.get("answerKey"))
    if answer is None:
        raise FieldError("answer", "missing", hint="every row of this format needs 'answer'")
    meta = {k: row[k] for k in ("subject", "type") if row.get(k) is not None}
    return {
        "own_id": _opt_text(row, "id"),
        "question": _text(row, "question"),
        "answer": _choice_letter(answer, len(choices)),
        "choices": choices,
        "metadata": meta,
    }


def _scibench(row: dict[str, Any]) -> dict[str, Any]:
    """SciBench: `answer_number` is the gold value, `unit` its LaTeX unit (kept in metadata)."""
    unit = (_opt_text(row, "unit") or "").strip().strip("$").strip()
    textbook = (_opt_text(row, "source") or "").strip()
    pid = (_opt_text(row, "problemid") or "").strip()
    meta = {"unit": unit or None, "textbook": textbook or None, "problemid": pid or None}
    for k in ("answer_latex", "comment", "solution"):
        if row.get(k) and str(row[k]).strip():
            meta[k] = str(row[k]).strip()
    number = _opt_text(row, "answer_number")
    return {
        "own_id": f"{textbook}/{pid}" if textbook and pid else (pid or None),
        "question": _text(row, "problem_text"),
        "answer": number.strip() if number and number.strip() else None,
        "metadata": meta,
    }


# ---- registry ------------------------------------------------------------------------------


def _has(*keys: str) -> Callable[[dict[str, Any]], bool]:
    return lambda row: all(k in row for k in keys)


def _is_gsm8k(row: dict[str, Any]) -> bool:
    return "question" in row and isinstance(row.get("answer"), str) and "####" in row["answer"]


def _is_mcq(row: dict[str, Any]) -> bool:
    return "question" in row and "choices" in row and ("answer" in row or "answerKey" in row)


ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in [
        Adapter("native", "", "Problem fields by name: question, domain, answer / tests, ...",
                _has("question", "domain"), _native),
        Adapter("math", "math", "MATH-style: problem + solution with \\boxed{} (or problem + answer)",
                lambda r: "problem" in r and ("solution" in r or "answer" in r), _math),
        Adapter("gsm8k", "math", "GSM8K: question + answer ending in '#### <number>'", _is_gsm8k, _gsm8k),
        Adapter("humaneval", "code", "HumanEval: task_id, prompt, test, entry_point",
                _has("prompt", "test", "entry_point"), _humaneval),
        Adapter("mbpp", "code", "MBPP: text, code, test_list", _has("text", "test_list"), _mbpp),
        Adapter("apps", "code", "APPS / TACO: question + input_output JSON {inputs, outputs}",
                _has("question", "input_output"), _apps),
        Adapter("codecontests", "code",
                "CodeContests / Codeforces: problem + tests (rllm shapes) or description + public_tests",
                lambda r: ("problem" in r and "tests" in r) or _has("description", "public_tests")(r),
                _codecontests),
        Adapter("mcq", "science", "multiple choice: question, choices, answer (letter or 0-based index)",
                _is_mcq, _mcq),
        Adapter("scibench", "science", "SciBench: problem_text, answer_number, unit",
                _has("problem_text", "answer_number"), _scibench),
    ]
}  # fmt: skip
ALIASES = {"taco": "apps", "mmlu": "mcq", "codeforces": "codecontests", "math500": "math", "aime": "math"}


def get_adapter(name: str) -> Adapter:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in ADAPTERS:
        known = ", ".join(sorted([*ADAPTERS, *ALIASES]))
        raise RingdataError(f"unknown --format {name!r}; known formats: {known}")
    return ADAPTERS[key]


def detect(row: dict[str, Any]) -> list[Adapter]:
    """Every adapter whose columns the row has. `native` wins when present: a row that names its
    own domain has said what it is."""
    found = [a for a in ADAPTERS.values() if a.matches(row)]
    if any(a.name == "native" for a in found):
        return [ADAPTERS["native"]]
    return found
