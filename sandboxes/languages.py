"""The languages the sandbox runs, one table: how a program is compiled and started, and its limits.

| language | source file | compiled with | started as | CPU per test | memory per test |
|---|---|---|---|---|---|
| python | solution.py | (the runner compiles it in-process) | the runner's forked child runs it | `time_s` | address space `memory_mb` |
| cpp | solution.cpp | `g++ -O2 -std=c++17 -pipe -DONLINE_JUDGE`, <bits/stdc++.h> precompiled | the binary, from a sealed in-memory file | `time_s` | address space `memory_mb`, the stack included |
| java | Main.java, or <Public>.java | `javac -encoding UTF-8 -proc:none`, a batch's sources by one resident javac | `java -Xmx<memory_mb>m -Xss64m ...`, with the contest class-data archive where current | `time_s` + 0.5 s | heap `memory_mb`; address space `memory_mb` + 1536 MiB |

Compilation happens inside the sandbox (a compiler reads files: `#include "/etc/passwd"` must see
only the sandbox), once per submission, under its own limits (`COMPILE_TIME_S`, `COMPILE_MEMORY_MB`),
before the first test; a failure is the submission's `compile_error`. Identical sources compile once
per runner start (a `docker exec` batch).

Java: the file is named after the public top-level type (as javac requires; found by a scan of the
source's tokens outside comments and literals, so annotations, generics and nested classes do not
mislead it), else Main.java. The class that runs is the one javac's output says has
`public static void main(String[])` (the runner reads the class files): the public type first, then
`Main`, then the other top-level types in order, then nested ones; a `package` line is honoured.
The JVM is sized for the limit instead of being killed by it: RLIMIT_AS, which suits CPython and
C++, counts every reservation the JVM makes up front (the code cache, class space, the `lib/modules`
mapping, one 64 MiB stack per Java thread: about 1 GiB beyond the heap), so Java gets the heap as its
memory limit (`-Xmx`, an `OutOfMemoryError` there is `memory_limit`), direct and metaspace caps,
and an address-space backstop `JVM_RESERVE_MB` above the heap for what no JVM flag bounds (native
memory through `Unsafe`). In Docker the container's cgroup caps the whole JVM besides. The extra
0.5 s of CPU pays for the JVM's start-up (about 0.05 s here) and its JIT compiler threads, whose CPU
counts as the program's like every thread's.

Function-call tests (`assert f(2) == 4`) are Python only: they call into the program's own
interpreter. A problem with them is a Python problem.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ringdata.core.records import LANGUAGES

COMPILE_TIME_S = 10.0  # CPU seconds for one compilation: g++ -O2 with <bits/stdc++.h> takes ~1.5 s
COMPILE_MEMORY_MB = 1024  # address space of each compiler process (cc1plus: ~200 MiB resident)
COMPILE_OUTPUT_BYTES = 64 << 20  # the largest file a compiler may write (a binary, a class)
JVM_RESERVE_MB = 1536  # address space above the heap: measured ~1050 MiB for the flags below, plus room for threads
JVM_TIME_EXTRA_S = 0.5  # CPU seconds on top of the limit: JVM start-up and JIT threads
JVM_FLAGS = (
    "-Xss64m",  # deep recursion, as contest judges allow (Codeforces uses 64m)
    "-XX:+UseSerialGC",  # one core per sandbox: no parallel GC threads
    "-XX:ActiveProcessorCount=1",  # the same JVM on both backends, whatever the host's core count
    "-XX:-UsePerfData",  # no /tmp/hsperfdata file (the root is read-only)
    "-Xshare:auto",  # a class-data archive (JVM_ARCHIVE where current, else the JDK's): start-up in ~0.05 s CPU
    "-XX:+ExitOnOutOfMemoryError",  # an OutOfMemoryError in any thread ends the program
    "-XX:+DisplayVMOutputToStderr",  # the VM's own messages ("Terminating due to ...") stay off stdout
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:MaxMetaspaceSize=128m",
    "-XX:MaxDirectMemorySize=64m",
    "-Djava.io.tmpdir=/work",
    "-Dfile.encoding=UTF-8",
)
# A static class-data (CDS) archive of the JDK classes contest programs load (Scanner and its regex
# and locale classes, streams, lambdas' invoke machinery, collections, BigInteger, ...), beside the
# ~1,300 of the JDK's own archive: a Java test maps them instead of loading them from the module
# image (2-12% of a short program's CPU, ~4% of a Java test's in the pool; README). Built by sandboxes/image/jvm_archive.py in the image (build.sh) and
# on the host (`ringdata sandbox pch`) from probe programs and the bundled Java solutions, dumped
# with JVM_FLAGS by the JVM that runs it. The runner adds `-XX:SharedArchiveFile=` only while the
# JDK files recorded beside it (JVM_ARCHIVE + ".jdk") are unchanged: a static archive the JVM cannot
# map leaves it with no archive at all, so a missing or stale one means the JDK's default archive.
# An archive holds only the JDK's classes: a program loads and runs exactly as without it.
JVM_ARCHIVE = "/usr/local/lib/ringdata/jvm/contest.jsa"
JVM_COMPRESSED_OOPS_MB = 31 * 1024  # below 32 GiB less the JVM's own margin, the heap uses compressed oops
JAVAC_JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:ActiveProcessorCount=1", "-XX:-UsePerfData", "-Xshare:auto",
                   "-XX:TieredStopAtLevel=1", "-XX:+DisplayVMOutputToStderr")  # fmt: skip
JAVAC_OPTIONS = ("-encoding", "UTF-8", "-proc:none")  # no annotation processors: compiling runs nothing the source brings
JAVAC_FLAGS = (*(f"-J{flag}" for flag in JAVAC_JVM_FLAGS), *JAVAC_OPTIONS)
# The resident compiler (sandboxes/image/CompileServer.java, built into the image by build.sh, and
# on the host by `ringdata sandbox pch`): one JVM per runner batch compiles every Java source of the
# batch before any program runs (runner.py `precompile_java`), ~0.1 s of CPU per source instead of
# ~0.8 s for a fresh javac; its class-data archive (a dynamic CDS archive of the javac classes it
# loads) cuts its own start. Where the jar is absent the runner compiles each source with javac.
JAVAC_SERVER_DIR = "/usr/local/lib/ringdata/javac"
# Under the compiler's address-space limit a JVM that lives for many compiles must bound what it
# reserves as it goes: class space (1 GiB by default; javac needs ~30 MiB), the code cache, and
# glibc's per-thread malloc arenas (MALLOC_ARENA_MAX in its environment); unbounded, the third
# compile of a batch failed to malloc 32 bytes.
JAVAC_SERVER_FLAGS = (f"-Xmx{COMPILE_MEMORY_MB // 2}m", *JAVAC_JVM_FLAGS, "-XX:+ExitOnOutOfMemoryError",
                      "-XX:CompressedClassSpaceSize=128m", "-XX:ReservedCodeCacheSize=64m")  # fmt: skip


def javac_server_argv(java: str) -> list[str]:
    """How the runner starts the resident compiler (build.sh dumps its archive with the same flags:
    a class-data archive is only used by a JVM started like the one that wrote it)."""
    return [java, *JAVAC_SERVER_FLAGS, f"-XX:SharedArchiveFile={JAVAC_SERVER_DIR}/CompileServer.jsa",
            "-cp", f"{JAVAC_SERVER_DIR}/CompileServer.jar", "CompileServer"]  # fmt: skip


# How a JVM that never got to the source (denied threads or memory by the host) begins its output:
# the sandbox's failure, not compile_error. javac names a diagnostic's file after a Java identifier,
# so no source can make its first line start like this (g++'s `#line 1 "..."` could: C++ has none).
JVM_START_FAILURES = ("Error occurred during initialization of VM", "Cannot create VM thread")
CPP_FLAGS = ("-O2", "-std=c++17", "-pipe", "-DONLINE_JUDGE")
# <bits/stdc++.h> precompiled for exactly CPP_FLAGS (g++ -x c++-header), in the image
# (sandboxes/image/build.sh) and on the host for bubblewrap (`ringdata sandbox pch`): a source whose
# first include is that header compiles in ~0.3 s of CPU instead of ~1.5 s. g++ alone decides whether
# it applies (the header is the first thing in the source, no macro or pragma before it that could
# change it, the same compiler and flags); otherwise it reads the headers as before, so the
# directory on the include path can never change what a source means, only what it costs.
PCH_DIR = "/usr/local/lib/ringdata/pch"
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": "/work"}
TOOLS = {"python": (), "cpp": ("g++",), "java": ("javac", "java")}  # what each language needs in the sandbox


@dataclass(frozen=True)
class Language:
    name: str  # a value of ringdata.core.records.LANGUAGES
    fences: tuple[str, ...]  # code-fence tags that name it (lower case)
    memory_markers: tuple[str, ...]  # stderr text that means the program ran out of memory


TABLE: dict[str, Language] = {
    "python": Language("python", ("python", "py", "python3", "py3"), ("MemoryError",)),
    "cpp": Language("cpp", ("cpp", "c++", "cc", "cxx", "c++17", "c++20", "c++14", "c++11"), ("std::bad_alloc",)),
    "java": Language("java", ("java",), ("java.lang.OutOfMemoryError",)),
}
assert tuple(TABLE) == LANGUAGES, "the table covers exactly ringdata.core.records.LANGUAGES"
FENCES: dict[str, str] = {tag: lang.name for lang in TABLE.values() for tag in lang.fences}


def language_of_fence(tag: str) -> str | None:
    """The language a code fence's tag names (`c++` -> cpp), or None."""
    return FENCES.get(tag.strip().lower())


def compile_python(source: str):
    """compile() of a Python program as python3 compiles a file of it: a leading UTF-8 byte-order
    mark marks the encoding and is not code (the runner drops it too), and no `from __future__` of
    the caller's reaches it. The host's checks of a program (is it Python, does it compile) use
    this, so they agree with what the sandbox runs."""
    return compile(source.removeprefix("\ufeff"), "solution.py", "exec", dont_inherit=True)


def guess_language(source: str) -> str:
    """The language of an untagged block or a bare reference solution: Python when it compiles as
    Python (untagged blocks were always Python: a comment such as `# include both ends` or a string
    holding `int main(` must not cost a Python answer its reward); else C++ when it includes a
    header or defines `main()` the C way, Java when a class declares `static void main`, else
    Python (whose syntax error is then the program's own)."""
    try:
        compile_python(source)
        return "python"
    except Exception:  # noqa: BLE001 - SyntaxError, or too deep for the compiler: not Python
        pass
    if re.search(r"^\s*#\s*include\s*[<\"]", source, re.M) or re.search(r"\bint\s+main\s*\(", source):
        return "cpp"
    if re.search(r"\bclass\s+\w+", source) and re.search(r"\bstatic\s+void\s+main\s*\(", source):
        return "java"
    return "python"


# What a Java source holds that is not code: comments, text blocks, string and char literals.
_JAVA_NOT_CODE = re.compile(r'//[^\n]*|/\*.*?\*/|"""(?:\\.|[^\\])*?"""|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_JAVA_TOKEN = re.compile(r"[A-Za-z_$][\w$]*|[{}();.]")
_JAVA_TYPE_KEYWORDS = ("class", "interface", "enum", "record")


def java_types(source: str) -> list[tuple[str, bool]]:
    """The top-level type declarations of a Java source, in order, as (name, declared public):
    a scan of its tokens, outside comments and literals, that counts braces and parentheses, so
    annotations (`@SuppressWarnings("unchecked") public class X`, `@A(B.class)`), generics and
    nested classes (`public static class Pair` inside Main) are what they are to javac."""
    found: list[tuple[str, bool]] = []
    depth = parens = 0
    public = named = False
    previous = ""
    for tok in _JAVA_TOKEN.findall(_JAVA_NOT_CODE.sub(" ", source)):
        if tok in "()":
            parens += 1 if tok == "(" else -1
        elif tok in "{}":
            depth += 1 if tok == "{" else -1
            public = named = False
        elif depth == 0 and parens == 0:
            if named:
                found.append((tok, public))
                named = False
            elif tok in _JAVA_TYPE_KEYWORDS and previous != ".":
                named = True
            elif tok == "public":
                public = True
            elif tok == ";":
                public = False
        previous = tok
    return found


def java_main_class(source: str) -> tuple[str, list[str]]:
    """(source file name, classes that may hold main() in order of preference). javac wants the
    public top-level type in a file of its name (else the file is Main.java); the runner then runs
    the first of those classes whose compiled form has `public static void main(String[])`
    (runner.py `java_main`): the public type, `Main`, then the others in source order."""
    code = _JAVA_NOT_CODE.sub(" ", source)
    package = re.search(r"^\s*package\s+([\w.]+)\s*;", code, re.M)
    types = java_types(source)
    public = next((name for name, is_public in types if is_public), None)
    names = [name for name, _ in types]
    order = [n for n in dict.fromkeys([public, "Main", *names]) if n and (n in names or not names)]
    qualified = [f"{package.group(1)}.{n}" if package else n for n in order]
    return f"{public or 'Main'}.java", qualified


def tool_paths(resolve) -> dict[str, str]:
    """{tool: path inside the sandbox} for every tool `resolve(name)` finds (None = absent)."""
    found = {}
    for tools in TOOLS.values():
        for tool in tools:
            path = resolve(tool)
            if path:
                found[tool] = path
    return found


def available(tools: dict[str, str]) -> frozenset[str]:
    return frozenset(name for name, needs in TOOLS.items() if all(t in tools for t in needs))


def plan(language: str, source: str, limits, tools: dict[str, str]) -> dict:
    """What the runner needs to compile and start a program in `language` (the `build` and `run`
    entries of its payload) and the limits its test cases get. `tools` maps tool names to paths
    inside the sandbox; the caller has checked that the language is available."""
    lim = limits.to_dict()
    if language == "python":
        return {"language": "python", "build": None, "run": None, "limits": lim}
    build = {"time_s": COMPILE_TIME_S, "memory_mb": COMPILE_MEMORY_MB, "file_bytes": COMPILE_OUTPUT_BYTES,
             "env": ENV, "markers": TABLE[language].memory_markers}  # fmt: skip
    run = {"env": ENV, "markers": TABLE[language].memory_markers}
    if language == "cpp":
        build.update(file="solution.cpp", output="solution",
                     argv=[tools["g++"], *CPP_FLAGS, "-I", PCH_DIR, "-o", "solution", "solution.cpp"])  # fmt: skip
        # The stack may grow to the whole memory limit, as contest judges allow (deep recursion):
        # RLIMIT_STACK at its hard limit (unlimited on Linux), RLIMIT_AS bounding it. A stack limit of
        # `memory_mb` instead would make it every thread's default stack size: no thread would fit.
        run.update(argv=["./solution"], exe=True, stack_max=True)
    elif language == "java":
        file, mains = java_main_class(source)
        build.update(file=file, output="classes", start_failures=JVM_START_FAILURES,
                     as_mb=COMPILE_MEMORY_MB // 2 + JVM_RESERVE_MB,
                     argv=[tools["javac"], f"-J-Xmx{COMPILE_MEMORY_MB // 2}m", *JAVAC_FLAGS, "-d", "classes", file],
                     server={"argv": javac_server_argv(tools["java"]), "options": list(JAVAC_OPTIONS),
                             "jar": f"{JAVAC_SERVER_DIR}/CompileServer.jar", "env": {**ENV, "MALLOC_ARENA_MAX": "2"}})  # fmt: skip
        run.update(argv=[tools["java"], f"-Xmx{limits.memory_mb}m", *JVM_FLAGS, "-cp", "/work/classes", mains[0]],
                   mains=mains,  # the runner runs the first whose class file has main() (runner.py java_main)
                   # added to argv by the runner where current (runner.py jvm_archive); it was dumped
                   # with compressed oops, which a heap of 32 GiB or more turns off (the JDK then
                   # picks its own classes_nocoops.jsa, given no archive of ours)
                   archive=JVM_ARCHIVE if limits.memory_mb < JVM_COMPRESSED_OOPS_MB else None,
                   as_mb=limits.memory_mb + JVM_RESERVE_MB, env={**ENV, "MALLOC_ARENA_MAX": "2"})  # fmt: skip
        lim["time_s"] = limits.time_s + JVM_TIME_EXTRA_S
    else:
        raise ValueError(f"unknown language {language!r}")
    return {"language": language, "build": build, "run": run, "limits": lim}


def host_tool(name: str) -> str | None:
    """A tool of this host as the local (bubblewrap) sandbox sees it: its real path, which must
    lie under /usr, the only host directory it mounts (/usr/bin/java is a link through /etc)."""
    from shutil import which

    found = which(name, path="/usr/bin:/bin")
    real = os.path.realpath(found) if found else None
    return real if real and real.startswith("/usr/") and os.access(real, os.X_OK) else None
