"""The service's request and response shapes: SandboxFusion's `/run_code` and ringdata's own
batched endpoints, checked field by field into sandbox submissions and back. No HTTP here.

SandboxFusion (github.com/bytedance/SandboxFusion, `sandbox/server/sandbox_api.py`,
`sandbox/runners/types.py`) defines the wire format every client knows:

    request  {code, language, stdin?, compile_timeout=10, run_timeout=10, memory_limit_MB=-1,
              files={}, fetch_files=[]}
    response {status: Success|Failed|SandboxError, message, compile_result?, run_result?,
              executor_pod_name?, files}
    compile_result / run_result {status: Finished|Error|TimeLimitExceeded, execution_time,
              return_code, stdout, stderr}

and its semantics, kept here: `Success` when every command finished with return code 0; `Failed`
when one timed out or returned non-zero (a compile error has a compile_result with its return
code and no run_result); `SandboxError` when the sandbox itself broke (a command's status
`Error`); a time-out's run_result has status `TimeLimitExceeded` and no return code; a process
killed by a signal has the negative signal number as its return code.

Where ringdata differs, and why
- Time limits are CPU seconds (`run_timeout` becomes `Limits.time_s`), with a wall-clock cap of
  `wall_factor` times that: a busy host stretches wall time, never the verdict. Compilation gets
  sandboxes/languages.py's own limits (10 CPU s); `compile_timeout` is checked, not used.
- `memory_limit_MB=-1` (SandboxFusion: no limit) is `Limits`' default (512 MiB of address space).
- `files` ({path: base64}) are written by the runner inside the sandbox's work dir before
  compiling and before the run; `fetch_files` are read back by the runner, inside the sandbox,
  after the run (base64 in the response's `files`; a missing file is left out, as there). Paths
  must be relative and stay in the work dir (no `..`, no leading `/`: a 422, where SandboxFusion
  writes `/mnt/b` wherever the server may); every component is opened without following a
  symbolic link, so a link the program made to /etc/passwd is refused and named in `message`, not
  read; FIFOs and devices likewise. At most `sandboxes.base.MAX_FILES` files either way,
  `MAX_FILES_BYTES` sent and `WireLimits.fetch_bytes` read back in all (over it: named in
  `message`, left out).
- stdout comes back whole up to `stdout_chars` (the output cap; more is `Failed` with the output
  limit in the message), stderr as its last 2 KiB.
- Unknown fields and languages are a 422 with one line naming them (SandboxFusion's pydantic
  models ignore unknown fields; a misspelt `run_timout` silently running with the default is the
  kind of mistake a reward pipeline never notices).
"""

from __future__ import annotations

import binascii
import functools
import json
import math
from dataclasses import dataclass, replace
from typing import Any

from rewards.verdict import Verdict
from ringdata.core.records import LANGUAGES, Problem, TestCase
from sandboxes import CaseResult, CaseStatus, ExecResult, Limits, Submission
from sandboxes.base import check_files

__all__ = ["BadRequest", "WireLimits", "grade_request", "openrlhf_request", "openrlhf_response", "run_code_request",
           "run_code_response", "run_tests_request", "run_tests_response", "verdict_row"]


class BadRequest(ValueError):
    """A request the service refuses: its message is the one-line reason the client gets."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class WireLimits:
    """What one request may ask for (the service's config sets these)."""

    max_run_timeout_s: float = 30.0  # CPU seconds per run or test case a request may ask for
    max_memory_mb: int = 4096  # address space per program a request may ask for, MiB
    stdout_chars: int = 1 << 20  # stdout /run_code returns (and the output cap of the run)
    max_tests: int = 1000  # tests per run_tests request
    max_responses: int = 256  # responses per grade request
    fetch_bytes: int = 1 << 20  # what /run_code's fetch_files may bring back in all, bytes


RUN_CODE_FIELDS = {"code", "language", "stdin", "compile_timeout", "run_timeout", "memory_limit_MB", "files",
                   "fetch_files"}  # fmt: skip


def _fields(body: Any, known: set[str], required: set[str], what: str) -> dict:
    if not isinstance(body, dict):
        raise BadRequest(f"the body must be a JSON object ({what}), not {type(body).__name__}")
    unknown = sorted(set(body) - known)
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(map(repr, unknown))}; {what} takes {', '.join(sorted(known))}")
    missing = sorted(required - set(body))
    if missing:
        raise BadRequest(f"missing field(s) {', '.join(map(repr, missing))}")
    return body


def _str(body: dict, key: str, default: str | None = None, optional: bool = False) -> str | None:
    value = body.get(key, default)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key!r} must be a string, not {type(value).__name__}")
    return value


def _number(body: dict, key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadRequest(f"{key!r} must be a number, not {value!r}"[:200])
    if not low < value <= high:
        raise BadRequest(f"{key!r} must be in ({low:g}, {high:g}], not {value!r}")
    return float(value)


def _language(value: Any) -> str:
    if value not in LANGUAGES:
        raise BadRequest(f"language {str(value)[:40]!r} is not available here; this sandbox runs {', '.join(LANGUAGES)}")
    return value


def _limits(base: Limits, time_s: float, memory_mb: int | None) -> Limits:
    return replace(base, time_s=time_s, **({"memory_mb": memory_mb} if memory_mb else {}))


@functools.lru_cache(maxsize=256)
def _run_limits(base: Limits, time_s: float, memory_mb: int | None, stdout_chars: int) -> Limits:
    """/run_code's limits: clients send a handful of distinct time and memory limits, so each
    request reuses one object (and its hash, the key its tests are merged by in `serve`)."""
    return replace(_limits(base, time_s, memory_mb), output_bytes=stdout_chars, report_stdout=stdout_chars, compare=False)


def run_code_request(body: Any, wire: WireLimits, base: Limits = Limits()) -> Submission:
    """A SandboxFusion `RunCodeRequest` as a one-test submission whose stdout comes back whole."""
    body = _fields(body, RUN_CODE_FIELDS, {"code", "language"}, "/run_code")
    code, language = _str(body, "code"), _language(body["language"])
    stdin = _str(body, "stdin", optional=True) or ""
    _number(body, "compile_timeout", 10, 0, 600)
    run_s = _number(body, "run_timeout", 10, 0, wire.max_run_timeout_s)
    memory = body.get("memory_limit_MB", -1)
    if isinstance(memory, bool) or not isinstance(memory, int) or not (memory == -1 or 0 < memory <= wire.max_memory_mb):
        raise BadRequest(f"'memory_limit_MB' must be -1 (the default) or an integer in [1, {wire.max_memory_mb}], not {memory!r}"[:200])
    files, fetch = _files(body.get("files")), _fetch(body.get("fetch_files"))
    if why := check_files(files, fetch):
        raise BadRequest(why)
    limits = _run_limits(base, run_s, memory if memory > 0 else None, wire.stdout_chars)
    # No expected output (compare=False: run only): every finished run counts as Finished below,
    # whatever it printed.
    return Submission(code, (TestCase(input=stdin, output=None),), limits, True, language, files, fetch,
                      wire.fetch_bytes)  # fmt: skip


def _files(value: Any) -> tuple[tuple[str, bytes], ...]:
    """SandboxFusion's `files`: {path: base64 content}; a null content is skipped, as there."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise BadRequest("'files' must be an object of {path: base64 content}")
    files = []
    for name, text in value.items():
        if text is None:
            continue
        if not isinstance(text, str):
            raise BadRequest(f"file {name[:80]!r}: the content must be a base64 string")
        try:
            files.append((name, binascii.a2b_base64(text.encode("ascii"), strict_mode=True)))
        except (binascii.Error, UnicodeEncodeError):
            raise BadRequest(f"file {name[:80]!r}: the content is not base64") from None
    return tuple(files)


def _fetch(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest("'fetch_files' must be a list of paths")
    return tuple(dict.fromkeys(value))


def _encoded(files: tuple[tuple[str, bytes], ...]) -> dict[str, str]:
    return {name: binascii.b2a_base64(data, newline=False).decode("ascii") for name, data in files}


def _command(status: str, case: CaseResult | None = None, return_code: int | None = None, stderr: str = "",
             stdout: str = "", seconds: float | None = None, cpu: float | None = None) -> dict:
    return {"status": status, "execution_time": seconds if seconds is not None else (case.wall_s if case else None),
            "cpu_time": cpu if cpu is not None else (case.time_s if case else None),
            "return_code": return_code, "stdout": stdout, "stderr": stderr}  # fmt: skip


def run_code_response(result: ExecResult, language: str) -> dict:
    """An `ExecResult` of `run_code_request`'s submission as SandboxFusion's `RunCodeResponse`."""
    response: dict[str, Any] = {"status": "Success", "message": "", "compile_result": None, "run_result": None,
                                "executor_pod_name": None, "files": _encoded(result.files)}  # fmt: skip
    if result.fetch_refused:  # said, not silent: SandboxFusion would have read a link's target
        response["message"] = "fetch_files not read back: " + "; ".join(f"{n!r} ({why})" for n, why in result.fetch_refused)
    if result.error or not result.cases:
        error = result.error or "the sandbox reported nothing"
        response.update(status="SandboxError", message=error, run_result=_command("Error", stderr=error))
        return response
    case = result.cases[0]
    if language != "python":
        failed = case.status is CaseStatus.COMPILE_ERROR
        response["compile_result"] = _command("Finished", return_code=1 if failed else 0,
                                              stderr=case.detail if failed else "",
                                              seconds=result.compile_wall_s, cpu=result.compile_s)  # fmt: skip
        if failed:
            response.update(status="Failed", message=f"compile_error: {case.detail}"[:300])
            return response
    status = case.status
    if status is CaseStatus.SANDBOX_ERROR:
        response.update(status="SandboxError", message=case.detail, run_result=_command("Error", case, stderr=case.detail))
        return response
    out = dict(stdout=case.stdout_tail, stderr=case.stderr_tail)
    if status is CaseStatus.TIME_LIMIT:
        response.update(status="Failed", message=f"time_limit: {case.detail}",
                        run_result=_command("TimeLimitExceeded", case, None, **out))
        return response
    code = case.exit_code if case.exit_code is not None else (-case.signal if case.signal else None)
    if status in (CaseStatus.PASSED, CaseStatus.WRONG_ANSWER):  # no expected output: it ran to its end
        code = 0 if code is None else code
    elif code in (None, 0):  # an output or memory limit the runner enforced by killing it
        code = -9
    response["run_result"] = _command("Finished", case, code, **out)
    if code != 0:
        response.update(status="Failed", message=f"{status.value}: {case.detail}"[:300])
    return response


# ---------------------------------------------------------------- ringdata's batched endpoints

GRADE_FIELDS = {"problem", "responses"}
PROBLEM_FIELDS = {"id", "domain", "source", "question", "answer", "choices", "tests", "entry_point", "language",
                  "solutions", "metadata", "pass_rate", "n_samples"}  # fmt: skip
TEST_FIELDS = {"input", "output", "assert"}


def _tests(value: Any, wire: WireLimits) -> tuple[TestCase, ...]:
    if not isinstance(value, list) or not value:
        raise BadRequest("'tests' must be a non-empty list of {input, output} or {assert} objects")
    if len(value) > wire.max_tests:
        raise BadRequest(f"{len(value)} tests; at most {wire.max_tests} per request")
    tests = []
    for i, t in enumerate(value):
        t = _fields(t, TEST_FIELDS, set(), f"test {i}")
        for key in TEST_FIELDS:
            _str(t, key, optional=True)
        if t.get("assert") is None and t.get("output") is None:
            raise BadRequest(f"test {i} has neither 'output' nor 'assert'")
        tests.append(TestCase.from_dict(t))
    return tuple(tests)


def grade_request(body: Any, wire: WireLimits) -> tuple[Problem, list[str]]:
    """`{problem: <a problem row>, responses: [str, ...]}`: the problem and its responses."""
    body = _fields(body, GRADE_FIELDS, GRADE_FIELDS, "/ringdata/grade")
    row = _fields(body["problem"], PROBLEM_FIELDS, {"domain"}, "a problem")
    if row["domain"] not in ("math", "science", "code"):
        raise BadRequest(f"domain {str(row['domain'])[:40]!r} is not one of math, science, code")
    if row.get("language") is not None:
        _language(row["language"])
    for key in ("id", "source", "question", "answer", "entry_point"):
        _str(row, key, optional=True)
    tests = _tests(row["tests"], wire) if row.get("tests") is not None else None
    if row.get("choices") is not None and not (isinstance(row["choices"], list) and all(isinstance(c, str) for c in row["choices"])):
        raise BadRequest("'choices' must be a list of strings")
    meta = row.get("metadata") or {}
    if not isinstance(meta, dict):
        raise BadRequest("'metadata' must be an object")
    problem = Problem(
        id=row.get("id") or "request", domain=row["domain"], source=row.get("source") or "request",
        question=row.get("question") or "", answer=row.get("answer"),
        choices=tuple(row["choices"]) if row.get("choices") is not None else None, tests=tests,
        entry_point=row.get("entry_point"), language=row.get("language"), metadata=meta,
    )  # fmt: skip
    responses = body["responses"]
    if isinstance(responses, str):
        responses = [responses]
    if not isinstance(responses, list) or not all(isinstance(r, str) for r in responses):
        raise BadRequest("'responses' must be a string or a list of strings")
    if not 0 < len(responses) <= wire.max_responses:
        raise BadRequest(f"'responses' must hold 1 to {wire.max_responses} responses, not {len(responses)}")
    return problem, responses


def verdict_row(problem: Problem, sample: int, verdict: Verdict, seconds: float) -> dict:
    """One row of `ringdata grade`'s verdict table (ringdata.core.io.runs.VERDICT_SCHEMA)."""
    from rewards.results import Graded, verdict_rows
    from ringdata.core.io.runs import Response

    return verdict_rows([Graded(Response(problem.id, sample, ""), problem, verdict, seconds)])[0]


RUN_TESTS_FIELDS = {"code", "language", "tests", "time_s", "memory_mb", "stop_on_first_failure"}


def run_tests_request(body: Any, wire: WireLimits, base: Limits = Limits()) -> Submission:
    """`{code, language, tests: [{input, output} | {assert}], time_s?, memory_mb?,
    stop_on_first_failure?}`: one program on many tests, as the code grader runs it."""
    body = _fields(body, RUN_TESTS_FIELDS, {"code", "language", "tests"}, "/ringdata/run_tests")
    code, language = _str(body, "code"), _language(body["language"])
    time_s = _number(body, "time_s", base.time_s, 0, wire.max_run_timeout_s)
    memory = body.get("memory_mb")
    if memory is not None and (isinstance(memory, bool) or not isinstance(memory, int) or not 0 < memory <= wire.max_memory_mb):
        raise BadRequest(f"'memory_mb' must be an integer in [1, {wire.max_memory_mb}], not {memory!r}"[:200])
    stop = body.get("stop_on_first_failure", False)
    if not isinstance(stop, bool):
        raise BadRequest("'stop_on_first_failure' must be true or false")
    return Submission(code, _tests(body["tests"], wire), _limits(base, time_s, memory), stop, language)


def run_tests_response(result: ExecResult) -> dict:
    """Every case's status, in test order (fewer than the tests when it stopped at a failure)."""
    return {
        "status": result.status.value, "passed": result.n_passed, "tests": result.n_tests, "error": result.error,
        "cases": [{"status": c.status.value, "time_s": c.time_s, "wall_s": c.wall_s, "exit_code": c.exit_code,
                   "signal": c.signal, "stdout_tail": c.stdout_tail, "stderr_tail": c.stderr_tail, "detail": c.detail}
                  for c in result.cases],
    }  # fmt: skip


# ------------------------------------------------------------------- OpenRLHF's remote reward URL

OPENRLHF_FIELDS = {"query", "prompts", "labels"}


def openrlhf_request(body: Any, wire: WireLimits) -> list[tuple[Problem, str]]:
    """OpenRLHF's `--remote_rm_url` body, `{query: [prompt + response], prompts: [prompt],
    labels: [ground truth]}` (openrlhf/utils/agent.py, 0.11): one (problem, response) per query.
    The response is the query after its prompt (the whole query when it does not start with
    it); the label is a ground truth read as verl's (`rewards.adapters.problem_from_verl`: tests
    make it code, else a math answer; a JSON object label may carry `domain`, `choices`)."""
    from rewards.adapters import problem_from_verl

    body = _fields(body, OPENRLHF_FIELDS, {"query", "labels"}, "the OpenRLHF reward endpoint")
    query, labels = body["query"], body["labels"]
    prompts = body.get("prompts") or [""] * len(query) if isinstance(query, list) else None
    if not isinstance(query, list) or not all(isinstance(q, str) for q in query):
        raise BadRequest("'query' must be a list of strings (prompt + response)")
    if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
        raise BadRequest("'prompts' must be a list of strings")
    if not isinstance(labels, list) or len(labels) != len(query) or len(prompts) != len(query):
        raise BadRequest(f"'query', 'prompts' and 'labels' must be lists of the same length ({len(query)} queries)")
    if not 0 < len(query) <= wire.max_responses * 16:
        raise BadRequest(f"'query' must hold 1 to {wire.max_responses * 16} items, not {len(query)}")
    items = []
    for q, p, label in zip(query, prompts, labels):
        extra = None
        decoded = label
        if isinstance(label, str) and label.strip().startswith("{"):
            try:
                decoded = json.loads(label)
            except ValueError:
                decoded = label
        if isinstance(decoded, dict) and ("answer" in decoded or "domain" in decoded) and "tests" not in decoded:
            extra, label = decoded, decoded.get("answer", "")
        items.append((problem_from_verl("openrlhf", label, extra), q[len(p):] if p and q.startswith(p) else q))
    return items


def openrlhf_response(verdicts: list[Verdict]) -> dict:
    """`{rewards, scores, extra_logs}`: what OpenRLHF reads (extra_logs' values are numbers,
    one per query, which it logs)."""
    rewards = [float(v.reward) for v in verdicts]
    return {"rewards": rewards, "scores": rewards, "extra_logs": {"ringdata_correct": [float(v.correct) for v in verdicts]}}
