"""The sandbox's guarantees for compiled programs: C++ attacks (one property per test) and the JVM
under the limits. test_attacks_docker.py and test_attacks_local.py bind `sandbox` (and
`sandbox_pair`) to their backend, as for attacks.py.

C++ here includes the smallest headers that do the job: each test compiles its program in the
sandbox (~0.3 s of CPU with <cstdio>, ~1.5 s with <bits/stdc++.h> unless it is the first include,
which the precompiled header serves).
"""

from __future__ import annotations

import time
import uuid

import pytest

from ringdata.core.records import TestCase
from sandboxes import CaseStatus, Limits, Submission
from tests.conftest import skip_or_fail

QUICK = Limits(time_s=1.0, wall_factor=2.0)
DOUBLE = (TestCase(input="21\n", output="42\n"), TestCase(input="5\n", output="10\n"))
CPP_RIGHT = '#include <cstdio>\nint main(){long long n; scanf("%lld",&n); printf("%lld\\n", 2*n);}\n'


@pytest.fixture(autouse=True)
def _has_compilers(sandbox):
    missing = {"cpp", "java"} - sandbox.languages
    if missing:
        skip_or_fail(f"{', '.join(sorted(missing))} in the {sandbox.name} sandbox", "RINGDATA_REQUIRE_DOCKER",
                     f"it runs {', '.join(sorted(sandbox.languages))}")  # fmt: skip


def cpp(sandbox, program: str, tests=(TestCase(input="", output="SAFE\n"),), limits: Limits = QUICK):
    return sandbox.run(Submission(program, tuple(tests), limits, language="cpp"))


def observed(result) -> str:
    case = result.cases[0] if result.cases else None
    return f"{result.status.value}: {case.detail if case else result.error} {case.stdout_tail[-300:] if case else ''}"


def assert_healthy(sandbox) -> None:
    result = cpp(sandbox, CPP_RIGHT, DOUBLE)
    assert result.status is CaseStatus.PASSED, observed(result)


# --------------------------------------------------------------------------- C++: graded as Python is


def test_cpp_right_passes_every_test_and_wrong_fails(sandbox):
    assert cpp(sandbox, CPP_RIGHT, DOUBLE).passed
    wrong = cpp(sandbox, CPP_RIGHT.replace("2*n", "3*n"), DOUBLE)
    assert wrong.status is CaseStatus.WRONG_ANSWER and "expected '42', got '63'" in wrong.cases[0].detail


def test_cpp_compile_error_gives_the_compilers_first_lines(sandbox):
    result = cpp(sandbox, "#include <cstdio>\nint main() { printf(\"%d\", undeclared_name); }\n", DOUBLE)
    assert result.status is CaseStatus.COMPILE_ERROR, observed(result)
    assert "undeclared_name" in result.cases[0].detail and "error" in result.cases[0].detail
    assert result.compile_s > 0


def test_cpp_template_bomb_is_a_compile_error(sandbox):
    """A template recursion 100000 deep: g++ gives up at its depth limit (or the compile limits
    stop it); either way the submission's compile_error, never a sandbox failure."""
    bomb = ("template<int N> struct F { static const long v = F<N-1>::v + F<N-2>::v; };\n"
            "template<> struct F<0> { static const long v = 0; };\n"
            "template<> struct F<1> { static const long v = 1; };\n"
            "int main() { return F<100000>::v > 0; }\n")  # fmt: skip
    result = cpp(sandbox, bomb, DOUBLE)
    assert result.status is CaseStatus.COMPILE_ERROR, observed(result)


def test_cpp_deep_recursion_and_threads_fit_the_memory_limit(sandbox):
    """The honest side of the stack rule: ~300 MiB of recursion runs under a 512 MiB limit, as on
    contest judges, and threads still start (their default stack is not the whole limit)."""
    program = """#include <cstdio>
#include <thread>
#include <vector>
int depth(int n) { volatile char pad[1000]; pad[0] = n & 1; return n == 0 ? 0 : depth(n - 1) + 1 + pad[0] * 0; }
int main() {
    int n; scanf("%d", &n);
    std::vector<std::thread> workers;
    for (int i = 0; i < 4; i++) workers.emplace_back([] {});
    for (auto& w : workers) w.join();
    printf("%d\\n", depth(n));
}
"""
    result = cpp(sandbox, program, (TestCase(input="300000\n", output="300000\n"),), Limits(time_s=2.0, memory_mb=512))
    assert result.passed, observed(result)


@pytest.mark.parametrize("path,status", [("/dev/zero", CaseStatus.COMPILE_ERROR), ("/proc/1/environ", CaseStatus.COMPILE_ERROR),
                                         ("/dev/stdin", CaseStatus.PASSED)])  # fmt: skip
def test_cpp_include_of_a_device_or_secret_at_compile_time(sandbox, path, status):
    """The compiler reads what `#include` names, inside the sandbox, under the compile limits: an
    endless device runs it out of memory, pid 1's files are closed, and its stdin is empty (the
    program is its own source and nothing more)."""
    result = cpp(sandbox, f'#include "{path}"\n' + CPP_RIGHT, DOUBLE)
    assert result.status is status, observed(result)


def test_cpp_flood_of_compiler_errors_is_a_short_compile_error(sandbox):
    """Thousands of errors, each quoting a long template type, make megabytes of diagnostics: the
    submission is compile_error with the compiler's first lines, not a flood in the report."""
    calls = " ".join(f"m.missing{i}();" for i in range(4000))
    program = f"#include <map>\n#include <vector>\nint main() {{ std::map<std::vector<int>, std::vector<std::vector<long>>> m; {calls} }}\n"
    result = cpp(sandbox, program, DOUBLE, Limits(time_s=1.0))
    assert result.status is CaseStatus.COMPILE_ERROR, observed(result)
    assert "missing0" in result.cases[0].detail and len(result.cases[0].detail) <= 600, result.cases[0].detail


@pytest.mark.parametrize("name", ["Error occurred during initialization of VM", "cannot start "])
def test_cpp_compile_error_cannot_pass_for_a_sandbox_failure(sandbox, name):
    """`#line 1 "..."` renames the file g++ quotes first: a compile error dressed as the words
    of a compiler that could not start is still the program's compile_error."""
    result = cpp(sandbox, f'#line 1 "{name}"\nint main() {{ return undeclared; }}\n', DOUBLE)
    assert result.status is CaseStatus.COMPILE_ERROR, observed(result)


# --------------------------------------------------------------------------- C++: attacks


def test_cpp_fork_bomb_is_contained(sandbox):
    program = "#include <unistd.h>\nint main(){ while (1) fork(); }\n"
    started = time.monotonic()
    result = cpp(sandbox, program)
    assert result.status in (CaseStatus.TIME_LIMIT, CaseStatus.RUNTIME_ERROR), observed(result)
    assert time.monotonic() - started < 40  # the compile included
    assert_healthy(sandbox)


def test_cpp_memory_bomb_gives_memory_limit(sandbox):
    program = """#include <cstring>
#include <vector>
int main() {
    std::vector<char*> chunks;
    while (true) { char* p = new char[50 << 20]; memset(p, 1, 50 << 20); chunks.push_back(p); }
}
"""
    result = cpp(sandbox, program, limits=Limits(time_s=2.0, memory_mb=256))
    assert result.status is CaseStatus.MEMORY_LIMIT, observed(result)


def test_cpp_infinite_loop_gives_time_limit(sandbox):
    result = cpp(sandbox, "int main(){ volatile unsigned long i = 0; while (true) i++; }\n")
    assert result.status is CaseStatus.TIME_LIMIT, observed(result)
    assert result.cases[0].time_s < QUICK.time_s + 0.5  # killed at the limit, not left to run


def test_cpp_cannot_write_outside_the_work_dir(sandbox):
    program = """#include <cstdio>
int main() {
    const char* paths[] = {"/etc/passwd", "/usr/bin/g++", "/probe", "/tmp/probe", "/var/tmp/probe", "/usr/lib/probe"};
    int hits = 0;
    for (const char* p : paths) { FILE* f = fopen(p, "a"); if (f) { hits++; printf("LEAK %s\\n", p); fclose(f); } }
    FILE* mine = fopen("/work/mine", "w");  // the work dir is writable: else this test proves nothing
    if (!hits && mine) puts("SAFE");
}
"""
    result = cpp(sandbox, program)
    assert result.status is CaseStatus.PASSED, observed(result)


def test_cpp_network_is_unreachable(sandbox):
    program = """#include <arpa/inet.h>
#include <cstdio>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
int main() {
    const char* hosts[] = {"1.1.1.1", "8.8.8.8", "172.17.0.1"};
    int hits = 0;
    for (const char* h : hosts) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{}; a.sin_family = AF_INET; a.sin_port = htons(53); inet_pton(AF_INET, h, &a.sin_addr);
        if (s >= 0 && connect(s, (sockaddr*)&a, sizeof a) == 0) { hits++; printf("LEAK %s\\n", h); }
        if (s >= 0) close(s);
    }
    addrinfo* res = nullptr;
    if (getaddrinfo("pypi.org", "443", nullptr, &res) == 0) { hits++; puts("LEAK dns"); }
    if (!hits) puts("SAFE");
}
"""
    result = cpp(sandbox, program, limits=Limits(time_s=2.0, wall_factor=4.0))
    assert result.status is CaseStatus.PASSED, observed(result)


LEAVE = """#include <cstdio>
#include <unistd.h>
int main() {
    FILE* f = fopen("/work/leftover", "w"); fputs("secret", f); fclose(f);
    if (fork() == 0) { setsid(); while (true) sleep(1); }  // a daemon that outlives the case
    puts("SAFE");
    return 0;
}
"""
LOOK = """#include <cstdio>
#include <dirent.h>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
static long parent_of(long pid) {
    char path[64]; snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE* f = fopen(path, "r"); if (!f) return -1;
    char buf[512] = {0}; fread(buf, 1, sizeof buf - 1, f); fclose(f);
    char* end = strrchr(buf, ')'); long ppid = -1; if (end) sscanf(end + 2, "%*c %ld", &ppid); return ppid;
}
int main() {
    int found = 0;
    DIR* work = opendir("/work");
    for (dirent* e; work && (e = readdir(work));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) { printf("LEAK file %s\\n", e->d_name); found++; }
    long me = getpid(), zygote = getppid(), runner = parent_of(zygote);
    DIR* proc = opendir("/proc");
    for (dirent* e; proc && (e = readdir(proc));) {
        long pid = atol(e->d_name);
        if (pid > 1 && pid != me && pid != zygote && pid != runner) { printf("LEAK pid %ld\\n", pid); found++; }
    }
    if (!found) puts("SAFE");
    return 0;
}
"""


@pytest.mark.parametrize("batched", [False, True], ids=["alone", "same-batch"])
def test_cpp_leftover_file_and_process_do_not_reach_the_next_submission(sandbox, batched):
    first, second = (Submission(p, (TestCase(input="", output="SAFE\n"),), QUICK, language="cpp") for p in (LEAVE, LOOK))
    results = sandbox.run_many([first, second]) if batched else [sandbox.run(first), sandbox.run(second)]
    assert results[0].passed, observed(results[0])
    assert results[1].passed, observed(results[1])


def test_cpp_leftovers_do_not_reach_the_next_test_case(sandbox):
    """One submission, two cases: the file and the daemon of the first are gone in the second."""
    program = LOOK.replace("int main() {", "int main_look() {") + LEAVE.replace("int main()", "int main_leave()") + (
        "int main() { int first = 0; scanf(\"%d\", &first); return first ? main_leave() : main_look(); }\n")
    tests = (TestCase(input="1\n", output="SAFE\n"), TestCase(input="0\n", output="SAFE\n"))
    result = cpp(sandbox, program, tests)
    assert result.passed, observed(result)


def test_cpp_program_cannot_change_its_own_binary(sandbox):
    """The binary runs from a sealed in-memory file: a case cannot alter what the next case runs."""
    program = """#include <cstdio>
#include <fcntl.h>
#include <unistd.h>
int main() {
    int fd = open("/proc/self/exe", O_RDWR);
    if (fd >= 0 && write(fd, "x", 1) == 1) { puts("LEAK"); return 0; }
    puts("SAFE");
}
"""
    result = cpp(sandbox, program, (TestCase(input="", output="SAFE\n"),) * 2)
    assert result.passed, observed(result)


def test_cpp_cannot_trace_or_read_the_runner(sandbox):
    """The compiled program runs from its own (readable) binary, so unlike the Python child it is
    dumpable; its ancestors (the zygote, the runner, pid 1) are not: no ptrace, no /proc/PID/mem."""
    program = r"""#include <cstdio>
#include <fcntl.h>
#include <initializer_list>
#include <sys/ptrace.h>
#include <unistd.h>
int main() {
    int hits = 0;
    for (long pid = 1; pid < 4096; pid++) {
        if (pid == getpid()) continue;
        if (ptrace(PTRACE_ATTACH, pid, 0, 0) == 0) { printf("LEAK ptrace %ld\n", pid); hits++; ptrace(PTRACE_DETACH, pid, 0, 0); }
        for (const char* name : {"mem", "environ", "fd/0", "fd/1"}) {
            char path[64]; snprintf(path, sizeof path, "/proc/%ld/%s", pid, name);
            int fd = open(path, O_RDONLY | O_NONBLOCK);
            if (fd >= 0) { printf("LEAK %s\n", path); hits++; close(fd); }
        }
    }
    if (!hits) puts("SAFE");
}
"""
    result = cpp(sandbox, program)
    assert result.status is CaseStatus.PASSED, observed(result)


def test_cpp_expected_output_is_out_of_reach(sandbox):
    """The program hunts the expected output in every other process's memory, environment and
    standard streams, and in the writable places, and prints what it finds."""
    secret = f"SECRET-{uuid.uuid4().hex}"
    program = r"""#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <initializer_list>
#include <string>
#include <unistd.h>
static std::string found;
static void scan(const std::string& path) {
    static char buf[1 << 20];
    int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK); if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf); close(fd);
    for (ssize_t i = 0; found.empty() && i + 39 <= n; i++) if (!memcmp(buf + i, "SECRET-", 7)) found.assign(buf + i, 39);
}
static void walk(const std::string& dir) {
    DIR* d = opendir(dir.c_str());
    for (dirent* e; d && (e = readdir(d));) {
        std::string name = e->d_name, path = dir + "/" + name;
        if (name == "." || name == "..") continue;
        if (e->d_type == DT_DIR) walk(path); else scan(path);
    }
    if (d) closedir(d);
}
int main() {
    for (const char* dir : {"/work", "/tmp", "/dev/mqueue", "/dev/shm"}) walk(dir);
    DIR* proc = opendir("/proc");
    for (dirent* e; (e = readdir(proc));)
        if (atol(e->d_name) > 0 && atol(e->d_name) != getpid())
            for (const char* name : {"mem", "environ", "cmdline", "fd/0", "fd/1", "fd/3"}) scan(std::string("/proc/") + e->d_name + "/" + name);
    puts(found.empty() ? "none" : found.c_str());
}
"""
    result = sandbox.run_many([Submission("print(0)", (TestCase(input="", output=secret),), QUICK),
                               Submission(program, (TestCase(input="", output=secret),), Limits(time_s=2.0), language="cpp")])[1]
    assert result.status is CaseStatus.WRONG_ANSWER, observed(result)
    assert result.cases[0].stdout_tail.strip() == "none", observed(result)


CPP_SPIN = """#include <cstdio>
#include <ctime>
#include <sys/wait.h>
#include <unistd.h>
static void spin(double s) { clock_t end = clock() + (clock_t)(s * CLOCKS_PER_SEC); while (clock() < end) {} }
int main() {
    for (int i = 0; i < CHILDREN; i++) if (fork() == 0) { setsid(); spin(SECONDS); _exit(0); }
    while (wait(nullptr) > 0) {}
    long long n; scanf("%lld", &n); printf("%lld\\n", 2 * n);
}
"""


@pytest.mark.parametrize("children,seconds,status", [(3, 0.6, CaseStatus.TIME_LIMIT), (2, 0.1, CaseStatus.PASSED)],
                         ids=["1.8s-in-children", "0.2s-in-children"])  # fmt: skip
def test_cpp_cpu_of_every_descendant_is_charged(sandbox, children, seconds, status):
    program = CPP_SPIN.replace("CHILDREN", str(children)).replace("SECONDS", str(seconds))
    result = cpp(sandbox, program, DOUBLE[:1])
    assert result.status is status, observed(result)


def test_correct_cpp_passes_beside_cpp_bombs(sandbox_pair):
    """Fair under load: a fork bomb and a spinner beside it do not cost a right program its reward."""
    bombs = ["#include <unistd.h>\nint main(){ while (1) fork(); }\n",
             "int main(){ volatile unsigned long i = 0; while (true) i++; }\n"]  # fmt: skip
    subs = [Submission(b, DOUBLE[:1], QUICK, language="cpp") for b in bombs]
    subs += [Submission(CPP_RIGHT, DOUBLE, QUICK, language="cpp")] * 3
    results = sandbox_pair.run_many(subs)
    assert all(r.status is not CaseStatus.PASSED for r in results[:2])
    assert all(r.passed for r in results[2:]), [observed(r) for r in results[2:]]
    assert sum(r.compile_s > 0 for r in results[2:]) <= 2  # identical sources compile once per exec/worker


def test_correct_java_passes_beside_java_bombs(sandbox_pair):
    """Fair under load for the JVM too: a thread bomb and an eight-thread spinner beside it do not
    cost a right Java program its reward (the JVM's own start-up threads included)."""
    bombs = ["public class Main { public static void main(String[] a) { while (true) new Thread(() -> "
             "{ try { Thread.sleep(100000); } catch (Exception e) {} }).start(); } }\n",
             "public class Main { public static void main(String[] a) { for (int i = 0; i < 8; i++) "
             "new Thread(() -> { long x = 0; while (true) x++; }).start(); } }\n"]  # fmt: skip
    right = "public class Main { public static void main(String[] a) { System.out.println(2 * new java.util.Scanner(System.in).nextLong()); } }\n"
    subs = [Submission(b, DOUBLE[:1], Limits(time_s=2.0), language="java") for b in bombs]
    subs += [Submission(right, DOUBLE, Limits(time_s=2.0), language="java")] * 3
    results = sandbox_pair.run_many(subs)
    assert all(r.status is not CaseStatus.PASSED for r in results[:2]), [observed(r) for r in results[:2]]
    assert all(r.passed for r in results[2:]), [observed(r) for r in results[2:]]


# --------------------------------------------------------------------------- Java: the JVM under the limits

JAVA_ALLOC = """import java.util.*;
public class Solution {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int mb = in.nextInt();
        List<int[]> keep = new ArrayList<>();
        for (int i = 0; i < mb; i++) { int[] a = new int[1 << 18]; a[i % a.length] = i; keep.add(a); }
        System.out.println("SAFE " + keep.size());
    }
}
"""


def test_java_heap_up_to_the_limit_runs_and_beyond_it_is_memory_limit(sandbox):
    """The JVM reserves ~1 GiB of address space beyond its heap: under an RLIMIT_AS sized for
    CPython it would not even start. It gets the limit as its heap, so 300 MiB of arrays pass
    under 512 MiB and 700 MiB are memory_limit, not a crash."""
    tests = (TestCase(input="300\n", output="SAFE 300\n"), TestCase(input="700\n", output="SAFE 700\n"))
    result = sandbox.run(Submission(JAVA_ALLOC, tests, Limits(time_s=3.0, memory_mb=512), stop_on_first_failure=False, language="java"))
    assert result.cases[0].passed, observed(result)
    assert result.cases[1].status is CaseStatus.MEMORY_LIMIT, result.cases[1]


def test_java_class_convention_public_class_or_main(sandbox):
    """A public class runs under its own name; without one, the class named Main."""
    public = "public class Doubler { public static void main(String[] a) { System.out.println(2 * new java.util.Scanner(System.in).nextLong()); } }\n"
    plain = "class Helper { static long twice(long x) { return 2 * x; } }\nclass Main { public static void main(String[] a) { System.out.println(Helper.twice(new java.util.Scanner(System.in).nextLong())); } }\n"
    results = sandbox.run_many([Submission(p, DOUBLE, Limits(time_s=2.0), language="java") for p in (public, plain)])
    assert all(r.passed for r in results), [observed(r) for r in results]


def test_identical_sources_compile_once_per_batch(sandbox):
    """Sampled responses repeat: the same C++ program given three times in one `run_many`
    compiles once; a different one compiles on its own."""
    other = CPP_RIGHT.replace("2*n", "n+n")
    subs = [Submission(p, DOUBLE, QUICK, language="cpp") for p in (CPP_RIGHT, other, CPP_RIGHT, CPP_RIGHT)]
    results = sandbox.run_many(subs)
    assert all(r.passed for r in results), [observed(r) for r in results]
    assert [r.compile_s > 0 for r in results].count(True) == 2, [r.compile_s for r in results]


def test_identical_sources_keep_their_own_limits(sandbox):
    """Compiled once, the program still starts with each submission's own limits: an identical
    source under a smaller limit does not inherit the first one's heap."""
    tests = (TestCase(input="300\n", output="SAFE 300\n"),)
    subs = [Submission(JAVA_ALLOC, tests, Limits(time_s=3.0, memory_mb=mb), language="java") for mb in (1024, 256)]
    results = sandbox.run_many(subs)
    assert results[0].passed, observed(results[0])
    assert results[1].status is CaseStatus.MEMORY_LIMIT, observed(results[1])


def test_java_class_files_cannot_be_poisoned_for_the_next_case_or_copy(sandbox):
    """The class files come back from the runner's memory before every case: a program that
    overwrites them (or plants another class) changes neither its next case nor an identical
    submission's run."""
    program = """import java.io.*;
public class Main {
    public static void main(String[] a) throws Exception {
        long n = new java.util.Scanner(System.in).nextLong();
        try (OutputStream out = new FileOutputStream("/work/classes/Main.class")) { out.write(new byte[] {0, 1, 2}); }
        try (OutputStream out = new FileOutputStream("/work/classes/Evil.class")) { out.write(new byte[] {0}); }
        System.out.println(2 * n);
    }
}
"""
    results = sandbox.run_many([Submission(program, DOUBLE, Limits(time_s=2.0), language="java")] * 2)
    assert all(r.passed for r in results), [observed(r) for r in results]


def test_java_threads_are_charged_their_cpu(sandbox):
    """Busy threads add up: four spinning threads reach the CPU limit in a quarter of the wall time."""
    program = """public class Main {
    public static void main(String[] a) throws Exception {
        for (int i = 0; i < 4; i++) { Thread t = new Thread(() -> { long x = 0; while (true) x++; }); t.setDaemon(true); t.start(); }
        Thread.sleep(20000);
        System.out.println(42);
    }
}
"""
    result = sandbox.run(Submission(program, (TestCase(input="", output="42\n"),), QUICK, language="java"))
    assert result.status is CaseStatus.TIME_LIMIT, observed(result)
    assert result.cases[0].time_s < QUICK.time_s + 1.5, observed(result)



# The resident Java compiler (sandboxes/image/CompileServer.java, runner.py `precompile_java`).
JAVA_TWICE = "public class Main {{ public static void main(String[] a) {{ System.out.println({expr}); }} }}\n"


def _needs_javac_server(sandbox):
    if sandbox.name == "local":
        from sandboxes.local import host_javac_server_built

        if not host_javac_server_built():
            pytest.skip("the host has no resident Java compiler: run `ringdata sandbox pch` as root")


def test_java_sources_of_a_batch_share_one_warm_compiler(sandbox):
    """Five distinct sources in one batch: each compiles (and is charged its own compile), and the
    ones after the first cost a fraction of a fresh javac, which a compiler per source never does.
    Docker only: the local backend gives every distinct program a sandbox (and a compiler) of its own."""
    _needs_javac_server(sandbox)
    if sandbox.name == "local":
        pytest.skip("the local backend runs each distinct program in a fresh sandbox: one compile per compiler")
    read = "new java.util.Scanner(System.in).nextLong()"
    sources = [JAVA_TWICE.format(expr=f"{k} * {read} - {k - 2} * 21") for k in range(2, 7)]  # 2n, 3n-21, ...: 42 at 21
    tests = (TestCase(input="21\n", output="42\n"),)
    results = sandbox.run_many([Submission(p, tests, Limits(time_s=2.0), language="java") for p in sources])
    assert all(r.passed for r in results), [observed(r) for r in results]
    first, *later = [r.compile_s for r in results]
    assert all(s > 0 for s in later) and sorted(later)[len(later) // 2] < 0.5 * first, [r.compile_s for r in results]


def test_java_source_cannot_use_another_submissions_classes_at_compile_time(sandbox):
    """Compiled in one JVM, in one work dir, each source still sees only itself: a class defined
    by another submission of the batch, compiled before it or after it, is `cannot find symbol`."""
    _needs_javac_server(sandbox)
    definer = ("public class Main { public static void main(String[] a) { System.out.println(Leak.twice(21)); } }\n"
               "class Leak { static long twice(long x) { return 2 * x; } }\n")  # fmt: skip
    user = JAVA_TWICE.format(expr="Leak.twice(21)")
    tests = (TestCase(input="", output="42\n"),)
    results = sandbox.run_many([Submission(p, tests, Limits(time_s=2.0), language="java") for p in (user, definer, user + " ")])
    assert [r.status for r in results] == [CaseStatus.COMPILE_ERROR, CaseStatus.PASSED, CaseStatus.COMPILE_ERROR], [observed(r) for r in results]
    assert all("Main.java:1: error: cannot find symbol" in r.cases[0].detail for r in results[::2]), results[0].cases[0].detail


# The contest class-data archive (sandboxes/languages.py JVM_ARCHIVE): which archive a Java test maps.
JAVA_ARCHIVE_MAPPED = """import java.nio.file.*;
public class Main { public static void main(String[] a) throws Exception {
    String maps = Files.readString(Path.of("/proc/self/maps"));
    System.out.println(maps.contains("/contest.jsa") ? "contest" : maps.contains("/classes.jsa") ? "jdk" : "none");
} }
"""


@pytest.mark.parametrize("absent,mapped", [(False, "contest"), (True, "jdk")])
def test_java_maps_the_contest_archive_else_the_jdks(sandbox, monkeypatch, absent, mapped):
    """A Java test maps the contest class-data archive where it was built for this JVM, and the
    JDK's default archive where it is absent (never no archive: the JVM given an archive it
    cannot map runs with none)."""
    if sandbox.name == "local":
        from sandboxes.local import host_jvm_archive_built

        if not host_jvm_archive_built():
            pytest.skip("the host has no contest class-data archive: run `ringdata sandbox pch` as root")
    if absent:
        monkeypatch.setattr("sandboxes.languages.JVM_ARCHIVE", "/usr/local/lib/ringdata/jvm/absent.jsa")
    tests = (TestCase(input="", output=f"{mapped}\n"),)
    result = sandbox.run(Submission(JAVA_ARCHIVE_MAPPED, tests, Limits(time_s=2.0), language="java"))
    assert result.passed, observed(result)


# The precompiled <bits/stdc++.h> (sandboxes/languages.py PCH_DIR): g++ alone decides when it applies.
STDCPP_SUM = "#include <bits/stdc++.h>\nusing namespace std;\nint main(){long long n; cin >> n; vector<long long> v{n, n}; cout << accumulate(v.begin(), v.end(), 0LL) << '\\n';}\n"


def _needs_pch(sandbox):
    if sandbox.name == "local":
        from sandboxes.local import host_pch_used

        if not host_pch_used():
            pytest.skip("the host has no precompiled <bits/stdc++.h>: run `ringdata sandbox pch` as root")


def test_cpp_stdcpp_first_compiles_from_the_precompiled_header(sandbox):
    """<bits/stdc++.h> as the first include costs a fraction of the CPU of the same program with an
    include before it (which g++ must parse from the headers: only a first include can be
    precompiled). Measured: ~0.3 s against ~1.5 s of compile CPU."""
    _needs_pch(sandbox)
    fast, slow = sandbox.run_many([Submission(STDCPP_SUM, DOUBLE, QUICK, language="cpp"),
                                   Submission("#include <cstdio>\n" + STDCPP_SUM, DOUBLE, QUICK, language="cpp")])  # fmt: skip
    assert fast.passed and slow.passed, (observed(fast), observed(slow))
    assert fast.compile_s * 2.5 < slow.compile_s, (fast.compile_s, slow.compile_s)


def test_cpp_macro_before_the_header_keeps_its_meaning(sandbox):
    """A macro before <bits/stdc++.h> that changes what the header means (here the checked
    containers of the debug mode) makes g++ parse the header instead of reading the precompiled one,
    which was built without the checks and would let the out-of-range read through."""
    program = "#define _GLIBCXX_DEBUG 1\n#include <bits/stdc++.h>\nint main() { std::vector<int> v(1); std::printf(\"%d\\n\", v[5]); }\n"
    result = sandbox.run(Submission(program, (TestCase(input="", output="0\n"),), Limits(time_s=2.0), language="cpp"))
    assert result.status is CaseStatus.RUNTIME_ERROR, observed(result)
