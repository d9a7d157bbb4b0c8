"""`ringdata serve` (rewards/serve.py, rewards/wire.py) as a real process on the real Docker
sandbox, called by the official `sandbox-fusion` client package from PyPI and by plain HTTP:
wire compatibility, the batched endpoints, bad input, load, and faults."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ringdata
from tests.rewards.serve_helpers import Server

pytestmark = [pytest.mark.docker, pytest.mark.timeout(600)]


@pytest.fixture
def server(served):
    return served


# ------------------------------------------------------ the official client, outcome by outcome

PROGRAMS = {
    "python": {
        "right": "a, b = map(int, input().split())\nprint(a + b)",
        "wrong": "a, b = map(int, input().split())\nprint(a - b)",
        "runtime_error": "raise ValueError('boom')",
        "time_limit": "while True:\n    pass",
        "memory_limit": "x = bytearray(3 << 30)\nprint(len(x))",
        "compile_error": "def f(:\n    pass",
        "empty": "pass",
        "large": "import sys\nsys.stdout.write('x' * 300000 + '\\n')",
        "stdin": "print(input()[::-1])",
    },
    "cpp": {
        "right": "#include <cstdio>\nint main(){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);}",
        "wrong": "#include <cstdio>\nint main(){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a-b);}",
        "runtime_error": "int main(){return 3;}",
        "time_limit": "int main(){volatile long x=0; for(;;) x++;}",
        "memory_limit": "#include <vector>\n#include <cstdio>\nint main(){std::vector<char> v(3000000000ULL, 1); printf(\"%d\", v[7]);}",
        "compile_error": "int main(){",
        "empty": "int main(){}",
        "large": "#include <cstdio>\nint main(){for(int i=0;i<300000;i++) putchar('x'); putchar('\\n');}",
        "stdin": "#include <iostream>\n#include <string>\n#include <algorithm>\nint main(){std::string s,t;while(std::getline(std::cin,t)) s+=t;"
                 "std::reverse(s.begin(),s.end());std::cout<<s<<std::endl;}",
    },
    "java": {
        "right": "import java.util.*;\npublic class Main{public static void main(String[] x){Scanner s=new Scanner(System.in);"
                 "System.out.println(s.nextInt()+s.nextInt());}}",
        "wrong": "import java.util.*;\npublic class Main{public static void main(String[] x){Scanner s=new Scanner(System.in);"
                 "System.out.println(s.nextInt()-s.nextInt());}}",
        "runtime_error": "public class Main{public static void main(String[] x){throw new RuntimeException(\"boom\");}}",
        "time_limit": "public class Main{public static void main(String[] x){long i=0; while(true){i++;}}}",
        "memory_limit": "public class Main{public static void main(String[] x){long[] a=new long[1<<30];System.out.println(a.length);}}",
        "compile_error": "public class Main{ void f( }",
        "empty": "public class Main{public static void main(String[] x){}}",
        "large": "public class Main{public static void main(String[] x){System.out.println(\"x\".repeat(300000));}}",
        "stdin": "import java.util.*;\npublic class Main{public static void main(String[] x){Scanner s=new Scanner(System.in);"
                 "System.out.println(new StringBuilder(s.nextLine()).reverse());}}",
    },
}
STDIN = {"right": "2 3\n", "wrong": "2 3\n", "stdin": "hello world\n"}


def _check(outcome: str, language: str, r) -> None:
    """SandboxFusion's documented semantics for each outcome (rewards/wire.py's docstring)."""
    run = r.run_result
    compiled = language != "python"
    if outcome == "compile_error" and compiled:
        assert r.status == "Failed" and run is None and r.compile_result.return_code != 0, r
        assert "error" in r.compile_result.stderr
        return
    if compiled:
        assert r.compile_result.status == "Finished" and r.compile_result.return_code == 0, r
    if outcome in ("right", "wrong", "empty", "large", "stdin"):
        assert r.status == "Success" and run.status == "Finished" and run.return_code == 0, r
        expected = {"right": "5\n", "wrong": "-1\n", "empty": "", "large": "x" * 300000 + "\n",
                    "stdin": "dlrow olleh\n"}[outcome]  # fmt: skip
        assert run.stdout.rstrip("\n") == expected.rstrip("\n"), (run.stdout[:100], expected[:100])
    elif outcome == "time_limit":
        assert r.status == "Failed" and run.status == "TimeLimitExceeded" and run.return_code is None, r
    else:  # runtime_error, memory_limit, python's compile_error: it ran and exited non-zero
        assert r.status == "Failed" and run.status == "Finished" and run.return_code not in (0, None), r


@pytest.mark.parametrize("language", ["python", "cpp", "java"])
def test_official_client_outcome_table(server, language):
    from sandbox_fusion import RunCodeRequest, run_code

    def one(outcome: str):
        request = RunCodeRequest(code=PROGRAMS[language][outcome], language=language, stdin=STDIN.get(outcome),
                                 run_timeout=1 if outcome == "time_limit" else 10)  # fmt: skip
        return outcome, run_code(request, endpoint=server.url, max_attempts=1, client_timeout=120)

    with ThreadPoolExecutor(9) as pool:  # together: they share sandbox groups, as a trainer's calls do
        results = list(pool.map(one, PROGRAMS[language]))
    for outcome, response in results:
        _check(outcome, language, response)


def test_official_client_ping_and_async_client(server):
    import asyncio

    from sandbox_fusion import RunCodeRequest, run_code_async

    assert server.get("/v1/ping") == (200, '"pong"')
    got = asyncio.run(run_code_async(RunCodeRequest(code="print(6*7)", language="python"), endpoint=server.url,
                                     max_attempts=1))  # fmt: skip
    assert got.status == "Success" and got.run_result.stdout == "42\n"


def test_memory_limit_field_is_honoured(server):
    # SandboxFusion's server takes memory_limit_MB (verl sends it); 64 MiB cannot hold 200 MB
    body = {"code": "x = bytearray(200 << 20)\nprint(len(x))", "language": "python", "memory_limit_MB": 64}
    status, text, _ = server.post("/run_code", json.dumps(body))
    assert status == 200 and json.loads(text)["status"] == "Failed"
    body["memory_limit_MB"] = 1024
    status, text, _ = server.post("/run_code", json.dumps(body))
    assert status == 200 and json.loads(text)["run_result"]["stdout"] == f"{200 << 20}\n"


def test_official_client_files_and_fetch_files(server):
    """SandboxFusion's files (written before the run) and fetch_files (read back after it), in
    each language; a link to /etc/passwd the program made is named, not read; a path out of the
    work dir is refused by the server, which the client raises on."""
    import base64

    from sandbox_fusion import RunCodeRequest, run_code

    reverse = {  # read in.txt, write out/rev.txt
        "python": "import os\nos.mkdir('out')\nopen('out/rev.txt','w').write(open('in.txt').read()[::-1])",
        "cpp": '#include <fstream>\n#include <string>\n#include <algorithm>\n#include <sys/stat.h>\n'
               'int main(){std::ifstream f("in.txt");std::string s;std::getline(f,s);std::reverse(s.begin(),s.end());'
               'mkdir("out",0700);std::ofstream("out/rev.txt")<<s;}',
        "java": 'import java.nio.file.*;\npublic class Main{public static void main(String[] a) throws Exception{'
                'String s=Files.readString(Path.of("in.txt"));Files.createDirectories(Path.of("out"));'
                'Files.writeString(Path.of("out/rev.txt"),new StringBuilder(s).reverse());}}',
    }  # fmt: skip

    def one(language: str):
        request = RunCodeRequest(code=reverse[language], language=language, files={"in.txt": base64.b64encode(b"abc").decode()},
                                 fetch_files=["out/rev.txt", "missing.txt"])  # fmt: skip
        return run_code(request, endpoint=server.url, max_attempts=1, client_timeout=120)

    with ThreadPoolExecutor(3) as pool:
        for language, got in zip(reverse, pool.map(one, reverse)):
            assert got.status == "Success", (language, got)
            assert {k: base64.b64decode(v) for k, v in got.files.items()} == {"out/rev.txt": b"cba"}, language
    link = RunCodeRequest(code="import os\nos.symlink('/etc/passwd', 'leak.txt')", language="python",
                          fetch_files=["leak.txt"])  # fmt: skip
    got = run_code(link, endpoint=server.url, max_attempts=1, client_timeout=120)
    assert got.status == "Success" and got.files == {} and "'leak.txt' (a symbolic link)" in got.message
    with pytest.raises(Exception, match="422"):
        run_code(RunCodeRequest(code="print(1)", language="python", fetch_files=["../../etc/passwd"]),
                 endpoint=server.url, max_attempts=1)  # fmt: skip


# ---------------------------------------------------------------------- the batched endpoints


def test_grade_endpoint_gives_the_rows_of_ringdata_grade(server, tmp_path):
    """The same problem and responses through /ringdata/grade and through `ringdata grade`."""
    problem = {"id": "add", "domain": "code", "source": "t", "question": "add two numbers",
               "tests": [{"input": f"{a} {b}\n", "output": f"{a + b}\n"} for a, b in [(1, 2), (5, 7), (10, -3)]]}
    responses = ["```python\na, b = map(int, input().split())\nprint(a + b)\n```",
                 "```cpp\n#include <cstdio>\nint main(){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);}\n```",
                 "```python\nprint(3)\n```", "```python\nwhile True: pass\n```", "no code here", ""]
    status, text, _ = server.post("/ringdata/grade", json.dumps({"problem": problem, "responses": responses}))
    assert status == 200, text
    rows = json.loads(text)["rows"]
    (tmp_path / "p.jsonl").write_text(json.dumps(problem) + "\n")
    (tmp_path / "r.jsonl").write_text("".join(json.dumps({"problem_id": "add", "sample": i, "response": r}) + "\n"
                                              for i, r in enumerate(responses)))  # fmt: skip
    proc = ringdata("grade", "-p", tmp_path / "p.jsonl", "-r", tmp_path / "r.jsonl", "-o", tmp_path / "g.parquet",
                    "--sandbox", "docker", "--workers", "1")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    import pyarrow.parquet as pq

    cli = sorted(pq.read_table(tmp_path / "g.parquet").to_pylist(), key=lambda r: r["sample"])
    keys = ("problem_id", "sample", "domain", "reward", "correct", "reason", "extracted", "detail", "pass_fraction")

    def same(r: dict) -> dict:  # a time limit's detail holds the CPU seconds measured: compared apart
        return {k: r[k] for k in keys if not (k == "detail" and r["reason"] == "time_limit")}

    assert [same(r) for r in rows] == [same(r) for r in cli]
    assert [r["reason"] for r in rows] == ["correct", "correct", "wrong_answer", "time_limit", "no_code", "empty_response"]


def test_grade_endpoint_math_and_science(server):
    body = {"problem": {"domain": "math", "answer": "\\frac{1}{2}"}, "responses": ["\\boxed{0.5}", "\\boxed{1/3}"]}
    rows = json.loads(server.post("/ringdata/grade", json.dumps(body))[1])["rows"]
    assert [r["reason"] for r in rows] == ["correct", "wrong_answer"]
    body = {"problem": {"domain": "science", "answer": "B", "choices": ["1 m", "2 m", "3 m", "4 m"]},
            "responses": ["The answer is (B).", "The answer is (C)."]}
    rows = json.loads(server.post("/ringdata/grade", json.dumps(body))[1])["rows"]
    assert [r["reward"] for r in rows] == [1.0, 0.0]


def test_run_tests_endpoint_runs_one_program_on_many_tests(server):
    body = {"code": "print(int(input()) ** 2)", "language": "python",
            "tests": [{"input": f"{i}\n", "output": f"{i * i}\n"} for i in range(20)] + [{"input": "3\n", "output": "10\n"}]}
    status, text, _ = server.post("/ringdata/run_tests", json.dumps(body))
    got = json.loads(text)
    assert status == 200 and got["passed"] == 20 and got["tests"] == 21
    assert [c["status"] for c in got["cases"]] == ["passed"] * 20 + ["wrong_answer"]


# ------------------------------------------------------------------------------ bad input

BAD = [
    ("malformed JSON", b'{"code": "print(1)", "language": ', 400, "not JSON"),
    ("invalid UTF-8", b'{"code": "print(\xff\xfe)", "language": "python"}', 400, "not UTF-8"),
    ("not an object", b'["print(1)"]', 422, "JSON object"),
    ("unknown field", b'{"code": "print(1)", "language": "python", "run_timout": 3}', 422, "run_timout"),
    ("unknown language", b'{"code": "fn main(){}", "language": "rust"}', 422, "python, cpp, java"),
    ("missing field", b'{"language": "python"}', 422, "'code'"),
    ("code not a string", b'{"code": 5, "language": "python"}', 422, "string"),
    ("negative time limit", b'{"code": "print(1)", "language": "python", "run_timeout": -1}', 422, "run_timeout"),
    ("huge time limit", b'{"code": "print(1)", "language": "python", "run_timeout": 1e9}', 422, "run_timeout"),
    ("NaN time limit", b'{"code": "print(1)", "language": "python", "run_timeout": NaN}', 422, "run_timeout"),
    ("bad memory limit", b'{"code": "print(1)", "language": "python", "memory_limit_MB": 0}', 422, "memory_limit_MB"),
    ("file path leaves the work dir", b'{"code": "print(1)", "language": "python", "files": {"../a.txt": "aGk="}}', 422,
     "work dir"),
    ("10 MB of code", json.dumps({"code": "#" * (10 << 20), "language": "python"}).encode(), 413, "larger than"),
]


@pytest.mark.parametrize("body,status,words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_4xx_with_one_line_and_the_server_keeps_serving(server, body, status, words):
    got, text, _ = server.post("/run_code", body)
    detail = json.loads(text)["detail"]
    assert got == status and words in detail and "\n" not in detail, (got, detail)
    assert json.loads(server.post("/run_code", '{"code": "print(1)", "language": "python"}')[1])["status"] == "Success"


def test_bad_batched_requests(server):
    cases = [({"problem": {"domain": "poetry"}, "responses": ["x"]}, "domain"),
             ({"problem": {"domain": "math", "answer": "1"}, "responses": []}, "responses"),
             ({"problem": {"domain": "code", "tests": [{"stdin": "1"}]}, "responses": ["x"]}, "stdin"),
             ({"problem": {"domain": "math"}, "responses": ["x"], "k": 1}, "'k'")]
    for body, words in cases:
        status, text, _ = server.post("/ringdata/grade", json.dumps(body))
        assert status == 422 and words in json.loads(text)["detail"], text


def test_the_metrics_name_only_the_service_s_endpoints(server):
    """A path nobody serves is counted as "other": every label value is a series for the life of
    the process, and anyone who can connect picks the path (a scanner grew /metrics by 20 lines
    a path, for ever)."""
    for i in range(20):
        assert server.get(f"/nowhere-{i}")[0] == 404
    text = server.get("/metrics")[1]
    assert "nowhere" not in text and '{code="404",endpoint="other"}' in text, text[-2000:]
    assert 'endpoint="/v1/ping"' in text
    # The access log names the peer: a header cannot put another address in it.
    assert server.post("/run_code", '{"code": "print(5)"}', headers={"X-Forwarded-For": "6.6.6.6"})[0] == 422
    _until(lambda: " /run_code 422 " in server.log.read_text(), 2)  # access lines are written every 0.2 s
    assert "6.6.6.6" not in server.log.read_text()


# ------------------------------------------------------------------------------ load


def test_load_64_clients_nothing_lost_duplicated_or_crossed(server):
    """64 concurrent clients, mixed languages and outcomes; every answer is its own request's
    (each program prints a token unique to its request)."""
    n = 256

    def body(i: int) -> dict:
        kind = i % 8
        if kind == 6:  # a CPU bomb: its time limit, nothing else
            return {"code": f"# {i}\nwhile True: pass", "language": "python", "run_timeout": 0.5}
        if kind == 7:  # a memory bomb
            return {"code": f"x = bytearray(3 << 30)  # {i}", "language": "python"}
        language = ("python", "python", "python", "cpp", "java", "python")[kind]
        return {"code": PROGRAMS[language]["stdin"], "language": language, "stdin": f"req{i:06d}\n"}

    def call(i: int):
        started = time.perf_counter()
        status, text, _ = server.post("/run_code", json.dumps(body(i)), timeout=300)
        return i, status, json.loads(text), time.perf_counter() - started

    with ThreadPoolExecutor(64) as pool:
        results = list(pool.map(call, range(n)))
    assert sorted(i for i, *_ in results) == list(range(n))
    for i, status, got, _ in results:
        assert status == 200, (i, got)
        kind = i % 8
        if kind == 6:
            assert got["run_result"]["status"] == "TimeLimitExceeded", (i, got)
        elif kind == 7:
            assert got["status"] == "Failed", (i, got)
        else:
            assert got["status"] == "Success" and got["run_result"]["stdout"].strip() == f"req{i:06d}"[::-1], (i, got)
    latencies = sorted(s for *_, s in results)
    print(f"\n{n} requests, 64 clients: p50 {latencies[n // 2]:.2f}s p99 {latencies[int(n * 0.99)]:.2f}s")
    assert server.metric("ringdata_serve_queue_depth") == 0 and server.metric("ringdata_serve_slots_in_use") == 0


# ------------------------------------------------------------------------------ faults


def _arrive_together(port: int, bodies: list[bytes], path: str = "/run_code") -> list[dict]:
    """POST each body to `path` on its own connection, all but their last byte first, so the
    requests reach the batcher within a millisecond, in this order; their answers, in order."""
    socks = []
    for body in bodies:
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:-1])  # fmt: skip
        socks.append(sock)
    for sock, body in zip(socks, bodies):
        sock.sendall(body[-1:])
    answers = []
    for sock in socks:
        raw = b""
        while chunk := sock.recv(1 << 16):
            raw += chunk
        sock.close()
        answers.append(json.loads(raw.split(b"\r\n\r\n", 1)[1]))
    return answers


def test_a_merged_test_that_kills_the_harness_changes_no_other_tests_answer(server):
    """One program's single tests from many requests run as one submission; a test whose input
    makes the program kill the test harness stops that run short (later cases never run, or a
    killed runner reports one case for all). Every other request still gets its own test's
    answer, as it would alone: before, those past the short run got the first test's, its output
    included (another client's stdin echoed back)."""
    program = ("import os, sys\ns = sys.stdin.read()\nprint('got', s)\n"
               "if s == 'kill': os.kill(os.getppid(), 9)\nif s == 'all': os.kill(-1, 9)\n")
    for killer in ("kill", "all"):
        stdins = ["a", "b", killer, "c", "d", "e"]
        bodies = [json.dumps({"code": program, "language": "python", "stdin": s}).encode() for s in stdins]
        answers = _arrive_together(server.port, bodies)
        for s, got in zip(stdins, answers):
            if s != killer:
                assert got["status"] == "Success" and got["run_result"]["stdout"] == f"got {s}\n", (killer, s, got)
            else:  # (a warm runner killed is a SandboxError: the Docker backend reads it as gone before)
                assert got["status"] in ("Failed", "SandboxError"), got


def test_a_merged_function_call_test_of_a_cpp_program_changes_no_other_tests_answer(server):
    """A function-call test makes the runner answer one unsupported_test case for a whole C++
    submission; merged with stdin tests of the same program, those got it too (an honest
    program's passing tests marked unsupported): each is now run on its own."""
    program = '#include <cstdio>\nint main() { int a; scanf("%d", &a); printf("%d\\n", 2 * a); }'
    tests = [{"assert": "assert f(1) == 2"}, {"input": "3\n", "output": "6\n"}, {"input": "4\n", "output": "8\n"}]
    bodies = [json.dumps({"code": program, "language": "cpp", "tests": [t]}).encode() for t in tests]
    got = _arrive_together(server.port, bodies, "/ringdata/run_tests")
    assert [g["status"] for g in got] == ["unsupported_test", "passed", "passed"], got


def test_sandbox_container_killed_mid_run(server):
    """Every container of the server's pool is killed while programs run in them: those requests
    are answered (SandboxError or their result), and the server goes on answering."""
    import docker

    owner = server.owner
    assert owner
    slow = {"code": "import time\nt = time.time()\nwhile time.time() - t < 3: pass\nprint('done')", "language": "python"}
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(server.post, "/run_code", json.dumps(slow), 120) for _ in range(4)]
        time.sleep(1.5)
        client = docker.from_env()
        killed = client.containers.list(filters={"label": f"ringdata.sandbox={owner}"})
        assert killed
        for container in killed:
            container.kill()
        answers = [f.result(timeout=120) for f in futures]
    # Answered: a sandbox error, or (a lone submission's runner killed from outside looks like
    # the program's doing to the backend) a failed run; never a hang or a 5xx.
    for status, text, _ in answers:
        assert status == 200 and json.loads(text)["status"] in ("SandboxError", "Success", "Failed"), text
    # The pool's idle containers died too: the next programs start in fresh ones, not sandbox_error
    for _ in range(3):
        got = json.loads(server.post("/run_code", '{"code": "print(7)", "language": "python"}')[1])
        assert got["status"] == "Success" and got["run_result"]["stdout"] == "7\n", got


def _raw_request(port: int, body: bytes, token: str | None = None) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    sock.sendall(f"POST /run_code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)  # fmt: skip
    return sock


def test_token_queue_429_disconnect_and_sigterm_drain():
    """One slot and a queue of one: the token is checked on every request, a third request is a
    429 with Retry-After, a queued client that disconnects leaves the queue at once, and SIGTERM
    lets the running request finish before the process stops."""
    s = Server("--slots", "1", "--max-queue", "1", "--pool-size", "1", token="s3cret")
    try:
        assert s.post("/run_code", '{"code": "print(1)", "language": "python"}', headers={"Authorization": "Bearer no"})[0] == 401
        s.token = None
        assert s.get("/v1/ping")[0] == 401 and s.get("/metrics")[0] == 401
        assert s.get("/token/s3cret/v1/ping") == (200, '"pong"')  # the prefix form, for SandboxFusion clients
        s.token = "s3cret"
        busy = json.dumps({"code": "import time\nt = time.time()\nwhile time.time() - t < 4: pass\nprint('busy')",
                           "language": "python"}).encode()  # fmt: skip
        first = _raw_request(s.port, busy, s.token)
        time.sleep(0.5)
        queued = _raw_request(s.port, busy, s.token)
        time.sleep(0.3)
        assert s.metric("ringdata_serve_queue_depth") == 1
        status, text, headers = s.post("/run_code", busy)
        assert status == 429 and headers.get("retry-after") == "1", text
        queued.close()  # the client gives up: its place in the queue frees at once
        deadline = time.monotonic() + 2
        while s.metric("ringdata_serve_queue_depth") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert s.metric("ringdata_serve_queue_depth") == 0
        assert s.metric("ringdata_serve_slots_in_use") == 1  # the first request still runs
        s.proc.send_signal(15)  # SIGTERM while it runs: it drains
        first.settimeout(60)
        reply = b""
        while b"busy" not in reply:
            chunk = first.recv(65536)
            if not chunk:
                break
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 200") and b"busy" in reply, reply[:300]
        assert s.proc.wait(60) == -15 and s.drained()
        assert " 499 " in s.log.read_text()  # the access log line of the client that left
    finally:
        s.stop()


def test_the_time_limit_covers_a_trickled_body_and_a_long_run():
    """`--request-timeout` bounds the whole request: a connection that sends nothing, or part of
    its headers, is closed, and a client that sends its headers and then trickles its body gets a
    408 when the time is up (each would otherwise hold its connection, one of uvicorn's bounded
    few, for ever); a program that outruns it is a 504; the server goes on."""
    s = Server("--request-timeout", "3", "--pool-size", "2")  # the second container answers while the first sleeps
    try:
        silent, partial = socket.create_connection(("127.0.0.1", s.port)), socket.create_connection(("127.0.0.1", s.port))
        partial.sendall(b"POST /run_code HTTP/1.1\r\nHost: x\r\nContent-Ty")
        for sock in (silent, partial):
            sock.settimeout(30)
            assert sock.recv(100) == b""  # closed, with nothing to say
            sock.close()
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"POST /run_code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"code\": ")  # fmt: skip
        sock.settimeout(30)
        started, reply = time.monotonic(), b""
        while b"\r\n\r\n" not in reply:
            reply += sock.recv(65536) or b"!"  # the connection closed without an answer: fails below
            if reply.endswith(b"!"):
                break
        assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
        assert time.monotonic() - started < 20
        sock.close()
        slow = {"code": "import time\ntime.sleep(8)\nprint(1)", "language": "python", "run_timeout": 20}
        started = time.monotonic()
        status, text, _ = s.post("/run_code", json.dumps(slow))
        assert status == 504 and "longer than 3 s" in text and time.monotonic() - started < 20, text
        assert s.post("/run_code", '{"code": "print(2)", "language": "python"}')[0] == 200
    finally:
        s.stop()


def _until(predicate, bound: float) -> float:
    """Seconds until `predicate()` held (polled), or fail after `bound` seconds."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < bound, f"not within {bound} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_client_leaving_mid_batch_frees_its_slot_and_drops_its_queued_work():
    """Two /ringdata/grade clients (http.client) close their connections: one whose submissions
    are queued behind the other's running batch (dropped: they never run), then the one whose
    program is running in the sandbox (its result discarded); then a /run_code client whose
    program runs. Each frees its slot within a bound, long before its work would have ended, and
    the server goes on answering."""
    import http.client

    s = Server("--slots", "2", "--max-queue", "2", "--pool-size", "1")
    problem = {"id": "slow", "domain": "code", "source": "t", "question": "q",
               "tests": [{"input": f"{i}\n", "output": f"{i}\n"} for i in range(2)]}
    slow = "```python\nimport time\nn = input()\ntime.sleep(3)  # {}\nprint(n)\n```"  # 3 s a test, no CPU

    def grade(responses: list[str]) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        conn.request("POST", "/ringdata/grade", json.dumps({"problem": problem, "responses": responses}),
                     {"Content-Type": "application/json"})  # fmt: skip
        return conn

    try:
        running = grade([slow.format("a")])  # 2 tests x 3 s in the only container
        _until(lambda: s.metric("ringdata_serve_slots_in_use") == 1, 10)
        time.sleep(1)  # its batch is in the sandbox
        queued = grade([slow.format("b"), slow.format("c")])  # a slot, but its submissions wait for the container
        _until(lambda: s.metric("ringdata_serve_slots_in_use") == 2, 10)
        time.sleep(0.3)
        queued.close()
        freed = _until(lambda: s.metric("ringdata_serve_slots_in_use") == 1, 3)
        assert s.metric('ringdata_serve_abandoned_submissions_total{how="dropped"}') == 2
        left = time.monotonic()
        running.close()  # mid-batch: its program has about 4 s to go
        freed_running = _until(lambda: s.metric("ringdata_serve_slots_in_use") == 0, 3)
        assert s.metric('ringdata_serve_abandoned_submissions_total{how="discarded"}') == 1
        assert s.metric("ringdata_serve_queue_depth") == 0
        # The container is free once the running program's batch ends (its 6 s); the dropped
        # programs (12 s more) never ran, so the next request is answered well before they would end.
        status, text, _ = s.post("/run_code", '{"code": "print(7)", "language": "python"}', timeout=60)
        waited = time.monotonic() - left
        assert status == 200 and json.loads(text)["run_result"]["stdout"] == "7\n", text
        assert waited < 10, waited
        # /run_code's own submission (no grader thread between), left while its program runs
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        conn.request("POST", "/run_code", json.dumps({"code": "import time\ntime.sleep(3)", "language": "python"}),
                     {"Content-Type": "application/json"})  # fmt: skip
        _until(lambda: s.metric("ringdata_serve_slots_in_use") == 1, 10)
        time.sleep(1)
        conn.close()
        _until(lambda: s.metric("ringdata_serve_slots_in_use") == 0, 3)
        assert s.metric('ringdata_serve_abandoned_submissions_total{how="discarded"}') == 2
        _until(lambda: s.log.read_text().count(" 499 ") == 3, 2)  # access lines are written every 0.2 s
        print(f"\nslot freed {freed:.2f} s (queued) and {freed_running:.2f} s (running) after the client left; "
              f"next answer {waited:.1f} s after")
    finally:
        s.stop()


def test_sigterm_under_load_answers_everything_it_accepted():
    s = Server("--pool-size", "2")
    work = json.dumps({"code": "import time\nt = time.time()\nwhile time.time() - t < 0.3: pass\nprint('ok')",
                       "language": "python"})  # fmt: skip
    outcomes: list = []

    def client():
        for _ in range(20):
            try:
                status, text, _ = s.post("/run_code", work, timeout=120)
                outcomes.append(status if status != 200 else json.loads(text)["status"])
            except OSError:  # the listener has closed: refused, never hung
                outcomes.append("refused")
                return

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    time.sleep(3)
    started = time.monotonic()
    s.proc.send_signal(15)
    assert s.proc.wait(90) == -15 and s.drained()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert set(outcomes) <= {"Success", "refused", 503}, set(outcomes)
    assert outcomes.count("Success") >= 16
    print(f"\nSIGTERM under load: {outcomes.count('Success')} answered, exit after {time.monotonic() - started:.1f}s")


def test_other_address_needs_a_token():
    proc = ringdata("serve", "--host", "0.0.0.0", "--port", "1")
    assert proc.returncode == 1 and "--token" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
