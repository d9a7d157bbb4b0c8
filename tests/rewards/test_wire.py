"""rewards/wire.py without a server or a sandbox: SandboxFusion's semantics for each sandbox
outcome, and requests refused with one line."""

from __future__ import annotations

import pytest

from rewards.wire import BadRequest, WireLimits, run_code_request, run_code_response
from sandboxes import CaseResult, CaseStatus, ExecResult


def _result(status: CaseStatus, exit_code=0, signal=None, stdout="", error="") -> ExecResult:
    if error:
        return ExecResult.failed(1, error)
    return ExecResult((CaseResult(status, 0.1, 0.2, exit_code, signal, stdout, "", "why"),), 1)


# (sandbox outcome, language) -> (status, run_result status, return code)
@pytest.mark.parametrize("result,language,expected", [
    (_result(CaseStatus.WRONG_ANSWER, stdout="5\n"), "python", ("Success", "Finished", 0)),  # no expected output: it ran
    (_result(CaseStatus.PASSED), "cpp", ("Success", "Finished", 0)),
    (_result(CaseStatus.RUNTIME_ERROR, exit_code=3), "python", ("Failed", "Finished", 3)),
    (_result(CaseStatus.RUNTIME_ERROR, exit_code=None, signal=11), "cpp", ("Failed", "Finished", -11)),
    (_result(CaseStatus.TIME_LIMIT, exit_code=None), "java", ("Failed", "TimeLimitExceeded", None)),
    (_result(CaseStatus.MEMORY_LIMIT, exit_code=None), "python", ("Failed", "Finished", -9)),
    (_result(CaseStatus.OUTPUT_LIMIT, exit_code=None, signal=9), "python", ("Failed", "Finished", -9)),
    (_result(CaseStatus.SANDBOX_ERROR), "python", ("SandboxError", "Error", None)),
    (_result(CaseStatus.PASSED, error="docker broke"), "python", ("SandboxError", "Error", None)),
])  # fmt: skip
def test_outcomes_map_to_sandbox_fusion_semantics(result, language, expected):
    got = run_code_response(result, language)
    assert (got["status"], got["run_result"]["status"], got["run_result"]["return_code"]) == expected
    assert set(got) == {"status", "message", "compile_result", "run_result", "executor_pod_name", "files"}


def test_compile_error_has_no_run_result():
    got = run_code_response(_result(CaseStatus.COMPILE_ERROR, exit_code=None), "cpp")
    assert got["status"] == "Failed" and got["run_result"] is None and got["compile_result"]["return_code"] == 1


def test_request_limits_become_the_submissions():
    sub = run_code_request({"code": "print(1)", "language": "python", "run_timeout": 3, "memory_limit_MB": 256,
                            "stdin": "x"}, WireLimits())  # fmt: skip
    assert (sub.limits.time_s, sub.limits.memory_mb, sub.tests[0].input) == (3.0, 256, "x")
    assert sub.limits.report_stdout == WireLimits().stdout_chars


def test_files_and_fetch_files_become_the_submissions():
    sub = run_code_request({"code": "x", "language": "python", "files": {"in/a.txt": "aGk=", "skipped": None},
                            "fetch_files": ["out.txt", "out.txt"]}, WireLimits())  # fmt: skip
    assert (sub.files, sub.fetch, sub.fetch_bytes) == ((("in/a.txt", b"hi"),), ("out.txt",), WireLimits().fetch_bytes)


def test_fetched_files_come_back_base64_and_refusals_are_named():
    result = ExecResult((CaseResult(CaseStatus.WRONG_ANSWER, exit_code=0),), 1, files=(("out.txt", b"hi"),),
                        fetch_refused=(("link", "a symbolic link"),))  # fmt: skip
    got = run_code_response(result, "python")
    assert got["status"] == "Success" and got["files"] == {"out.txt": "aGk="}
    assert "'link' (a symbolic link)" in got["message"]


@pytest.mark.parametrize("body,words", [
    ({"code": "x", "language": "python", "run_timeout": True}, "number"),
    ({"code": "x", "language": "python", "run_timeout": 31}, "(0, 30]"),
    ({"code": "x", "language": "python", "memory_limit_MB": 1.5}, "memory_limit_MB"),
    ({"code": "x", "language": "python", "fetch_files": "a"}, "fetch_files"),
    ({"code": "x", "language": "python", "fetch_files": ["../a"]}, "work dir"),
    ({"code": "x", "language": "python", "files": {"/etc/x": "aGk="}}, "relative"),
    ({"code": "x", "language": "python", "files": {"a": "not base64!"}}, "not base64"),
    ({"code": "x", "language": "python", "files": {"a": 3}}, "base64 string"),
    ({"code": "x", "language": "python", "files": ["a"]}, "'files' must be an object"),
    ({"code": "x", "language": None}, "not available"),
    ({"code": "x", "language": "python", "stdin": 3}, "'stdin'"),
])  # fmt: skip
def test_bad_requests_are_one_line(body, words):
    with pytest.raises(BadRequest) as exc:
        run_code_request(body, WireLimits())
    assert words in str(exc.value) and "\n" not in str(exc.value) and exc.value.status == 422
