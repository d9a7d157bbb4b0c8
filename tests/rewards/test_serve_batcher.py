"""The service's batcher (rewards/serve.py `Batcher`) on the real Docker sandbox: one-test
submissions of one program that wait while the pool is busy are sent as one submission, each
request still gets its own test's result, and submissions that must run alone are never merged."""

from __future__ import annotations

import time

import pytest

from ringdata.core.records import TestCase
from rewards.serve import Batcher, Metrics
from sandboxes import Limits, Submission
from sandboxes.docker_backend import DockerConfig, DockerSandbox

pytestmark = [pytest.mark.docker, pytest.mark.timeout(180)]


def _sent(metrics: Metrics) -> dict[str, float]:
    return {s.labels["what"]: s.value for m in metrics.merged.collect() for s in m.samples if s.name.endswith("_total")}


def test_tests_of_one_program_that_wait_for_a_busy_pool_go_as_one_submission():
    sandbox = DockerSandbox(DockerConfig(pool_size=2, persistent=True))
    metrics = Metrics()
    batcher = Batcher(sandbox, group=64, threads=2, counter=metrics.merged)
    try:
        busy = [batcher.submit(Submission(f"import time\ntime.sleep(3)\nprint('done')  # {k}", (TestCase("", "done\n"),),
                                          Limits(time_s=5.0))) for k in range(2)]  # two programs: one per container
        time.sleep(0.5)  # both containers are running one: what comes next waits
        double = "print(2 * int(input()))"
        waiting = [batcher.submit(Submission(double, (TestCase(f"{i}\n", ""),))) for i in range(12)]
        alone = [batcher.submit(Submission(double, (TestCase("7\n", ""),), files=(("note.txt", b"x"),)))
                 for _ in range(2)]  # its files are its own: never merged  # fmt: skip
        assert [f.result(timeout=120).cases[0].stdout_tail for f in busy] == ["done\n", "done\n"]
        for i, future in enumerate(waiting):
            result = future.result(timeout=120)
            assert len(result.cases) == 1 and result.cases[0].stdout_tail == f"{2 * i}\n"  # its own test's output
        assert [f.result(timeout=120).cases[0].stdout_tail for f in alone] == ["14\n", "14\n"]
        assert _sent(metrics) == {"taken": 16.0, "sent": 5.0}  # the 2 sleepers, the 12 as one, 2 alone
    finally:
        batcher.close()
        sandbox.close()
