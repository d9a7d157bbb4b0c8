"""sandboxes/runner.py: output comparison and the report framing (no sandbox needed)."""

from __future__ import annotations

import os
import subprocess
import tempfile

import pytest

from sandboxes.base import parse_reports
from sandboxes.runner import FRAME, SANDBOXED_FLAG, compare_outputs, sandboxed_mode


@pytest.mark.parametrize(
    "expected,actual,equal",
    [
        # whitespace is only a separator: trailing spaces, blank lines, CRLF
        ("1 2 3\n", "1 2 3", True),
        ("1 2 3\n", "1  2\t3   \n\n", True),
        ("YES\r\n", "YES\n", True),
        ("1\n2\n", "1 2", True),
        # tokens must match exactly unless both are numbers
        ("YES", "yes", False),
        ("1 2 3", "1 2", False),
        ("1 2", "1 2 3", False),
        ("", "", True),
        ("", "0", False),
        # an expected float: any number within 1e-6 absolute or relative
        ("0.3333333", "0.33333333333", True),
        ("0.333333", "0.333", False),
        ("1000000000.0", "1000000000.5", True),  # relative 5e-10
        ("1e-9", "0", True),  # absolute
        ("3.0", "3", True),
        ("2.5", "2.6", False),
        # an expected integer: the same integer, exactly, however long
        ("3", "3.0", False),
        ("3", "+3", True),
        ("-0", "0", True),
        ("123456789012345678", "123456789012345679", False),  # off by one: 5e-18 relative
        ("123456789012345678", "123456789012345678.0", False),
        ("123456789012345678", "1.23456789012345678e17", False),  # an approximate formula
        ("1000000007", "1000000007", True),
        ("10", "１０", False),  # other scripts' digits are not ASCII integers
        # non-finite numbers compare as text
        ("nan", "nan", True),
        ("inf", "1e400", False),
    ],
)
def test_compare_outputs(expected, actual, equal):
    assert compare_outputs(expected, actual)[0] is equal


def test_compare_outputs_names_the_first_difference():
    ok, why = compare_outputs("1 2 3", "1 5 3")
    assert not ok and "token 2" in why and "'2'" in why and "'5'" in why


def test_reports_need_the_nonce_on_both_sides():
    def frame(nonce: bytes, body: bytes) -> bytes:
        return FRAME + b" " + nonce + b"\n" + body + b"\n" + FRAME + b" " + nonce + b"\n"

    good = frame(b"abc", b'{"index": 0, "cases": []}') + frame(b"abc", b'{"index": -1}')
    assert parse_reports(b"noise" + good + b"noise", "abc") == {0: {"index": 0, "cases": []}, -1: {"index": -1}}
    assert parse_reports(good, "xyz") == {}
    assert parse_reports(FRAME + b' abc\n{"index": 0}', "abc") == {}
    # only plain data is accepted: an expression is not evaluated
    assert parse_reports(frame(b"abc", b"__import__('os').system('true')"), "abc") == {}


def test_runner_outside_a_sandbox_kills_and_deletes_nothing(tmp_path):
    """Without --sandboxed the runner neither wipes its work dir nor kills other processes."""
    import subprocess
    import sys
    import uuid

    from ringdata.core.records import TestCase
    from sandboxes.base import Submission, payload, result_from_report, runner_command
    keep = tmp_path / "keep.txt"
    keep.write_text("precious")
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        for flags in ([],):
            nonce = uuid.uuid4().hex
            sub = Submission("print(int(input()) * 2)", (TestCase(input="2\n", output="4\n"),))
            proc = subprocess.run(
                [*runner_command(sys.executable), *flags],  # as the backends start it (the source outgrew one argv string)
                input=payload([sub], nonce), capture_output=True, timeout=60, cwd=tmp_path,
            )  # fmt: skip
            assert result_from_report(parse_reports(proc.stdout, nonce)[0], sub, 0.0).passed
            assert keep.read_text() == "precious"
            assert sleeper.poll() is None
    finally:
        sleeper.kill()


@pytest.mark.parametrize(
    "argv,uid,workdir,allowed",
    [
        (["-c", SANDBOXED_FLAG], 10001, "/work", True),
        (["-c"], 10001, "/work", False),  # not asked
        (["-c", SANDBOXED_FLAG], 0, "/work", False),  # root: kill(-1) would reach the whole host
        (["-c", SANDBOXED_FLAG], 10001, "/tmp", False),  # not the sandbox's disposable work dir
    ],
)
def test_scrubbing_is_refused_outside_a_sandbox(argv, uid, workdir, allowed):
    assert sandboxed_mode(argv, uid, workdir) is allowed


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, None, True, False], "b": {"c": "d"}},
        'quote " backslash \\ newline \n tab \t nul \x00 bell \x07',
        "unicode é 漢字 🙂",
        [0.1, -3, 10**20, 1e-300],
    ],
)
def test_to_json_round_trips(value):
    import json

    from sandboxes.runner import to_json

    assert json.loads(to_json(value).encode("utf-8", "backslashreplace")) == value


def test_to_json_escapes_lone_surrogates():
    import json

    from sandboxes.runner import to_json

    text = b"\xff bytes".decode("utf-8", "surrogateescape")
    assert json.loads(to_json(text).encode("utf-8", "backslashreplace")) == text


@pytest.mark.parametrize(
    "value",
    [
        None, True, False, 0, -1, 10**100, -(2**63), 1.5, float("inf"), -0.0, 1 + 2j, "", "é 漢字", "\udcff", b"\x00\xff",
        [1, [2, [3]]], (1, "a"), {"k": [1, 2], 3: (4,)}, {1, 2}, frozenset({"x"}), {(1, 2): frozenset({3})},
    ],
)
def test_plain_data_round_trips_with_its_exact_type(value):
    from sandboxes.runner import decode, encode

    back = decode(encode(value))
    assert back == value and type(back) is type(value)


def test_subclasses_cross_as_their_builtin_base():
    import collections

    from sandboxes.runner import decode, encode

    class Liar(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    point = collections.namedtuple("P", "x y")(1, 2)
    assert type(decode(encode(Liar(3)))) is int and decode(encode(Liar(3))) != 4
    assert decode(encode(point)) == (1, 2) and type(decode(encode(point))) is tuple
    assert decode(encode(collections.Counter("aab"))) == {"a": 2, "b": 1}
    assert decode(encode(bytearray(b"ab"))) == b"ab"


def test_objects_that_are_not_plain_data_are_refused():
    from sandboxes.runner import NotPlain, encode

    for value in (lambda: 0, object(), iter([1]), [1, object()]):
        with pytest.raises(NotPlain):
            encode(value)
    deep: list = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(NotPlain):
        encode(deep)


@pytest.mark.parametrize(
    "data",
    [b"", b"Q", b"i\xff\xff\xff\xff", b"l\x05\x00\x00\x00N", b"d\x01\x00\x00\x00l\x00\x00\x00\x00N",
     b"s\x02\x00\x00\x00\xff\xfe", b"NN", b"H\x00\x00\x00\x00", b"l\x01\x00\x00\x00" * 500 + b"N"],
    ids=["empty", "unknown-tag", "huge-length", "short-list", "unhashable-key", "bad-utf8", "trailing", "handle", "deep"],
)
def test_malformed_data_from_a_program_is_a_value_error(data):
    """The runner decodes what a program sends: anything malformed is refused, never a crash."""
    from sandboxes.runner import decode

    with pytest.raises(ValueError):
        decode(data)


def test_the_names_a_test_takes_from_the_program():
    from sandboxes.runner import _free_names

    test = "import math\ndef check(candidate):\n    assert math.isclose(candidate(1), helper(2))\ncheck(f)\nassert len(g()) == 2"
    names = set(_free_names(compile(test, "tests.py", "exec")))
    assert {"f", "g", "helper"} <= names and not {"len", "abs", "candidate", "__builtins__"} & names


def test_a_runnable_process_under_its_cpu_limit_is_starved_a_sleeping_one_is_not():
    """The starvation check behind `sandbox_error` instead of `time_limit` (runner._Case._starved):
    at the wall cap, a case that is runnable (or waited on a run queue) and used well under its CPU
    limit was kept from the CPU; a sleeping one simply took too long."""
    import subprocess
    import sys
    import time

    from sandboxes.runner import _Case

    limits = {"time_s": 100.0, "wall_factor": 3.0, "memory_mb": 512, "output_bytes": 1 << 20, "file_bytes": 1 << 20, "float_tol": 1e-6}
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        time.sleep(0.3)
        verdicts = []
        for proc in (spinner, sleeper):
            case = _Case(None, "", {"input": ""}, limits, sandboxed=False)
            case.pid, case.started = proc.pid, time.monotonic() - 5.0
            verdicts.append(case._starved(time.monotonic()))
        assert verdicts == [True, False]
    finally:
        spinner.kill()
        sleeper.kill()


# --------------------------------------------------------------------------- Java's main class, from class files


def test_class_main_reads_what_javac_wrote():
    """The class files of a real compilation: main() is found by the method table, not the source."""
    from sandboxes.languages import host_tool
    from sandboxes.runner import class_main, java_main

    javac = host_tool("javac")
    if javac is None:
        pytest.skip("no javac on this host")
    source = ("public class Main {\n  public static class Pair { public static void main(String[] a) {} }\n"
              "  static void main(int x) {}\n}\nclass Other { public static void main(String[] a) {} }\n")
    with tempfile.TemporaryDirectory() as d:
        with open(f"{d}/Main.java", "w") as f:
            f.write(source)
        subprocess.run([javac, "-d", f"{d}/c", f"{d}/Main.java"], check=True, capture_output=True)
        files = {}
        for name in os.listdir(f"{d}/c"):
            with open(f"{d}/c/{name}", "rb") as f:
                files[name] = f.read()
    found = {name: class_main(data) for name, data in files.items()}
    assert found == {"Main.class": None, "Main$Pair.class": "Main$Pair", "Other.class": "Other"}
    assert java_main(files, ["Main", "Other"]) == "Other"  # Main's main(int) is not an entry point
    assert java_main(files, ["Main"]) == "Other"  # top-level before nested
    assert class_main(b"not a class") is None


def test_the_runners_statuses_are_the_hosts():
    """The runner names its statuses without `enum` (it imports builtin modules only); they are
    exactly the host's CaseStatus values, and STARVED never leaves it."""
    from sandboxes.base import CaseStatus
    from sandboxes.runner import Status

    named = {v for k, v in vars(Status).items() if k.isupper()}
    assert named - {Status.STARVED} == {s.value for s in CaseStatus}


def test_the_contest_archive_is_passed_only_for_the_jdk_it_was_built_for(tmp_path):
    """`jvm_archive` gives the flag while every file of the archive's `.jdk` stamp is in the JVM's
    own JDK with its recorded size and mtime; a JDK upgraded since, another JDK or no archive gets
    nothing (the JVM then maps the JDK's default archive, not none)."""
    from sandboxes.runner import jvm_archive

    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("")
    (home / "lib").mkdir()
    (home / "lib" / "modules").write_text("modules")
    archive = tmp_path / "contest.jsa"
    archive.write_text("")
    st = os.stat(home / "lib" / "modules")
    archive.with_name("contest.jsa.jdk").write_text(f"{home}/lib/modules {st.st_size} {int(st.st_mtime)}\n")
    java = str(home / "bin" / "java")
    assert jvm_archive(str(archive), java) == [f"-XX:SharedArchiveFile={archive}"]
    assert jvm_archive(str(archive), str(tmp_path / "other" / "bin" / "java")) == []  # another JDK
    assert jvm_archive(str(tmp_path / "absent.jsa"), java) == []
    (home / "lib" / "modules").write_text("upgraded")
    stale = tmp_path / "stale.jsa"
    stale.write_text("")
    stale.with_name("stale.jsa.jdk").write_text(archive.with_name("contest.jsa.jdk").read_text())
    assert jvm_archive(str(stale), java) == []
