"""sandboxes/languages.py: the language table, the Java class convention, the per-language limits."""

from __future__ import annotations

import pytest

from sandboxes import Limits
from sandboxes.languages import (JVM_ARCHIVE, JVM_RESERVE_MB, JVM_TIME_EXTRA_S, compile_python, guess_language,
                                 java_main_class, language_of_fence, plan)

TOOLS = {"g++": "/usr/bin/g++", "javac": "/usr/bin/javac", "java": "/usr/bin/java"}


@pytest.mark.parametrize("tag,language", [("cpp", "cpp"), ("C++", "cpp"), ("cxx", "cpp"), ("java", "java"),
                                          ("Python3", "python"), ("py", "python"), ("rust", None), ("c", None)])  # fmt: skip
def test_fence_tags(tag, language):
    assert language_of_fence(tag) == language


@pytest.mark.parametrize(
    "source,language",
    [
        ("#include <cstdio>\nint main() {}", "cpp"),
        ("int main() { return 0; }", "cpp"),
        ("class A { public static void main(String[] a) {} }", "java"),
        ("print(1)", "python"),
        ("class Solution:\n    def f(self):\n        return 1", "python"),  # a Python class is not Java
        # Python whose comments or strings look like C++ is Python (untagged blocks always were)
        ("# include both ends\nprint(sum(range(1, 11)))", "python"),
        ('doc = "int main() {}"\nprint(doc)', "python"),
        ("#include <bits/stdc++.h>\nusing namespace std;\nint main() { cout << 1; }", "cpp"),
    ],
)
def test_guess_language(source, language):
    assert guess_language(source) == language


@pytest.mark.parametrize(
    "source,file,mains",
    [
        ("public class Solution { public static void main(String[] a) {} }", "Solution.java", ["Solution"]),
        ("class Helper {}\nclass Main { public static void main(String[] a) {} }", "Main.java", ["Main", "Helper"]),
        ("class Only { public static void main(String[] a) {} }", "Main.java", ["Only"]),
        ("package a.b;\npublic final class P { public static void main(String[] a) {} }", "P.java", ["a.b.P"]),
        ("// public class Fake {}\n/* public class AlsoFake */\nclass Main {}", "Main.java", ["Main"]),
        # what a regex over lines got wrong: a public class nested in Main, an annotation on the
        # class line, a class keyword inside an annotation's argument or a string
        ("public class Main { public static class Pair {} }", "Main.java", ["Main"]),
        ('@SuppressWarnings("unchecked") public class Solution<T> {}', "Solution.java", ["Solution"]),
        ('@Anno(X.class) class A { String s = "public class B {"; }\npublic class C {}', "C.java", ["C", "A"]),
        ("", "Main.java", ["Main"]),
    ],
)
def test_java_class_convention(source, file, mains):
    assert java_main_class(source) == (file, mains)


def test_limits_per_language():
    """C++ gets the limits as they are; the JVM gets the memory limit as its heap, an address-space
    allowance for its reservations, and extra CPU for start-up and JIT threads."""
    limits = Limits(time_s=2.0, memory_mb=256)
    python, cpp, java = (plan(lang, "class Main {}", limits, TOOLS) for lang in ("python", "cpp", "java"))
    assert python["build"] is None and python["limits"]["time_s"] == 2.0
    assert cpp["build"]["argv"][:5] == ["/usr/bin/g++", "-O2", "-std=c++17", "-pipe", "-DONLINE_JUDGE"]
    assert cpp["limits"] == limits.to_dict() and cpp["run"]["stack_max"] and cpp["run"]["exe"]
    assert "-Xmx256m" in java["run"]["argv"] and java["run"]["argv"][-1] == "Main"
    assert java["run"]["as_mb"] == 256 + JVM_RESERVE_MB
    assert java["limits"]["time_s"] == 2.0 + JVM_TIME_EXTRA_S and java["limits"]["memory_mb"] == 256


@pytest.mark.parametrize("memory_mb,archive", [(256, JVM_ARCHIVE), (31 * 1024 - 1, JVM_ARCHIVE), (32 * 1024, None)])
def test_java_asks_for_the_contest_archive_where_the_heap_has_compressed_oops(memory_mb, archive):
    """The archive was dumped with compressed oops; a heap of 32 GiB turns them off and the JVM
    could not map it (then, given no archive of ours, it maps the JDK's classes_nocoops.jsa)."""
    java = plan("java", "class Main {}", Limits(time_s=1.0, memory_mb=memory_mb), TOOLS)
    assert java["run"]["archive"] == archive


def test_the_host_compiles_a_python_program_as_python3_compiles_its_file():
    """A leading byte-order mark is the file's encoding, not code, and the caller's `from
    __future__ import annotations` (this module's) does not reach the program: the host's checks
    (is it Python, does it compile) agree with what the sandbox runs."""
    program = "\ufeffdef f(x: int):\n    return x\nprint(f.__annotations__['x'] is int)"
    assert guess_language(program) == "python"
    scope: dict = {}
    exec(compile_python(program), scope)  # noqa: S102 - our own program
    assert scope["f"].__annotations__["x"] is int
    with pytest.raises(SyntaxError):
        compile_python("x = \ufeff1")  # only a leading one is a mark
