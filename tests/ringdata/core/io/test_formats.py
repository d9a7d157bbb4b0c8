"""Adapters: public formats (bundled real rows where we have them), auto-detection, --format,
--field, ids, and row-level errors naming file, row and field."""

import json
from pathlib import Path

import pytest

from ringdata.core.errors import DataError, RingdataError
from ringdata.core.io.problems import ReadConfig, parse_field_map, read_problems
from ringdata.core.records import make_id
from tests.conftest import DATA

PROBLEMS = DATA / "problems"
FIXTURES = Path(__file__).parent / "fixtures"


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ---- the bundled public files: each detected as its format, every row converted ---------------


@pytest.mark.parametrize(
    "file,fmt,domain,first_id,first_answer",
    [
        ("math_train.jsonl", "math", "math", "math_train/train/algebra/0.json", "0"),
        ("gsm8k_train.jsonl", "gsm8k", "math", None, "72"),
        ("mbpp_train.jsonl", "mbpp", "code", "mbpp_train/1", None),
        ("code_contests_rllm.jsonl", "codecontests", "code", None, None),
        ("codeforces_rllm.jsonl", "codecontests", "code", None, None),
        ("mmlu_stem.jsonl", "mcq", "science", None, "C"),  # MMLU's 0-based index 2 -> C
        ("scibench.jsonl", "scibench", "science", "scibench/atkins/e1.17(a)(a)", "50.7"),
    ],
)
def test_bundled_file_is_detected_and_converted(file, fmt, domain, first_id, first_answer):
    result = read_problems([PROBLEMS / file])
    frame = result.frame
    assert result.inputs[0].format == fmt
    assert frame["domain"].unique().to_list() == [domain]
    assert frame.height == sum(1 for line in (PROBLEMS / file).open() if line.strip())
    first = frame.row(0, named=True)
    if first_id:
        assert first["id"] == first_id
    else:
        assert first["id"] == make_id(first["source"], first["question"])
    assert first["answer"] == first_answer
    assert frame["id"].n_unique() == frame.height
    if domain == "code":
        assert frame["tests"].list.len().min() >= 1


def test_rllm_test_shapes_become_stdio_tests():
    contests = read_problems([PROBLEMS / "code_contests_rllm.jsonl"]).frame.row(0, named=True)
    raw = json.loads((PROBLEMS / "code_contests_rllm.jsonl").open().readline())
    assert [t["input"] for t in contests["tests"]] == raw["tests"]["inputs"]
    assert [t["output"] for t in contests["tests"]] == raw["tests"]["outputs"]
    forces = read_problems([PROBLEMS / "codeforces_rllm.jsonl"]).frame.row(0, named=True)
    raw = json.loads((PROBLEMS / "codeforces_rllm.jsonl").open().readline())
    assert forces["tests"] == [{"input": t["input"], "output": t["output"], "assert": None} for t in raw["tests"]]


def test_mbpp_keeps_all_asserts_and_finds_the_entry_point():
    row = read_problems([PROBLEMS / "mbpp_train.jsonl"]).frame.row(0, named=True)
    assert row["entry_point"] == "min_cost"
    assert len(row["tests"]) == 3 and all(t["assert"].startswith("assert min_cost(") for t in row["tests"])
    assert "assert min_cost([[1, 2, 3]" in row["question"]  # the usage example
    assert "def min_cost" in row["solutions"][0] and "\r" not in row["solutions"][0]


def test_humaneval_test_calls_check_on_the_entry_point():
    frame = read_problems([FIXTURES / "humaneval_two.jsonl"]).frame  # two real HumanEval rows
    row = frame.filter(frame["id"] == "humaneval_two/HumanEval/53").row(0, named=True)
    assert row["entry_point"] == "add" and row["domain"] == "code"
    assert row["tests"][0]["assert"].rstrip().endswith("check(add)")
    namespace: dict = {}
    exec(row["solutions"][0] + row["tests"][0]["assert"], namespace)  # the reference passes its test


@pytest.mark.parametrize(
    "row,fmt,expect",
    [
        # APPS / TACO: input_output as JSON text, stdin/stdout
        ({"problem_id": 7, "question": "Read n, print n+1.", "input_output": json.dumps({"inputs": ["1\n"], "outputs": ["2\n"]}),
          "solutions": json.dumps(["print(int(input())+1)"])},
         "apps", {"id": "x/7", "tests": [{"input": "1\n", "output": "2\n", "assert": None}], "solutions": ["print(int(input())+1)"]}),
        # APPS call-based: fn_name, one-element output lists unwrap
        ({"question": "Return a+b.", "input_output": {"fn_name": "add", "inputs": [[1, 2]], "outputs": [[3]]}},
         "apps", {"entry_point": "add", "tests": [{"input": None, "output": None, "assert": "assert add(*[1, 2]) == 3"}]}),
        # APPS call-based with JSON Infinity / NaN: no Python literal says it (`== inf` is a name the
        # program could define; NaN equals nothing): an empty test, malformed to curation, unparsable to grading
        ({"question": "Return 1/x.", "input_output": '{"fn_name": "inv", "inputs": [[0], [2]], "outputs": [[Infinity], [0.5]]}'},
         "apps", {"tests": [{"input": None, "output": None, "assert": None},
                            {"input": None, "output": None, "assert": "assert inv(*[2]) == 0.5"}]}),
        ({"question": "?", "input_output": '{"fn_name": "g", "inputs": [[NaN]], "outputs": [[1]]}'},
         "apps", {"tests": [{"input": None, "output": None, "assert": None}]}),
        # DeepMind CodeContests original layout
        ({"name": "1548_A", "description": "Print the sum of two numbers.",
          "public_tests": {"input": ["1 2\n"], "output": ["3\n"]}, "private_tests": {"input": ["2 2\n"], "output": ["4\n"]},
          "generated_tests": {"input": [], "output": []}, "solutions": {"language": [2, 3], "solution": ["int main(){}", "print(sum(map(int,input().split())))"]}},
         "codecontests", {"id": "x/1548_A", "language": None,  # any language; each solution fenced with its own
                          "solutions": ["```cpp\nint main(){}\n```", "```python\nprint(sum(map(int,input().split())))\n```"],
                          "tests": [{"input": "1 2\n", "output": "3\n", "assert": None}, {"input": "2 2\n", "output": "4\n", "assert": None}]}),
        # ARC-style multiple choice
        ({"id": "Mercury_1", "question": "Which is a metal?", "choices": {"text": ["wood", "iron"], "label": ["A", "B"]}, "answerKey": "B"},
         "mcq", {"id": "x/Mercury_1", "answer": "B", "choices": ["wood", "iron"], "domain": "science"}),
        # MMLU dumps with a Python-literal choices string and the index as text
        ({"question": "2+2?", "choices": "['3', '4']", "answer": "1"}, "mcq", {"answer": "B", "choices": ["3", "4"]}),
        # AMC 2023 stores integer answers as floats
        ({"id": 3, "problem": "How many?", "answer": 27.0}, "math", {"answer": "27", "id": "x/3"}),
    ],
)
def test_adapter_case(tmp_path, row, fmt, expect):
    result = read_problems([write_jsonl(tmp_path / "x.jsonl", [row])])
    assert result.inputs[0].format == fmt
    got = result.frame.row(0, named=True)
    for key, value in expect.items():
        assert got[key] == value, key


def test_math_solution_without_boxed_gives_null_answer_not_error(tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [{"problem": "Prove that 2 is prime.", "solution": "Obvious."}])
    assert read_problems([path]).frame["answer"].to_list() == [None]


# ---- choosing the format -------------------------------------------------------------------------


def test_native_rows_need_no_option_and_keep_their_ids(tmp_path):
    rows = [{"id": "my/1", "question": "What is 1+1 in decimal?", "answer": 2, "domain": "math", "level": 1},
            {"question": "Print 1.", "domain": "code", "tests": [{"assert": "assert f(2) == 4"}]}]  # fmt: skip
    frame = read_problems([write_jsonl(tmp_path / "n.jsonl", rows)]).frame
    assert frame["id"].to_list()[0] == "my/1"
    assert frame["answer"].to_list()[0] == "2"
    assert json.loads(frame["metadata"][0])["level"] == 1  # unknown columns kept in metadata
    assert frame["tests"][1].to_list() == [{"input": None, "output": None, "assert": "assert f(2) == 4"}]


def test_ambiguous_columns_list_candidates_and_ask_for_format(tmp_path):
    row = {"problem": "Sum two numbers.", "solution": "\\boxed{3}", "tests": [{"input": "1 2", "output": "3"}]}
    path = write_jsonl(tmp_path / "both.jsonl", [row])
    with pytest.raises(DataError) as err:
        read_problems([path])
    assert "math" in str(err.value) and "codecontests" in str(err.value) and "--format" in str(err.value)
    assert read_problems([path], ReadConfig(format="codecontests")).frame["domain"].to_list() == ["code"]


def test_unknown_columns_say_how_to_map_them(tmp_path):
    path = write_jsonl(tmp_path / "odd.jsonl", [{"prompt_text": "Compute 2+2.", "gold": "4"}])
    with pytest.raises(DataError, match="--field") as err:
        read_problems([path])
    assert err.value.file == str(path)
    frame = read_problems([path], ReadConfig(fields=parse_field_map("question=prompt_text,answer=gold"), domain="math")).frame
    assert frame.row(0, named=True) | {"id": None, "metadata": None} == {
        "id": None, "domain": "math", "source": "odd", "question": "Compute 2+2.", "answer": "4", "choices": None,
        "tests": None, "entry_point": None, "language": None, "solutions": None, "metadata": None, "pass_rate": None, "n_samples": None,
    }  # fmt: skip


def test_unknown_format_name_lists_known_ones(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"question": "q?", "domain": "math"}])
    with pytest.raises(RingdataError, match="unknown --format 'mathh'.*gsm8k"):
        read_problems([path], ReadConfig(format="mathh"))


def test_domain_and_source_options_override(tmp_path):
    path = write_jsonl(tmp_path / "g.jsonl", [{"question": "Q one two three?", "answer": "work\n#### 1,000"}])
    frame = read_problems([path], ReadConfig(domain="science", source="mine")).frame
    assert frame.row(0, named=True)["domain"] == "science" and frame.row(0, named=True)["source"] == "mine"
    assert frame["id"][0].startswith("mine/")


def test_repeated_ids_get_a_stable_suffix(tmp_path):
    rows = [{"id": "a", "question": f"Question number {i}?", "domain": "math"} for i in range(3)]
    frame = read_problems([write_jsonl(tmp_path / "r.jsonl", rows)]).frame
    assert frame["id"].to_list() == ["a", "a#2", "a#3"]


@pytest.mark.parametrize(
    "rows,row,field,words",
    [
        ([{"question": "ok?", "domain": "math"}, {"question": 12, "domain": "math"}], 1, "question", "expected text"),
        ([{"question": "ok?", "domain": "poetry"}], 0, "domain", "expected one of"),
        ([{"question": "ok?", "domain": "code", "tests": "not json ["}], 0, "tests", "neither JSON"),
        ([{"question": "ok?", "domain": "code", "tests": [{"stdin": "1"}]}], 0, "tests", "unknown keys"),
        ([{"question": "ok?", "domain": "code", "tests": [{"input": 1, "output": "1"}]}], 0, "tests", "where text was expected"),
        ([{"question": "q", "choices": ["a", "b"], "answer": 5}], 0, "answer", "out of range"),
        ([{"question": "q", "choices": ["a", "b"], "answer": "Z"}], 0, "answer", "choice letter"),
        ([{"question": "q", "choices": ["a", "b"], "answer": "A"}, {"question": "q2", "choices": ["a", "b"]}], 1, "answer", "missing"),
        ([{"text": "t", "test_list": ["assert f(1) == 2"], "code": "def f(x): return 2"},
          {"text": "t", "test_list": [3], "code": "def f(x): return 2"}], 1, "test_list", "list of strings"),
        ([{"question": "q?", "domain": "math", "pass_rate": 3}], 0, "pass_rate", "[0, 1]"),
        ([{"question": "q?", "domain": "math", "n_samples": "eight"}], 0, "n_samples", "whole number"),
        ([{"problem": "p", "solution": "s"}, {"problem": None, "solution": "s"}], 1, "problem", "missing"),
    ],
)
def test_bad_row_names_file_row_and_field(tmp_path, rows, row, field, words):
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataError) as err:
        read_problems([path])
    assert (err.value.file, err.value.row, err.value.field) == (str(path), row, field)
    assert words in str(err.value)


def test_field_map_syntax_error():
    with pytest.raises(RingdataError, match="FIELD=COLUMN"):
        parse_field_map("question")


def test_field_map_names_missing_column(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"q": "What?", "domain": "math"}])
    with pytest.raises(DataError) as err:
        read_problems([path], ReadConfig(fields=(("question", "problem"),)))
    assert err.value.field == "problem" and err.value.row == 0
