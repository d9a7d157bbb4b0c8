import pyarrow as pa
import pytest

from ringdata.core.errors import DataError
from ringdata.core.records import PROBLEM_SCHEMA, Problem, TestCase, conform, make_id, problems_to_table, table_to_problems


def test_make_id_is_stable_and_ignores_whitespace():
    assert make_id("math", "What is  1+1?\n") == make_id("math", "What is 1+1?")
    assert make_id("math", "What is 1+1?") != make_id("gsm8k", "What is 1+1?")
    assert make_id("math", "x").startswith("math/")


def test_problem_round_trips_through_arrow():
    p = Problem(
        id="c/1", domain="code", source="c", question="add", entry_point="add",
        tests=(TestCase(input="1 2\n", output="3\n"), TestCase(assert_="assert add(1, 2) == 3")),
        solutions=("def add(a, b): return a + b",), metadata={"level": 3},
    )
    table = problems_to_table([p])
    assert table.schema.equals(PROBLEM_SCHEMA)
    assert table_to_problems(table) == [p]
    assert [t.kind for t in p.tests] == ["stdio", "assert"]


def test_conform_adds_missing_nullable_columns():
    t = pa.table({"id": ["a"], "domain": ["math"], "source": ["s"], "question": ["q"], "extra": [1]})
    out = conform(t, file="f.parquet")
    assert out.schema.equals(PROBLEM_SCHEMA)
    assert out.column("answer").null_count == 1


@pytest.mark.parametrize(
    "table,field,row",
    [
        (pa.table({"id": ["a"], "domain": ["math"], "source": ["s"]}), "question", None),
        (pa.table({"id": ["a", None], "domain": ["math"] * 2, "source": ["s"] * 2, "question": ["q"] * 2}), "id", 1),
        (pa.table({"id": ["a", "b"], "domain": ["math", "poetry"], "source": ["s"] * 2, "question": ["q"] * 2}), "domain", 1),
        (pa.table({"id": ["a"], "domain": ["math"], "source": ["s"], "question": ["q"], "choices": [3]}), "choices", None),
    ],
)
def test_conform_names_file_row_and_field(table, field, row):
    with pytest.raises(DataError) as err:
        conform(table, file="bad.parquet")
    assert err.value.file == "bad.parquet" and err.value.field == field and err.value.row == row
    assert "bad.parquet" in str(err.value) and repr(field) in str(err.value)
