"""Attacks on a submission's own files (`Submission.files`, `Submission.fetch`: SandboxFusion's
`files` and `fetch_files`, which `ringdata serve` takes): written only inside the work dir, read
back only from there, by the runner inside the sandbox, without following a symbolic link, within
a count and a size cap. One property per test; test_attacks_docker.py and test_attacks_local.py
bind `sandbox` to their backend and check after each that the next submission sees nothing.
"""

from __future__ import annotations

import time

import pytest

from ringdata.core.records import TestCase
from sandboxes import CaseStatus, Limits, Submission
from sandboxes.base import MAX_FILES, MAX_FILES_BYTES

QUICK = Limits(time_s=2.0)


def run_with(sandbox, program: str, files=(), fetch=(), fetch_bytes: int = 1 << 20, language: str = "python",
             expect: str = "made\n"):  # fmt: skip
    return sandbox.run(Submission(program, (TestCase(input="", output=expect),), QUICK, True, language,
                                  tuple(files), tuple(fetch), fetch_bytes))  # fmt: skip


def test_files_arrive_and_fetched_files_come_back(sandbox):
    program = ("import os\n"
               "data = open('in/data.bin', 'rb').read()\n"
               "os.makedirs('out', exist_ok=True)\n"
               "open('out/twice.bin', 'wb').write(data * 2)\n"
               "print(sorted(os.listdir('.')), len(data))")  # fmt: skip
    blob = bytes(range(256))
    result = run_with(sandbox, program, [("in/data.bin", blob)], ["out/twice.bin", "never-written.txt"],
                      expect="['in', 'out'] 256\n")  # fmt: skip
    assert result.status is CaseStatus.PASSED, result
    assert dict(result.files) == {"out/twice.bin": blob * 2}  # a missing file is left out, as SandboxFusion does
    assert result.fetch_refused == ()


def test_a_given_header_is_there_when_cpp_compiles(sandbox):
    if "cpp" not in sandbox.languages:
        pytest.skip("no C++ in this sandbox")
    program = '#include <cstdio>\n#include "answer.h"\nint main(){printf("%d\\n", ANSWER);}'
    result = run_with(sandbox, program, [("answer.h", b"#define ANSWER 42\n")], language="cpp", expect="42\n")
    assert result.status is CaseStatus.PASSED, result


def test_symlink_to_etc_passwd_is_not_fetched(sandbox):
    program = "import os\nos.symlink('/etc/passwd', 'out.txt')\nos.symlink('/etc', 'etc')\nprint('made')"
    result = run_with(sandbox, program, fetch=["out.txt", "etc/passwd"])
    assert result.status is CaseStatus.PASSED, result
    assert result.files == ()
    assert dict(result.fetch_refused) == {"out.txt": "a symbolic link", "etc/passwd": "a symbolic link"}


def test_a_fifo_is_refused_without_blocking_the_runner(sandbox):
    started = time.monotonic()
    result = run_with(sandbox, "import os\nos.mkfifo('pipe')\nprint('made')", fetch=["pipe"])
    assert dict(result.fetch_refused) == {"pipe": "not a regular file"} and result.files == (), result
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("files,fetch", [
    ([("../escape.txt", b"x")], []),  # written above the work dir
    ([("/tmp/escape.txt", b"x")], []),  # absolute
    ([("a/./b", b"x")], []),
    ([], ["../../etc/passwd"]),
    ([], ["/etc/passwd"]),
    ([("a", b"x"), ("a/b", b"y")], []),  # a file that is also a directory
], ids=["dotdot", "absolute", "dot", "fetch-dotdot", "fetch-absolute", "file-and-dir"])  # fmt: skip
def test_paths_that_leave_the_work_dir_are_refused(sandbox, files, fetch):
    result = run_with(sandbox, "print('ran')", files, fetch)
    assert result.status is CaseStatus.SANDBOX_ERROR and result.error.startswith("files refused"), result
    assert result.cases == ()  # refused before anything ran


def test_huge_fetch_is_cut_at_the_cap(sandbox):
    program = "open('small', 'wb').write(b's' * 1000)\nopen('big', 'wb').write(b'b' * (3 << 20))\nprint('made')"
    result = run_with(sandbox, program, fetch=["small", "big"], fetch_bytes=1 << 20)
    assert dict(result.files) == {"small": b"s" * 1000}, result.fetch_refused
    assert dict(result.fetch_refused)["big"].startswith("over the 1048576 bytes")


def test_too_many_or_too_large_files_are_refused_and_the_most_arrive(sandbox):
    many = [(f"f{i}", b"x") for i in range(MAX_FILES + 1)]
    assert run_with(sandbox, "print(1)", many).error.startswith("files refused: at most")
    huge = [("a", b"\0" * (MAX_FILES_BYTES // 2 + 1)), ("b", b"\0" * (MAX_FILES_BYTES // 2))]
    assert "bytes; at most" in run_with(sandbox, "print(1)", huge).error
    result = run_with(sandbox, "import os\nprint(len(os.listdir('d')))", [(f"d/f{i}", b"x") for i in range(MAX_FILES)],
                      expect=f"{MAX_FILES}\n")  # fmt: skip
    assert result.status is CaseStatus.PASSED, result
