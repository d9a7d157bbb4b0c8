"""`ringdata grade --ray` through Ray Data (rewards/ray_stream.py) on a real local Ray cluster
(`ray.cluster_utils.Cluster`, simulated nodes on this host): the files the local path writes
(verdicts in input order, reasons, rejected rows, pass rates), a stopped run resumed without a row
graded twice or lost, and a grading actor killed or a node removed mid-run costing only time."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rewards import GradeConfig, Grader
from rewards.stream import grade_file
from sandboxes import SandboxChoice
from sandboxes.local import LocalConfig, bwrap_problem

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

LOCAL = SandboxChoice("local", local=LocalConfig(workers=1, exec_grace_s=3.0))
CONFIG = GradeConfig(workers=1, sandbox=LOCAL)
CHUNK = 16  # rows per part: the demo's ~270 rows make 18 parts


@pytest.fixture(scope="module")
def demo(demo_graded_items, tmp_path_factory):
    """The bundled demo's problems and a responses file with every kind of row a file can hold:
    the demo's rows (samples numbered by the reader), blank lines, malformed JSON, an unknown
    problem id, bad samples, a repeated sample, a null response, a lone surrogate; JSONL, and its
    rows that Parquet can hold as Parquet."""
    if bwrap_problem():
        pytest.skip(f"local sandbox unavailable here: {bwrap_problem()}")
    tmp = tmp_path_factory.mktemp("ray_stream")
    problems = {p.id: p for p, _ in demo_graded_items}
    rows = [{"problem_id": p.id, "response": r} for p, r in demo_graded_items]
    first = rows[0]["problem_id"]
    rows[40:40] = [{"problem_id": "nope", "response": "1"}, {"problem_id": first, "response": "x", "sample": -1},
                   {"problem_id": first, "response": "again", "sample": 0}, {"problem_id": first, "response": None}]
    lines = [json.dumps(r) for r in rows]
    lines[60:60] = ["", "{broken", "   ", '{"problem_id": "x", "response": "no end',  # JSONL only: not rows
                    json.dumps({"problem_id": first, "response": "\ud800 so \\boxed{0}"}),  # a lone surrogate
                    json.dumps({"problem_id": first, "response": "1", "sample": 1 << 70})]
    (tmp / "r.jsonl").write_text("\n".join(lines) + "\n")
    pq.write_table(pa.Table.from_pylist(rows,
                                        schema=pa.schema([("problem_id", pa.string()), ("response", pa.string()),
                                                          ("sample", pa.int64())])), tmp / "r.parquet")
    return problems, tmp


@pytest.fixture(scope="module")
def local_outputs(demo):
    """What the local path writes for each responses file (computed once)."""
    problems, tmp = demo
    with Grader(CONFIG) as grader:
        for name in ("r.jsonl", "r.parquet"):
            grade_file(problems, tmp / name, tmp / f"local-{name}.parquet", grader, chunk_rows=CHUNK)
    return lambda name: _outputs(tmp / f"local-{name}.parquet")


def _outputs(out: Path):
    """The verdicts (all columns but the seconds), rejected rows and pass rates a run wrote."""
    verdicts = pq.read_table(out).drop_columns(["seconds"]).to_pylist()
    rejected = out.with_suffix(".rejected.jsonl")
    return (verdicts, rejected.read_text() if rejected.exists() else "",
            pq.read_table(out.with_suffix(".pass_rates.parquet")).to_pylist())


def _on_ray(cluster, problems, responses, out, **kw):
    from rewards.ray_executor import RayConfig
    from rewards.ray_stream import grade_file_on_ray

    return grade_file_on_ray(problems, responses, out, CONFIG, RayConfig(address=cluster.address, verifier_batch=8),
                             chunk_rows=CHUNK, **kw)


@pytest.mark.parametrize("name", ["r.jsonl", "r.parquet"])
def test_ray_data_writes_what_the_local_path_writes(ray_cluster, demo, local_outputs, name):
    problems, tmp = demo
    done = []
    run = _on_ray(ray_cluster, problems, tmp / name, tmp / f"ray-{name}.parquet", on_done=done.append)
    got = _outputs(tmp / f"ray-{name}.parquet")
    assert got == local_outputs(name), "Ray Data graded, ordered or rejected a row differently"
    assert {v["reason"] for v in got[0]} >= {"correct", "wrong_answer", "empty_response"}
    assert run.graded == len(got[0]) and sum(done) == run.graded + sum(run.rejected.values())
    assert run.rejected["unknown problem_id"] == 1 and run.rejected["repeated sample 0 for this problem"] == 1
    assert not (tmp / f"ray-{name}.parts").exists()


def test_a_stopped_run_resumes_without_grading_a_row_twice(ray_cluster, demo, local_outputs):
    problems, tmp = demo
    out = tmp / "stopped.parquet"

    def stop(n, seen=[]):  # noqa: B006 - the rows seen so far, across calls
        seen.append(n)
        if len(list(out.with_suffix(".parts").glob("part-*.parquet"))) >= 3:
            raise KeyboardInterrupt("the run died")

    with pytest.raises(KeyboardInterrupt):
        _on_ray(ray_cluster, problems, tmp / "r.jsonl", out, on_done=stop)
    written = sorted(out.with_suffix(".parts").glob("part-*.parquet"))
    before = sum(pq.read_metadata(p).num_rows for p in written)
    assert 3 <= len(written) < 18 and written[-1].name == f"part-{len(written) - 1:06d}.parquet"
    run = _on_ray(ray_cluster, problems, tmp / "r.jsonl", out, resume=True)
    assert run.resumed == before and run.graded == len(local_outputs("r.jsonl")[0]) - before, \
        "a row was graded again, or lost"
    assert _outputs(out) == local_outputs("r.jsonl")


def _processes(word: str, under: int | None = None) -> list[int]:
    """Pids whose command line holds `word` (below process `under`, if given)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if word in cmd and (under is None or under in _ancestors(int(entry.name))):
                found.append(int(entry.name))
        except (ValueError, OSError):
            continue
    return found


def _ancestors(pid: int) -> list[int]:
    out = []
    while pid > 1:
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        out.append(pid)
    return out


def test_a_killed_grading_actor_costs_only_time(ray_cluster, demo, local_outputs):
    problems, tmp = demo
    killed = []

    def kill(n):
        if not killed:
            pids = _processes("MapWorker")
            for pid in pids:
                os.kill(pid, signal.SIGKILL)  # a crash: no goodbye, its batch in flight
            killed.append(len(pids))

    _on_ray(ray_cluster, problems, tmp / "r.jsonl", tmp / "killed.parquet", on_done=kill)
    assert killed[0] >= 1
    assert _outputs(tmp / "killed.parquet") == local_outputs("r.jsonl"), "a dead actor changed or lost a verdict"


def test_a_node_leaving_mid_run_costs_only_time(ray_cluster, demo, local_outputs):
    """A worker node holding a grading actor goes away without notice."""
    problems, tmp = demo
    ray_cluster.add_node(num_cpus=1)
    ray_cluster.wait_for_nodes()
    lost = []

    def leave(n):
        if not lost:
            for node in list(ray_cluster.worker_nodes):
                actors = _processes("MapWorker", under=node.all_processes["raylet"][0].process.pid)
                if actors:
                    ray_cluster.remove_node(node, allow_graceful=False)
                    lost.append(len(actors))
                    return
            lost.append(0)

    _on_ray(ray_cluster, problems, tmp / "r.jsonl", tmp / "left.parquet", on_done=leave)
    assert lost[0] >= 1, "no grading actor ran on a worker node"
    assert _outputs(tmp / "left.parquet") == local_outputs("r.jsonl"), "a lost node changed or lost a verdict"


def test_grade_ray_through_the_cli_with_relative_paths(ray_cluster, monkeypatch, capsys, tmp_path):
    """`ringdata grade --ray ADDRESS` wires Ray Data in; a relative responses path is read by the
    read tasks wherever they run (their working directory is not the user's)."""
    from ringdata.core.records import Problem, problems_to_table
    from tests.conftest import run_cli

    problems = [Problem(id=f"m{i}", domain="math", source="t", question="q", answer=str(i)) for i in range(5)]
    pq.write_table(problems_to_table(problems), tmp_path / "p.parquet")
    (tmp_path / "r.jsonl").write_text("".join(json.dumps({"problem_id": f"m{i % 5}", "response": f"\\boxed{{{i % 3}}}"}) + "\n"
                                              for i in range(30)))
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "grade", "-p", "p.parquet", "-r", "r.jsonl", "-o", "g.parquet",
                             "--ray", ray_cluster.address, "--chunk-rows", "8")
    assert code == 0, err
    rows = pq.read_table(tmp_path / "g.parquet").to_pylist()
    assert [(r["problem_id"], r["correct"]) for r in rows] == [(f"m{i % 5}", i % 5 == i % 3) for i in range(30)]
    assert "wrote g.parquet" in out.replace("\n", " ")


def test_a_run_stopped_on_the_local_path_resumes_on_ray(ray_cluster, tmp_path):
    """Both paths write the same parts, so `grade --ray --resume` finishes a local run that died."""
    from rewards.ray_executor import RayConfig
    from rewards.ray_stream import grade_file_on_ray
    from tests.rewards.test_stream import PROBLEMS, Counting, _keys, _responses

    responses = _responses(tmp_path / "r.jsonl")
    with Grader(GradeConfig(workers=1)) as grader:
        full = grade_file(PROBLEMS, responses, tmp_path / "full.parquet", grader, chunk_rows=5)
        with pytest.raises(KeyboardInterrupt):
            grade_file(PROBLEMS, responses, tmp_path / "g.parquet", Counting(grader, die_at=4), chunk_rows=5)
    run = grade_file_on_ray(PROBLEMS, responses, tmp_path / "g.parquet", GradeConfig(workers=1),
                            RayConfig(address=ray_cluster.address), chunk_rows=5, resume=True)
    assert (run.resumed, run.graded) == (14, 40 - 14), "a row was graded twice, or lost"
    assert _keys(tmp_path / "g.parquet") == _keys(tmp_path / "full.parquet")
    assert run.tally.pass_rates() == full.tally.pass_rates() and run.rejected == full.rejected


def test_ray_keeps_its_own_lines_to_itself_unless_verbose(ray_cluster, tmp_path):
    """`ringdata grade --ray` as a user runs it (a subprocess, stderr piped): Ray's token-auth
    warning and its C++ core worker's lines ("core_worker.cc:2465: Actor with class name:
    'MapWorker(MapBatches(_GradeBatches))' ...", printed below Python's logging) are not shown;
    with -v they are. The progress and the summary still are."""
    import subprocess
    import sys

    from ringdata.core.logs import RAY_NATIVE_LINE
    from ringdata.core.records import Problem, problems_to_table

    problems = [Problem(id=f"m{i}", domain="math", source="t", question="q", answer=str(i)) for i in range(3)]
    pq.write_table(problems_to_table(problems), tmp_path / "p.parquet")
    (tmp_path / "r.jsonl").write_text("".join(json.dumps({"problem_id": f"m{i % 3}", "response": f"\\boxed{{{i}}}"}) + "\n"
                                              for i in range(6)))

    def grade(*flags: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ringdata", *flags, "grade", "-p", "p.parquet", "-r", "r.jsonl",
                               "-o", "g.parquet", "--overwrite", "--ray", ray_cluster.address],
                              cwd=tmp_path, capture_output=True, text=True, timeout=240)

    def ray_lines(text: str) -> list[str]:
        return [line for line in text.splitlines()
                if RAY_NATIVE_LINE.match(line.encode()) or "Token authentication" in line or "core_worker" in line]

    quiet = grade()
    assert quiet.returncode == 0, quiet.stderr
    assert ray_lines(quiet.stderr + quiet.stdout) == [], quiet.stderr
    assert "grade: 6/6 responses" in quiet.stderr and "wrote g.parquet" in quiet.stdout
    loud = grade("-v")
    assert loud.returncode == 0, loud.stderr
    assert ray_lines(loud.stderr), loud.stderr  # the filter, not Ray, kept them away
