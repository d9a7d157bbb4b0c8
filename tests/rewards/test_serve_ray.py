"""`ringdata serve --ray ADDRESS`: one endpoint with a real local Ray cluster behind it
(`ray.cluster_utils.Cluster`, a head and one more node on this host)."""

from __future__ import annotations

import json

import pytest

from tests.rewards.serve_helpers import Server

pytestmark = [pytest.mark.ray, pytest.mark.docker, pytest.mark.timeout(300)]


def test_grade_requests_run_on_the_ray_cluster(ray_cluster):
    """/ringdata/grade on the cluster's actors gives the verdicts of the server without Ray, for
    math and code (the code in the sandbox actor of each node); /run_code stays on the server's
    own pool."""
    from ray._private.state import actors

    server = Server("--pool-size", "1", "--ray", ray_cluster.address)
    try:
        code = {"problem": {"domain": "code", "tests": [{"input": f"{i}\n", "output": f"{i * i}\n"} for i in range(3)]},
                "responses": ["```python\nprint(int(input()) ** 2)\n```", "```python\nprint(int(input()) * 2)\n```",
                              "```cpp\n#include <cstdio>\nint main(){long long n;scanf(\"%lld\",&n);printf(\"%lld\\n\",n*n);}\n```"]}
        math = {"problem": {"domain": "math", "answer": "\\frac{1}{2}"}, "responses": ["\\boxed{0.5}", "\\boxed{2}"]}
        got = [json.loads(server.post("/ringdata/grade", json.dumps(body))[1])["rows"] for body in (code, math)]
        assert [r["reason"] for r in got[0]] == ["correct", "wrong_answer", "correct"], got[0]
        assert [r["reward"] for r in got[1]] == [1.0, 0.0]
        # the server's graders live on both nodes (the GCS's table: the state API needs a dashboard)
        graders = [a for a in actors(actor_state_name="ALIVE").values() if "_GradeActor" in a.get("ActorClassName", "")]
        assert len({a["Address"]["NodeID"] for a in graders}) == 2, graders
        status, text, _ = server.post("/run_code", json.dumps({"code": "print(6 * 7)", "language": "python"}))
        assert status == 200 and json.loads(text)["run_result"]["stdout"] == "42\n"
    finally:
        assert server.stop() == -15 and server.drained()
