"""The Ray reward executor on a real local Ray cluster (`ray.cluster_utils.Cluster`, simulated
nodes on this host): the local path's verdicts, in input order, and nothing lost or counted
twice when an actor is killed or a node leaves mid-run."""

from __future__ import annotations

import pytest

from rewards import GradeConfig, Grader
from sandboxes import SandboxChoice
from sandboxes.docker_backend import DockerConfig
from sandboxes.local import LocalConfig, bwrap_problem
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

# One warm container / one bubblewrap slot per node: the simulated nodes share two cores.
DOCKER = SandboxChoice("docker", docker=DockerConfig(pool_size=1, exec_grace_s=3.0))
LOCAL = SandboxChoice("local", local=LocalConfig(workers=1, exec_grace_s=3.0))


def _reasons(verdicts):
    return [(v.reason, v.reward, v.extracted, v.pass_fraction) for v in verdicts]


@pytest.fixture(scope="module")
def local_verdicts(demo_graded_items):
    """The demo graded by the local executor, per sandbox kind, computed once."""
    cache = {}

    def get(choice):
        if choice.kind not in cache:
            with Grader(GradeConfig(workers=1, sandbox=choice)) as grader:
                cache[choice.kind] = grader.grade_many(demo_graded_items)
        return cache[choice.kind]

    return get


def _docker_or_skip():
    from sandboxes.image import client, image_recipe

    try:
        engine = client()
    except Exception as exc:  # noqa: BLE001
        skip_or_fail("Docker engine", "RINGDATA_REQUIRE_DOCKER", str(exc))
    if image_recipe(engine) is None:
        skip_or_fail("ringdata-sandbox image", "RINGDATA_REQUIRE_DOCKER", "not built (ringdata sandbox build)")


def test_ray_gives_the_local_verdicts_on_the_bundled_demo(ray_cluster, demo_graded_items, local_verdicts):
    from rewards.ray_executor import RayConfig, RayGrader

    _docker_or_skip()
    with RayGrader(GradeConfig(workers=1, sandbox=DOCKER), RayConfig(address=ray_cluster.address)) as grader:
        assert grader.nodes == 2
        done = []
        got = grader.grade_many(demo_graded_items, on_done=done.append)
    assert sum(done) == len(demo_graded_items)
    assert _reasons(got) == _reasons(local_verdicts(DOCKER))
    assert {v.reason.value for v in got} >= {"correct", "wrong_answer"}
    assert grader.retried == 0


def _kill_mid_run(ray_cluster, items, kill):
    """Grade `items` in small batches; after the first batch returns, `kill(grader)` runs once."""
    from rewards.ray_executor import RayConfig, RayGrader

    if bwrap_problem():
        pytest.skip(f"local sandbox unavailable here: {bwrap_problem()}")
    config = RayConfig(address=ray_cluster.address, code_batch=2, verifier_batch=8)
    with RayGrader(GradeConfig(workers=1, sandbox=LOCAL), config) as grader:
        killed = []

        def on_done(n):
            if not killed:
                killed.append(kill(grader))

        got = grader.grade_many(items, on_done=on_done)
        return got, grader.retried, killed[0]


def test_a_killed_actor_costs_only_time(ray_cluster, demo_graded_items, local_verdicts):
    import ray

    def kill(grader):
        busy = [a for a in grader._actors if a.busy]  # both roles when both have work out
        for actor in busy:
            ray.kill(actor.handle, no_restart=True)
        return len(busy)

    got, retried, killed = _kill_mid_run(ray_cluster, demo_graded_items, kill)
    assert killed >= 1 and retried > 0
    assert _reasons(got) == _reasons(local_verdicts(LOCAL)), "a dead actor changed a verdict"


def test_a_node_leaving_mid_run_costs_only_time(ray_cluster, demo_graded_items, local_verdicts):
    node = ray_cluster.add_node(num_cpus=1)
    ray_cluster.wait_for_nodes()
    target = node.node_id

    def leave(grader):
        assert grader.nodes == 3
        ray_cluster.remove_node(node, allow_graceful=False)
        return sum(a.node == target for a in grader._actors)

    got, retried, killed = _kill_mid_run(ray_cluster, demo_graded_items, leave)
    assert killed >= 1
    assert _reasons(got) == _reasons(local_verdicts(LOCAL)), "a lost node changed a verdict"


def test_grade_ray_at_an_address_where_nothing_listens_is_one_line(tmp_path):
    """In a fresh process (this one has joined the test cluster): one line, exit 1, within seconds."""
    import json

    import pyarrow.parquet as pq

    from ringdata.core.records import Problem, problems_to_table
    from tests.conftest import assert_one_line_error, ringdata

    pq.write_table(problems_to_table([Problem(id="m", domain="math", source="t", question="q", answer="1")]),
                   tmp_path / "p.parquet")
    (tmp_path / "r.jsonl").write_text(json.dumps({"problem_id": "m", "response": "1"}) + "\n")
    proc = ringdata("grade", "--problems", tmp_path / "p.parquet", "--responses", tmp_path / "r.jsonl",
                    "--out", tmp_path / "g.parquet", "--ray", "127.0.0.1:1")
    assert_one_line_error(proc, 1, "no Ray cluster answers at 127.0.0.1:1")
