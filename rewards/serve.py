"""`ringdata serve`: the sandbox and the graders behind HTTP, for trainers that already speak
SandboxFusion (verl, SkyRL, ...) or that call a reward URL (OpenRLHF), on Starlette and uvicorn.

    serve(ServeConfig(sandbox=SandboxChoice("docker")))      # blocks; SIGTERM drains and stops

Endpoints (rewards/wire.py has the shapes)
- `POST /run_code`, `GET /v1/ping`: SandboxFusion's, wire-compatible (python, cpp, java).
- `POST /ringdata/grade`: responses against one whole problem (math, science, code: all its
  tests in one sandbox call); the verdict rows of `ringdata grade`.
- `POST /ringdata/run_tests`: one program against many tests, every case's status.
- `POST /openrlhf/reward`: OpenRLHF's `--remote_rm_url` shape, `{query, prompts, labels}` ->
  `{rewards, scores, extra_logs}`, graded as /ringdata/grade grades (labels read as verl's
  ground truths).
- `GET /metrics`: Prometheus text (requests, latency, queue depth, slots in use, verdict reasons).

One process owns the warm sandbox pool and the verifier pool (or the Ray graders, `ray`).
`/run_code` requests that arrive together go to the sandbox together (`group` at a time, several
per `docker exec`), so one-test-per-request clients pay the exec's cost once per group, not per test.

Safe by default
- Binds 127.0.0.1; any other address needs a token, checked on every request (`Authorization:
  Bearer <token>`, or a `/token/<token>` path prefix for clients that cannot set headers: the
  SandboxFusion client and verl take a base URL). The access log never shows the token.
- A body over `max_body_bytes` is a 413 before it is read; bad JSON, invalid UTF-8 a 400;
  bad fields a 422, each with one line saying why (`{"detail": ...}`).
- At most `slots` requests run at once and `max_queue` wait; beyond that a 429 with Retry-After,
  never an unbounded wait. A request arrives, waits and runs within `request_timeout_s`: a body
  still arriving then (or after `HEADERS_S` plus its size at `BODY_RATE`) is a 408, a request
  still waiting or running a 504.
- A client that disconnects (or a request past its time limit) frees its slot at once, queued or
  mid-batch: its submissions that have not reached the sandbox are dropped, and those already
  running there finish within the sandbox's limits, their results thrown away (a batch shares a
  runner with other requests' submissions, so it is not cut short). What runs in the sandbox
  stays bounded by the pool (one group per container at a time), not by `slots`.
- SIGTERM: no new connections, in-flight requests finish (up to `drain_s`), then the pools close.

Not guaranteed: fairness between clients (first come, first served), and a bound on the memory of
requests already admitted beyond `slots` x `max_body_bytes`.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import hmac
import json
import logging
import queue
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable

from rewards.grade import GradeConfig
from rewards.wire import (BadRequest, WireLimits, grade_request, openrlhf_request, openrlhf_response, run_code_request,
                          run_code_response, run_tests_request, run_tests_response, verdict_row)
from sandboxes import CaseStatus, ExecResult, Sandbox, SandboxChoice, Submission

__all__ = ["ServeConfig", "Service", "create_app", "serve"]

access_log = logging.getLogger("ringdata.serve.access")


class _BatchedLines(logging.Handler):
    """A log handler that writes its lines to a stream in batches, at most `every` seconds
    behind (a thread flushes them), and at once for a record of WARNING or above. The access log
    writes a line per request: one write and flush each cost the server ~8% of its CPU at one
    request per test. `flush()` before the process ends (serve's shutdown does)."""

    def __init__(self, stream, every: float = 0.2) -> None:
        super().__init__()
        self.stream, self.every = stream, every
        self._lines: list[str] = []
        self._flusher = threading.Thread(target=self._flush_often, name="serve-log-flush", daemon=True)
        self._flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:  # noqa: BLE001 - logging's own contract: a bad record is reported, not raised
            self.handleError(record)
            return
        with self.lock:
            self._lines.append(line)
        if record.levelno >= logging.WARNING:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            lines, self._lines = self._lines, []
            if lines:
                try:
                    self.stream.write("".join(lines))
                    self.stream.flush()
                except (OSError, ValueError):  # the stream is gone (closed pipe, closed file)
                    pass

    def _flush_often(self) -> None:
        while True:
            time.sleep(self.every)
            self.flush()


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"  # other addresses need `token`
    port: int = 8080  # SandboxFusion's default port
    token: str | None = None  # required on every request when set
    max_body_bytes: int = 4 << 20  # request bodies beyond this are a 413, bytes
    slots: int = 64  # requests running at once (a /run_code is one test; a grade is one problem)
    max_queue: int = 256  # requests waiting for a slot; beyond this a 429
    retry_after_s: int = 1  # the 429's Retry-After, seconds
    request_timeout_s: float = 300.0  # longest a request may take to arrive (then 408), wait and run (then 504), seconds
    drain_s: float = 60.0  # how long SIGTERM waits for in-flight requests, seconds
    group: int = 64  # submissions (of any requests) sent to the sandbox together at most
    wire: WireLimits = field(default_factory=WireLimits)
    sandbox: SandboxChoice = SandboxChoice()  # where programs run
    grade: GradeConfig = field(default_factory=GradeConfig)  # verifier pool and code grading settings
    ray: str | None = None  # grade on a Ray cluster (auto or its address): /ringdata/grade's graders

    def check(self) -> None:
        from ringdata.core.errors import RingdataError

        if self.host not in LOOPBACK and not self.token:
            raise RingdataError(f"binding {self.host} exposes the sandbox: pass --token (or RINGDATA_SERVE_TOKEN), "
                                "or bind 127.0.0.1")  # fmt: skip
        if self.slots < 1 or self.max_queue < 0 or self.group < 1 or self.max_body_bytes < 1024:
            raise RingdataError("--slots and --group must be at least 1, --max-queue at least 0, --max-body at least 1024")


class _Full(Exception):
    """No slot and no room in the queue."""


class Admission:
    """`slots` holders at once and at most `max_queue` waiting, first come first served; lives on
    the event loop (not thread-safe)."""

    def __init__(self, slots: int, max_queue: int) -> None:
        self.free, self.max_queue = slots, max_queue
        self.waiting: deque[asyncio.Future] = deque()

    def try_enter(self) -> bool:
        """A slot now if one is free and nobody waits (no task, no wait: the common case)."""
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return True
        return False

    async def enter(self) -> None:
        if self.try_enter():
            return
        if len(self.waiting) >= self.max_queue:
            raise _Full
        ticket = asyncio.get_running_loop().create_future()
        self.waiting.append(ticket)
        try:
            await ticket
        except asyncio.CancelledError:  # the client left or the request timed out while waiting
            if ticket.done() and not ticket.cancelled():
                self.leave()  # the slot was handed over as it left: pass it on
            else:
                self.waiting.remove(ticket)
            raise

    def leave(self) -> None:
        while self.waiting:
            ticket = self.waiting.popleft()
            if not ticket.done():
                ticket.set_result(None)
                return
        self.free += 1


class Abandoned(Exception):
    """The request's client left (or its time ran out): its result is not wanted."""


class Work:
    """One request's sandbox submissions (the batcher's futures), abandoned together when its
    client leaves: a submission not yet in a group is dropped before it reaches the sandbox, one
    already running gets `Abandoned` now and its result is thrown away when it comes. Thread-safe:
    graders submit from their threads, the event loop abandons."""

    def __init__(self, counter: Any = None) -> None:
        self._lock = threading.Lock()
        self._futures: list[Future] = []
        self.abandoned = False
        self.counter = counter  # a Prometheus counter labelled "dropped" / "discarded", if any

    def add(self, future: Future) -> None:
        with self._lock:
            if not self.abandoned:
                self._futures.append(future)
                return
        self._drop(future)

    def abandon(self) -> None:
        with self._lock:
            self.abandoned, futures, self._futures = True, self._futures, []
        for future in futures:
            self._drop(future)

    def _drop(self, future: Future) -> None:
        how = "dropped"
        if not future.cancel():  # not taken by a group yet: it never runs
            try:
                future.set_exception(Abandoned())  # running: whoever waits on it stops now
                how = "discarded"
            except InvalidStateError:  # it has just finished
                return
        if self.counter is not None:
            self.counter.labels(how).inc()


# The request a batcher submission belongs to: set by `_held` in the request's task, copied into
# the threads that grade for it (run_in_thread; Grader's code thread copies its caller's context).
_request_work: contextvars.ContextVar[Work | None] = contextvars.ContextVar("ringdata_serve_work", default=None)


def _settle(future: Future, result: ExecResult | None = None, error: BaseException | None = None) -> None:
    """Set a batcher future's outcome unless its request abandoned it meanwhile."""
    try:
        future.set_exception(error) if error is not None else future.set_result(result)
    except InvalidStateError:  # abandoned while it ran: the result is thrown away
        pass


LINGER_S = 0.005  # how long a program's parcel waits for its next test: requests sent together arrive a few ms apart
LINGER_MAX_S = 0.05  # and at most, from its first


class _Parcel:
    """Submissions to send as one: the tests of one program (merged), or one submission alone."""

    __slots__ = ("key", "items", "born", "last")

    def __init__(self, key: Any, born: float) -> None:
        self.key, self.items, self.born, self.last = key, [], born, born


class Batcher:
    """Runs submissions from many requests in groups, several per `docker exec`. Single-test
    submissions of the same program (one-test-per-request clients send every test of a response at
    once) become one submission with all those tests, so the program starts, and compiles, once:
    test cases share nothing (sandboxes/base.py), so this changes no result; a merged run one test
    cut short (it killed the harness or the runner, or the runner refused it for all) is run again
    one test at a time, since the others' cases did not run or cannot be told apart. A future cancelled before its group starts
    is dropped.

    Submissions wait in parcels, one per program (tests to merge) or per submission that must run
    alone, until a container is free: a test that arrives while its program's parcel waits joins
    it, so the busier the pool, the fuller the parcels. A free thread (one per container) lets the
    oldest parcel wait until no test has joined it for `LINGER_S` (at most `LINGER_MAX_S` from its
    first), then takes its share of the waiting parcels (the containers split a burst instead of
    one taking it all), at most `group` submissions, and sends them in one `run_many`. Threads
    gathering side by side from one queue split the tests of one program between them, and each
    part started and compiled it again (bench_serve: 1,920 one-test requests became ~500
    submissions, not 192)."""

    def __init__(self, sandbox: Sandbox, group: int, threads: int = 2, counter: Any = None) -> None:
        self.sandbox, self.group = sandbox, group
        self.counter = counter  # a Prometheus counter labelled "taken" / "sent": submissions in, and after merging
        self._ready = threading.Condition()
        self._waiting: deque[_Parcel] = deque()  # oldest first
        self._open: dict[Any, _Parcel] = {}  # a program's parcel still waiting, for its next test to join
        self._serial = 0  # keys of submissions that run alone
        self._closed = False
        self._n = max(1, threads)
        self._threads = [threading.Thread(target=self._loop, name=f"serve-batch-{i}", daemon=True) for i in range(self._n)]
        for t in self._threads:
            t.start()

    def submit(self, submission: Submission) -> Future:
        future: Future = Future()
        work = _request_work.get()
        if work is not None:
            work.add(future)
        s = submission
        alone = len(s.tests) != 1 or s.files or s.fetch  # its files are its own, as is what it leaves
        with self._ready:
            self._serial += 1
            key = ("alone", self._serial) if alone else (s.program, s.language, s.limits)
            now = time.monotonic()
            parcel = self._open.get(key)
            if parcel is None or len(parcel.items) >= self.group:
                parcel = self._open[key] = _Parcel(key, now)
                self._waiting.append(parcel)
                self._ready.notify()  # a joining test needs no thread: the one lingering on its parcel rereads `last`
            parcel.items.append((submission, future))
            parcel.last = now
        return future

    def _take(self) -> list | None:
        with self._ready:
            while True:
                if self._waiting:
                    first = self._waiting[0]
                    early = min(first.last + LINGER_S, first.born + LINGER_MAX_S) - time.monotonic()
                    if early <= 0 or self._closed:
                        break
                    self._ready.wait(early)  # the rest of a program's tests are a few ms behind
                elif self._closed:
                    return None
                else:
                    self._ready.wait()
            share = -(-len(self._waiting) // self._n)  # this thread's share, rounded up
            taken, size = [], 0
            while self._waiting and len(taken) < share and (not taken or size + len(self._waiting[0].items) <= self.group):
                parcel = self._waiting.popleft()
                if self._open.get(parcel.key) is parcel:
                    del self._open[parcel.key]
                taken.append(parcel.items)
                size += len(parcel.items)
            return taken

    def _loop(self) -> None:
        while (taken := self._take()) is not None:
            groups = [[(s, f) for s, f in parcel if f.set_running_or_notify_cancel()] for parcel in taken]
            groups = [g for g in groups if g]
            if not groups:
                continue
            subs = [g[0][0] if len(g) == 1 else replace(
                g[0][0], tests=tuple(s.tests[0] for s, _ in g), stop_on_first_failure=False) for g in groups]
            if self.counter is not None:
                self.counter.labels("taken").inc(sum(map(len, groups)))
                self.counter.labels("sent").inc(len(subs))
            for item in self._send(groups, subs):  # each test again on its own, as if it had come alone
                if item[1].done():  # its request has left
                    continue
                if self.counter is not None:  # (one exec each: a batch a program breaks is run again)
                    self.counter.labels("sent").inc()
                self._send([[item]], [item[0]])

    def _send(self, groups: list, subs: list) -> list:
        """Run `subs` (one per group, merged or not) and settle the groups' futures; returns the
        tests of merged groups whose run cannot be shared out (`_shared_out`)."""
        try:
            results = self.sandbox.run_many(subs)
        except Exception as exc:  # noqa: BLE001 - the sandbox broke: every request hears it
            for g in groups:
                for _, f in g:
                    _settle(f, error=exc)
            return []
        short = []
        for g, result in zip(groups, results):
            if len(g) > 1 and not _shared_out(result):
                short += g
                continue
            for j, (_, f) in enumerate(g):
                _settle(f, result if len(g) == 1 else _one_case(result, j))
        return short

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        for t in self._threads:
            t.join(timeout=5)


def _compile_error(result: ExecResult) -> bool:
    """The program did not compile: one case, before any test ran, everyone's."""
    return len(result.cases) == 1 and result.cases[0].status is CaseStatus.COMPILE_ERROR


def _shared_out(result: ExecResult) -> bool:
    """Whether a merged submission's result tells each test its own: one case per test (its cases
    never stop at a failure), or a compile error. A case that kills the test harness leaves the
    later cases unrun; one that kills the runner gets one case for all, or a sandbox error (a warm
    runner killed before its first report reads as one that was already gone); a function-call
    test of a compiled program gets one unsupported_test case for all: each is one test's doing,
    not the others', who are told nothing of theirs."""
    return not result.error and (len(result.cases) == result.n_tests or _compile_error(result))


def _one_case(result: ExecResult, j: int) -> ExecResult:
    """Test j's share of a merged submission's result that `_shared_out`."""
    case = result.cases[0] if _compile_error(result) else result.cases[j]
    return ExecResult((case,), 1, result.wall_s, compile_s=result.compile_s, compile_wall_s=result.compile_wall_s)


class Grouped(Sandbox):
    """The sandbox as the graders see it in the service: their submissions go through the
    `Batcher` with everyone else's, instead of each request splitting its own across the pool."""

    def __init__(self, inner: Sandbox, batcher: Batcher) -> None:
        self.inner, self.batcher = inner, batcher
        self.name, self.parallelism, self.languages = inner.name, inner.parallelism, inner.languages

    def run(self, submission: Submission) -> ExecResult:
        return self.batcher.submit(submission).result()

    def run_many(self, submissions, on_done=None) -> list[ExecResult]:
        futures = [self.batcher.submit(s) for s in submissions]
        results = []
        for future in futures:
            results.append(future.result())
            if on_done:
                on_done(1)
        return results


class _OneAtATime:
    """A grader that is not thread-safe (`RayGrader` keeps its actors' in-flight counts without a
    lock), called from the service's request threads one call at a time; each call still spreads
    its batches over the whole cluster."""

    def __init__(self, grader: Any) -> None:
        self.grader, self._lock = grader, threading.Lock()

    def grade_many_timed(self, items, on_done=None):
        with self._lock:
            return self.grader.grade_many_timed(items, on_done)

    def close(self) -> None:
        self.grader.close()


class Metrics:
    """The service's Prometheus series, on a registry of its own."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("ringdata_serve_requests", "HTTP requests by endpoint and status code",
                                ["endpoint", "code"], registry=self.registry)  # fmt: skip
        self.latency = Histogram("ringdata_serve_request_seconds", "request latency, seconds", ["endpoint"],
                                 buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300),
                                 registry=self.registry)  # fmt: skip
        self.queued = Gauge("ringdata_serve_queue_depth", "requests waiting for a slot", registry=self.registry)
        self.running = Gauge("ringdata_serve_slots_in_use", "requests holding a slot", registry=self.registry)
        self.reasons = Counter("ringdata_serve_verdicts", "verdicts of /ringdata/grade by reason", ["reason"],
                               registry=self.registry)  # fmt: skip
        self.outcomes = Counter("ringdata_serve_run_outcomes", "/run_code and /ringdata/run_tests outcomes",
                                ["status"], registry=self.registry)  # fmt: skip
        self.abandoned = Counter("ringdata_serve_abandoned_submissions", "sandbox submissions of requests whose "
                                 "client left: dropped before they ran, or discarded while running", ["how"],
                                 registry=self.registry)  # fmt: skip
        self.merged = Counter("ringdata_serve_sandbox_submissions", "submissions the batcher took, and those it "
                              "sent to the sandbox after merging one program's single tests", ["what"],
                              registry=self.registry)  # fmt: skip


class Service:
    """What the endpoints share: the sandbox, the graders, the admission queue, the metrics.
    `open()` starts the pools (the sandbox warm), `close()` stops them."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self.admission = Admission(config.slots, config.max_queue)
        self.sandbox: Sandbox | None = None
        self.grader: Any = None
        self.batcher: Batcher | None = None
        self._work = ThreadPoolExecutor(max(2, config.slots // 4), thread_name_prefix="serve-grade")

    def open(self) -> None:
        from rewards.grade import Grader
        from sandboxes import open_sandbox

        # Many groups run at once here (one per batcher thread): each exec is filled instead of
        # spread, since a docker exec's fixed cost is what one-test-per-request clients pay most.
        choice = self.config.sandbox
        # An exec's reports carry /run_code's whole stdout and fetched files (each up to 1 MiB) for
        # up to `batch` submissions: read them all rather than regrade past the backend's 8 MiB.
        # Persistent runners: a one-test request costs no `docker exec` (bench_serve.py).
        docker = replace(choice.docker, spread=False, persistent=True,
                         max_report_bytes=max(choice.docker.max_report_bytes, 64 << 20))  # fmt: skip
        self.sandbox = open_sandbox(replace(choice, docker=docker))
        self.batcher = Batcher(self.sandbox, self.config.group, threads=self.sandbox.parallelism,
                               counter=self.metrics.merged)  # one per container
        grade = replace(self.config.grade, sandbox=Grouped(self.sandbox, self.batcher))  # one warm pool, one queue
        if self.config.ray is not None:
            from rewards.ray_executor import RayConfig, RayGrader

            self.grader = _OneAtATime(RayGrader(self.config.grade, RayConfig(address=self.config.ray)))
        else:
            self.grader = Grader(grade)

    def close(self) -> None:
        for part in (self.batcher, self.grader, self.sandbox):
            if part is not None:
                part.close()
        self._work.shutdown(wait=False, cancel_futures=True)

    def run_in_thread(self, fn: Callable, *args: Any) -> Future:
        """`fn(*args)` on the request threads, in the caller's context (its request's `Work`)."""
        return self._work.submit(contextvars.copy_context().run, fn, *args)


# ------------------------------------------------------------------------------------------ HTTP


class _ClientGone(Exception):
    """The client disconnected before its answer."""


def _error(status: int, detail: str, headers: dict | None = None) -> tuple[int, Any, dict | None]:
    return status, {"detail": detail}, headers


async def _respond(send, status: int, payload: Any, headers: dict | None = None) -> None:
    """One JSON response (an empty body for a `None` payload)."""
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


HEADERS_S = 10.0  # longest a connection may take to send a request line and headers (then it is closed)
BODY_RATE = 1 << 20  # bytes/s a request body must arrive at, at least, after HEADERS_S (then a 408)
DRAIN_BYTES = 64 << 20  # an oversized body up to this is read and dropped, so the client hears the 413
#                        (answering mid-upload resets its connection); beyond it the connection is cut


async def _read_body(receive, length: str | None, limit: int) -> Any:
    """The request's JSON body; `length` is its Content-Length header, if it has one."""
    too_big = BadRequest(f"the body is larger than {limit} bytes", 413)
    if length is not None and not length.isdigit():
        raise BadRequest("Content-Length is not a number", 400)
    if length is not None and int(length) > DRAIN_BYTES:
        raise too_big
    body, size = bytearray(), 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > DRAIN_BYTES:
            raise too_big
        if size <= limit:
            body += chunk
        if not message.get("more_body", False):
            break
    if size > limit:
        raise too_big
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not UTF-8 (byte {exc.start})", 400) from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"the body is not JSON: {str(exc).splitlines()[0][:200]}", 400) from None


async def _until_disconnect(receive) -> None:
    """Returns when the client has gone (the body is read by now: the next message is that)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _held(service: Service, receive, start: Callable[[], Future]) -> Any:
    """Wait for a slot, run `start()`'s work, and return its result. The slot is held until the
    work ends, or until the client leaves or the time limit strikes: then the request's `Work` is
    abandoned (queued submissions dropped, running ones' results thrown away) and the slot frees
    at once; the sandbox's own bound is the pool, which abandoned work never exceeds."""
    loop = asyncio.get_running_loop()
    gone = asyncio.ensure_future(_until_disconnect(receive))
    metrics = service.metrics
    try:
        if not service.admission.try_enter():
            entering = asyncio.ensure_future(service.admission.enter())
            metrics.queued.inc()
            try:
                await asyncio.wait({entering, gone}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                metrics.queued.dec()
            if not entering.done():
                entering.cancel()
                await asyncio.gather(entering, return_exceptions=True)
                if entering.cancelled():
                    raise _ClientGone
            entering.result()  # raises _Full
        metrics.running.inc()
        held = True

        def release() -> None:  # on the loop, once: when the work ends or is abandoned
            nonlocal held
            if held:
                held = False
                service.admission.leave()
                metrics.running.dec()

        waiting = loop.create_future()

        def settle() -> None:  # on the loop: the slot, then the answer
            release()
            if not waiting.done():
                if future.cancelled():
                    waiting.cancel()
                elif (exc := future.exception()) is not None:
                    waiting.set_exception(exc)
                else:
                    waiting.set_result(future.result())

        def settled(_: Future) -> None:  # on the worker's thread: one wake-up of the loop per request
            try:
                loop.call_soon_threadsafe(settle)
            except RuntimeError:  # the loop has closed: nobody waits for the answer any more
                pass

        work = Work(metrics.abandoned)
        _request_work.set(work)  # this task's context: start() submits in it, or hands it to its thread
        future = start()
        future.add_done_callback(settled)

        def abandon() -> None:
            future.cancel()  # a grade not yet on a request thread never starts
            work.abandon()
            waiting.cancel()
            release()

        gone.add_done_callback(lambda _: waiting.done() or waiting.set_exception(_ClientGone()))
        try:
            return await waiting
        except asyncio.CancelledError:  # the request's time limit
            abandon()
            raise
        except _ClientGone:
            abandon()
            raise
    finally:
        gone.cancel()


class _Posts:
    """ASGI: the POST endpoints, straight on uvicorn's messages; every other request goes to the
    Starlette app (ping, metrics, 404s). What every POST endpoint shares is here once: the body,
    its limits, errors as one line, the time limit, disconnects. Without Starlette's request,
    response and middleware objects a `/run_code` costs the server a quarter less CPU (0.53-0.58
    -> 0.40-0.45 ms per request, bench_serve's one-test-per-request clients, load 11): CPU taken
    from the cores the sandbox runs on, at one request per test."""

    def __init__(self, app, service: Service, handlers: dict[str, Callable[[Any, Any], Awaitable[Any]]]) -> None:
        self.app, self.service, self.handlers = app, service, handlers

    async def __call__(self, scope, receive, send):
        # "/run_code/" too, as Starlette's redirect to "/run_code" used to serve it
        handler = self.handlers.get(scope["path"].rstrip("/")) if scope["type"] == "http" else None
        if handler is None:
            return await self.app(scope, receive, send)
        if scope["method"] != "POST":
            return await _respond(send, *_error(405, "Method Not Allowed", {"Allow": "POST"}))
        await _respond(send, *await self._answer(handler, scope, receive))

    async def _answer(self, handler, scope, receive) -> tuple[int, Any, dict | None]:
        config = self.service.config
        now = asyncio.get_running_loop().time()
        deadline = now + config.request_timeout_s
        # The body has a deadline of its own, from its size at BODY_RATE: a client trickling it would
        # hold a connection, one of uvicorn's bounded few, for the whole request time limit.
        length = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-length"), None)
        declared = length is not None and length.isdigit() and int(length) <= config.max_body_bytes
        size = int(length) if declared else config.max_body_bytes
        body_s = min(config.request_timeout_s, HEADERS_S + size / BODY_RATE)
        try:
            try:
                async with asyncio.timeout_at(now + body_s):
                    body = await _read_body(receive, length, config.max_body_bytes)
            except TimeoutError:
                return _error(408, f"the body ({size} bytes at most) did not arrive within {body_s:.3g} s")
            async with asyncio.timeout_at(deadline):
                result = await handler(body, receive)
        except BadRequest as exc:
            return _error(exc.status, str(exc))
        except _Full:
            return _error(429, f"busy: {config.slots} requests running and {config.max_queue} waiting",
                          {"Retry-After": str(config.retry_after_s)})  # fmt: skip
        except _ClientGone:
            return 499, None, None  # nobody reads it; the access log shows 499
        except asyncio.TimeoutError:
            return _error(504, f"the request took longer than {config.request_timeout_s:g} s")
        except RuntimeError as exc:
            if "shutdown" in str(exc):  # the work pool stopped: SIGTERM
                return _error(503, "shutting down", {"Retry-After": str(config.retry_after_s)})
            return _error(500, f"internal error: {type(exc).__name__}: {exc}".splitlines()[0][:300])
        except Exception as exc:  # noqa: BLE001 - the sandbox or a grader broke: one line, keep serving
            logging.getLogger("ringdata.serve").exception("request failed")
            return _error(500, f"internal error: {type(exc).__name__}: {exc}".splitlines()[0][:300])
        return 200, result, None


def create_app(config: ServeConfig, service: Service | None = None, *, freeze_heap: bool = False):
    """The ASGI application: endpoints, token check, access log and metrics. `freeze_heap`
    (`serve`'s own process only, never an application that embeds this one): once started, what
    is loaded is moved out of the garbage collector's sight (`gc.freeze`)."""
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    service = service or Service(config)
    wire = config.wire

    async def run_code(body, receive):
        submission = run_code_request(body, wire)
        result = await _held(service, receive, lambda: service.batcher.submit(submission))
        response = run_code_response(result, submission.language)
        service.metrics.outcomes.labels(response["status"]).inc()
        return response

    async def run_tests(body, receive):
        submission = run_tests_request(body, wire)
        result = await _held(service, receive, lambda: service.batcher.submit(submission))
        service.metrics.outcomes.labels(result.status.value).inc()
        return run_tests_response(result)

    async def grade(body, receive):
        problem, responses = grade_request(body, wire)
        items = [(problem, r) for r in responses]
        timed = await _held(service, receive, lambda: service.run_in_thread(service.grader.grade_many_timed, items))
        rows = [verdict_row(problem, i, v, s) for i, (v, s) in enumerate(timed)]
        for row in rows:
            service.metrics.reasons.labels(row["reason"]).inc()
        return {"rows": rows}

    async def openrlhf(body, receive):
        items = openrlhf_request(body, wire)
        timed = await _held(service, receive, lambda: service.run_in_thread(service.grader.grade_many_timed, items))
        for verdict, _ in timed:
            service.metrics.reasons.labels(verdict.reason.value).inc()
        return openrlhf_response([v for v, _ in timed])

    async def ping(request):
        return JSONResponse("pong")

    async def metrics(request):
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app):
        await asyncio.to_thread(service.open)
        if freeze_heap:
            # What is loaded by now (the libraries, the pools) lives as long as the server: out of
            # the collector's sight, each full collection no longer walks it (they took ~7% of the
            # server's CPU at one request per test).
            gc.collect()
            gc.freeze()
        owner = getattr(service.sandbox, "owner", None)
        logging.getLogger("ringdata.serve").warning(
            "ringdata serve: listening on http://%s:%d (sandbox %s%s)", config.host, config.port, service.sandbox.name,
            f", containers labelled ringdata.sandbox={owner}" if owner else "")  # fmt: skip
        try:
            yield
        finally:  # uvicorn has drained: in-flight requests are answered
            await asyncio.to_thread(service.close)
            for handler in access_log.handlers:
                handler.flush()
            logging.getLogger("ringdata.serve").warning("ringdata serve: drained and stopped")

    routes = [
        Route("/v1/ping", ping, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    posts = {"/run_code": run_code, "/ringdata/grade": grade, "/ringdata/run_tests": run_tests,
             "/openrlhf/reward": openrlhf}  # the last: OpenRLHF's --remote_rm_url
    endpoints = {route.path for route in routes} | set(posts)
    return _Observed(_Guarded(_Posts(app, service, posts), config.token), service.metrics, endpoints)


class _Guarded:
    """ASGI middleware: the token, from `Authorization: Bearer` or a `/token/<token>` path prefix
    (stripped before routing), on every request when one is set."""

    def __init__(self, app, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, given = scope["path"], None
        if path.startswith("/token/"):
            given, _, rest = path[len("/token/"):].partition("/")
            scope = {**scope, "path": "/" + rest, "raw_path": ("/" + rest).encode()}
        for name, value in scope.get("headers", ()):
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                given = value[7:].decode("latin-1").strip()
        if self.token and not (given and hmac.compare_digest(given.encode(), self.token.encode())):
            return await _respond(send, *_error(
                401, "a valid token is required (Authorization: Bearer <token>, or /token/<token>/...)"))
        return await self.app(scope, receive, send)


class _Observed:
    """ASGI middleware: one access-log line and the request metrics per request. The metrics
    name the service's endpoints and put every other path under "other": each label value is a
    series kept for the process's life, and anyone who can connect chooses the path."""

    def __init__(self, app, metrics: Metrics, endpoints: set[str]) -> None:
        self.app, self.metrics, self.endpoints = app, metrics, endpoints
        self._series: dict[tuple[str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, seen = time.perf_counter(), {"status": 499, "bytes": 0}

        async def observed_send(message):
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            seconds = time.perf_counter() - started
            path = scope["path"]
            tokened = path.startswith("/token/")
            route = "/" + path[len("/token/"):].partition("/")[2] if tokened else path
            endpoint = "/token/***" + route if tokened else path  # the access log never shows the token
            label = route if route in self.endpoints else "other"
            series = self._series.get((label, seen["status"]))
            if series is None:  # a few (endpoint, status) pairs: each series looked up once
                series = self._series[label, seen["status"]] = (
                    self.metrics.requests.labels(label, str(seen["status"])), self.metrics.latency.labels(label))
            series[0].inc()
            series[1].observe(seconds)
            client = scope.get("client") or ("-", 0)
            access_log.info("%s %s %s %d %d %.4f", client[0], scope["method"], endpoint, seen["status"], seen["bytes"], seconds)


def _deadlined_protocol(seconds: float):
    """uvicorn's HTTP protocol class, with a deadline for a request's headers: a connection that
    has sent nothing, or part of a request line and headers, for `seconds` is closed. uvicorn has
    no such bound (its keep-alive timer runs only after a response, and stops at the next byte),
    and every connection counts towards its `limit_concurrency`: clients trickling headers could
    hold them all, and everyone else would get its 503. A request's body and its run are bounded
    by the request's own time limit (`_Posts`)."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol  # httptools when installed, else h11

    class Deadlined(AutoHTTPProtocol):
        _deadline = None

        def _headers_pending(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            if self._deadline is None:
                self._deadline = self.loop.call_later(seconds, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if self._headers_pending() and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.transport.is_closing():
                self._disarm()
            elif self._headers_pending():
                self._arm()  # a request begun, or more of its headers: the deadline set at its first byte holds
            else:
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._disarm()  # idle between requests: uvicorn's keep-alive timer

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Deadlined


def serve(config: ServeConfig) -> None:
    """Run the service until SIGTERM or Ctrl-C (blocks). uvicorn drains, then re-raises the
    signal: the process ends as killed by it (exit status 143), after the "drained" log line."""
    import uvicorn

    config.check()
    log_format = "%(asctime)s %(name)s %(message)s"
    logging.basicConfig(level=logging.INFO, format=log_format)
    if not access_log.handlers:  # to stderr beside the other lines, a few at a time
        lines = _BatchedLines(sys.stderr)
        lines.setFormatter(logging.Formatter(log_format))
        access_log.addHandler(lines)
        access_log.propagate = False
    server = uvicorn.Server(uvicorn.Config(
        create_app(config, freeze_heap=True), host=config.host, port=config.port, access_log=False, log_level="warning",
        http=_deadlined_protocol(min(HEADERS_S, config.request_timeout_s)),
        timeout_graceful_shutdown=config.drain_s, lifespan="on",
        proxy_headers=False,  # the access log names the peer, not what an X-Forwarded-For header claims
        server_header=False,  # no "server: uvicorn" on every response (one header less for clients to parse)
        limit_concurrency=config.slots + config.max_queue + 64,  # beyond the queue, uvicorn's own 503
    ))  # fmt: skip
    server.run()
