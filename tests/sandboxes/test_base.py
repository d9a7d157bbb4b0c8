"""sandboxes/base.py: what every backend shares. A result's status is the first failing case's
(a short run is the sandbox's fault, never a pass); the runner's reports count only when framed
with this run's nonce; a report the runner did not finish, or one disturbed by a neighbour, is
run again; and the wall bounds grow with what a submission asks for."""

from __future__ import annotations

import json
import marshal

from ringdata.core.records import TestCase
from sandboxes.base import (CaseResult, CaseStatus, ExecResult, Limits, Sandbox, Submission, case_wall_bound,
                            parse_reports, payload, result_from_report, submission_wall_bound)
from sandboxes.runner import FRAME

TESTS = (TestCase(input="1\n", output="1\n"), TestCase(input="2\n", output="2\n"))
PASS, WRONG = CaseResult(CaseStatus.PASSED), CaseResult(CaseStatus.WRONG_ANSWER, detail="expected 2")


def test_status_is_the_first_failing_case():
    assert ExecResult((PASS, PASS), 2).passed
    result = ExecResult((PASS, WRONG), 2)
    assert result.status is CaseStatus.WRONG_ANSWER and result.n_passed == 1 and result.first_failure == (1, WRONG)


def test_a_run_that_stopped_short_is_a_sandbox_error_not_a_pass():
    """Fewer cases than submitted, all passed: the sandbox lost some, the program earned nothing."""
    assert ExecResult((PASS,), 2).status is CaseStatus.SANDBOX_ERROR
    assert ExecResult.failed(2, "engine gone").status is CaseStatus.SANDBOX_ERROR


def frame(nonce: str, report: object) -> bytes:
    mark = FRAME + b" " + nonce.encode() + b"\n"
    return mark + json.dumps(report).encode() + mark


def test_only_reports_framed_with_this_runs_nonce_count():
    """A program that prints a report of its own does not know the nonce: it is ignored."""
    raw = (b"noise" + frame("other", {"index": 0, "cases": []}) + frame("n1", {"index": 0, "cases": ["ours"]})
           + frame("n1", "not a dict") + frame("n1", {"index": "0"}) + b"\xff tail")
    assert parse_reports(raw, "n1") == {0: {"index": 0, "cases": ["ours"]}}
    assert parse_reports(frame("n1", {"index": 1, "cases": []})[:-5], "n1") == {}  # a cut-off frame is dropped


def test_a_report_is_rerun_when_not_run_or_suspect_beside_others():
    sub = Submission("print(1)", TESTS)
    cases = [{"status": "passed", "time_s": 0.01}, {"status": "wrong_answer", "detail": "x"}]
    assert result_from_report({"index": 0}, sub, 0.1) is None  # not run
    assert result_from_report({"cases": cases, "suspect": True}, sub, 0.1, alone=False) is None
    alone = result_from_report({"cases": cases, "suspect": True}, sub, 0.1, alone=True)
    assert alone.status is CaseStatus.WRONG_ANSWER and alone.cases[0].time_s == 0.01
    failed = result_from_report({"cases": [], "error": "runner crashed"}, sub, 0.1)
    assert failed.status is CaseStatus.SANDBOX_ERROR and failed.error == "runner crashed"


def test_the_payload_is_what_the_runner_reads():
    data = marshal.loads(payload([Submission("print(1)", TESTS)], "n1", workdir_mode=0o700))
    assert data["nonce"] == "n1" and data["workdir_mode"] == 0o700
    assert [t["input"] for t in data["submissions"][0]["tests"]] == ["1\n", "2\n"]


def test_wall_bounds_grow_with_limits_tests_and_compiling():
    assert case_wall_bound(Limits(time_s=4)) > case_wall_bound(Limits(time_s=2))
    one, two = Submission("p", TESTS[:1]), Submission("p", TESTS)
    assert submission_wall_bound(two) > submission_wall_bound(one)
    assert submission_wall_bound(Submission("p", TESTS, language="cpp")) > submission_wall_bound(two)


class _Echo(Sandbox):
    """A sandbox whose 'program' is the status it reports: base-class behaviour only."""

    name, parallelism = "echo", 3

    def run(self, submission: Submission) -> ExecResult:
        return ExecResult((CaseResult(CaseStatus(submission.program)),), 1)


def test_run_many_keeps_input_order_and_counts_progress():
    subs = [Submission(s, TESTS[:1]) for s in ("passed", "wrong_answer", "time_limit", "passed")]
    done: list[int] = []
    results = _Echo().run_many(subs, on_done=done.append)
    assert [r.status.value for r in results] == [s.program for s in subs] and sum(done) == 4


def test_a_language_the_sandbox_lacks_is_a_sandbox_error_naming_the_fix():
    result = _Echo().unavailable(Submission("x", TESTS, language="java"))
    assert result.status is CaseStatus.SANDBOX_ERROR and "no java" in result.error
    assert _Echo().unavailable(Submission("x", TESTS)) is None


def _run_runner(argv: list[str], cwd) -> bool:
    import subprocess
    import uuid

    nonce = uuid.uuid4().hex
    sub = Submission("import sys\nprint(int(input()) * 2)", (TestCase(input="2\n", output="4\n"),))
    proc = subprocess.run(argv, input=payload([sub], nonce), capture_output=True, timeout=60, cwd=cwd)
    reports = parse_reports(proc.stdout, nonce)
    return 0 in reports and result_from_report(reports[0], sub, 0.0).passed


def test_the_runner_starts_from_the_graders_bytecode_else_from_its_source(tmp_path):
    """`runner_command`: an interpreter with this one's magic number runs the bytecode (the source
    argument is not even read: replaced by one that fails, the runner still grades); any other
    compiles the source (the bytecode argument, replaced by garbage, is never loaded)."""
    import binascii
    import sys
    import zlib

    from sandboxes.base import runner_command

    def b64(data: bytes) -> str:
        return binascii.b2a_base64(data, newline=False).decode()

    argv = runner_command(sys.executable)
    boot, (magic, code, source) = argv[:5], argv[5:8]
    assert len(argv) == 8 and boot[1:4] == ["-I", "-S", "-c"]
    assert _run_runner(argv, tmp_path)
    assert _run_runner([*boot, magic, code, b64(zlib.compress(b"raise SystemExit(3)"))], tmp_path)
    assert _run_runner([*boot, b64(b"\x00\x00\r\n"), b64(b"not bytecode"), source], tmp_path)
    assert not _run_runner([*boot, b64(b"\x00\x00\r\n"), code, b64(zlib.compress(b"raise SystemExit(3)"))], tmp_path)


def test_a_persistent_runner_starts_again_without_its_long_argv():
    """`RUNNER_BOOT`: with --persistent the interpreter starts again with the code in a memfd, so
    the copies of the long argv it keeps (every fork of the zygote copied them) are gone; the code
    sees the same sys.argv either way. A one-shot runner keeps its argv (one exec less)."""
    import binascii
    import importlib.util
    import marshal
    import subprocess
    import sys
    import zlib

    from sandboxes.base import RUNNER_BOOT

    def b64(data: bytes) -> str:
        return binascii.b2a_base64(data, newline=False).decode()

    code = compile("import sys\nprint(sum(map(len, sys.orig_argv)) < 8192, sys.argv)", "<string>", "exec")
    args = [b64(importlib.util.MAGIC_NUMBER), b64(zlib.compress(marshal.dumps(code))), "x" * 100_000]  # the source: unread
    for flags, short in (([], False), (["--persistent"], True)):
        proc = subprocess.run([sys.executable, "-I", "-S", "-c", RUNNER_BOOT, *args, *flags], capture_output=True,
                              text=True, timeout=60)  # fmt: skip
        assert proc.stdout == f"{short} {['-c', *flags]}\n", proc.stderr
