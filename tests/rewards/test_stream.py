"""rewards/stream.py: chunked grading writes what one pass writes, and a run that died resumes
where it stopped: nothing graded twice, nothing lost."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rewards import GradeConfig, Grader
from rewards.stream import grade_file
from ringdata.core.errors import RingdataError
from ringdata.core.records import Problem
from tests.conftest import run_cli

PROBLEMS = {f"m{i}": Problem(id=f"m{i}", domain="math", source="t", question="q", answer=str(i)) for i in range(6)}


def _responses(path, n=40):
    rows = [{"problem_id": f"m{i % 6}", "response": f"\\boxed{{{i % 6 if i % 3 else i + 1}}}"} for i in range(n)]
    rows.insert(7, {"problem_id": "nope", "response": "x"})  # rejected, and still counted once
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n")
    return path


@pytest.fixture(scope="module")
def grader():
    with Grader(GradeConfig(workers=1)) as g:
        yield g


class Counting:
    """A grader that counts the rows it grades, and dies on call number `die_at`."""

    def __init__(self, grader, die_at=None):
        self.grader, self.die_at, self.calls, self.rows = grader, die_at, 0, 0

    def grade_many_timed(self, items, on_done=None):
        self.calls += 1
        if self.calls == self.die_at:
            raise KeyboardInterrupt("the run died")
        self.rows += len(items)
        return self.grader.grade_many_timed(items, on_done)


def _keys(path):
    t = pq.read_table(path)
    return list(zip(t["problem_id"].to_pylist(), t["sample"].to_pylist(), t["reason"].to_pylist()))


def test_chunks_write_what_one_pass_writes(tmp_path, grader):
    responses = _responses(tmp_path / "r.jsonl")
    whole = grade_file(PROBLEMS, responses, tmp_path / "a.parquet", grader, chunk_rows=10_000)
    chunked = grade_file(PROBLEMS, responses, tmp_path / "b.parquet", grader, chunk_rows=4)
    assert _keys(tmp_path / "a.parquet") == _keys(tmp_path / "b.parquet") and len(_keys(tmp_path / "a.parquet")) == 40
    assert whole.tally.pass_rates() == chunked.tally.pass_rates()
    assert chunked.rejected == whole.rejected and sum(whole.rejected.values()) == 2
    assert (tmp_path / "b.rejected.jsonl").read_text() == (tmp_path / "a.rejected.jsonl").read_text()
    assert not (tmp_path / "b.parts").exists(), "the parts are removed once joined"


def test_a_run_that_died_resumes_without_grading_a_row_twice(tmp_path, grader):
    responses = _responses(tmp_path / "r.jsonl")
    full = grade_file(PROBLEMS, responses, tmp_path / "full.parquet", grader, chunk_rows=5)
    out = tmp_path / "g.parquet"
    dying = Counting(grader, die_at=4)
    with pytest.raises(KeyboardInterrupt):
        grade_file(PROBLEMS, responses, out, dying, chunk_rows=5)
    # three chunks of 5 input rows were written; one of those rows is the rejected "nope"
    assert dying.rows == 14 and len(list((tmp_path / "g.parts").glob("part-*.parquet"))) == 3
    again = Counting(grader)
    run = grade_file(PROBLEMS, responses, out, again, chunk_rows=5, resume=True)
    assert again.rows == 40 - 14 and run.graded == again.rows, "a finished row was graded again"
    assert run.resumed == 14
    assert _keys(out) == _keys(tmp_path / "full.parquet"), "a row was lost or written twice"
    assert run.tally.pass_rates() == full.tally.pass_rates() and run.rejected == full.rejected


def test_resume_refuses_parts_of_another_run(tmp_path, grader):
    responses = _responses(tmp_path / "r.jsonl")
    with pytest.raises(KeyboardInterrupt):
        grade_file(PROBLEMS, responses, tmp_path / "g.parquet", Counting(grader, die_at=2), chunk_rows=5)
    with pytest.raises(RingdataError, match="another responses file or chunk size"):
        grade_file(PROBLEMS, responses, tmp_path / "g.parquet", grader, chunk_rows=6, resume=True)


def test_parquet_responses_stream_in_batches(tmp_path, grader):
    jsonl = _responses(tmp_path / "r.jsonl")
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()[:-1]]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "r.parquet")
    grade_file(PROBLEMS, tmp_path / "r.parquet", tmp_path / "p.parquet", grader, chunk_rows=3)
    grade_file(PROBLEMS, jsonl, tmp_path / "j.parquet", grader)
    assert _keys(tmp_path / "p.parquet") == _keys(tmp_path / "j.parquet")


def test_cli_resume_finishes_the_run(monkeypatch, capsys, tmp_path):
    import pyarrow.parquet as pq

    from ringdata.core.records import problems_to_table

    pq.write_table(problems_to_table(list(PROBLEMS.values())), tmp_path / "problems.parquet")
    responses = _responses(tmp_path / "r.jsonl")
    out = tmp_path / "g.parquet"
    with pytest.raises(KeyboardInterrupt):
        with Grader(GradeConfig(workers=1)) as g:
            grade_file(PROBLEMS, responses, out, Counting(g, die_at=3), chunk_rows=8)
    code, stdout, err = run_cli(monkeypatch, capsys, "grade", "--problems", tmp_path / "problems.parquet", "--responses",
                                responses, "--out", out, "--workers", "1", "--chunk-rows", "8", "--resume")
    assert code == 0, err
    assert "resumed: 15 rows graded by the earlier run, 25 now" in stdout
    assert len(_keys(out)) == 40 and pq.read_table(tmp_path / "g.pass_rates.parquet")["n_samples"].to_pylist() == [7, 7, 7, 7, 6, 6]


def test_resuming_a_finished_run_grades_nothing(tmp_path, grader):
    responses = _responses(tmp_path / "r.jsonl")
    first = grade_file(PROBLEMS, responses, tmp_path / "g.parquet", grader, chunk_rows=8)
    idle = Counting(grader)
    again = grade_file(PROBLEMS, responses, tmp_path / "g.parquet", idle, chunk_rows=8, resume=True)
    assert idle.rows == 0 and again.resumed == 40 and again.graded == 0
    assert again.tally.pass_rates() == first.tally.pass_rates() and again.rejected == first.rejected
    responses.write_text(responses.read_text() + json.dumps({"problem_id": "m1", "response": "1"}) + "\n")
    with pytest.raises(RingdataError, match="holds the verdicts of another run"):  # neither taken as finished
        grade_file(PROBLEMS, responses, tmp_path / "g.parquet", grader, chunk_rows=8, resume=True)  # nor replaced
    assert len(_keys(tmp_path / "g.parquet")) == 40  # the earlier verdicts are still there
    changed = Counting(grader)
    grade_file(PROBLEMS, responses, tmp_path / "g.parquet", changed, chunk_rows=8)
    assert changed.rows == 41


def test_cli_resume_with_nothing_to_resume_says_so_and_grades_every_row(monkeypatch, capsys, tmp_path):
    from ringdata.core.records import problems_to_table

    pq.write_table(problems_to_table(list(PROBLEMS.values())), tmp_path / "problems.parquet")
    responses = _responses(tmp_path / "r.jsonl")
    code, stdout, err = run_cli(monkeypatch, capsys, "grade", "--problems", tmp_path / "problems.parquet", "--responses",
                                responses, "--out", tmp_path / "g.parquet", "--workers", "1", "--resume")
    assert code == 0, err
    assert "nothing to resume in" in err and "grading every row" in err
    assert len(_keys(tmp_path / "g.parquet")) == 40
