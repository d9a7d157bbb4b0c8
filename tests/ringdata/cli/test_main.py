"""ringdata/cli/main.py: every command and option explains itself (`ringdata COMMAND --help`), and
the one error boundary holds through the real entry point, `python -m ringdata` in a fresh process
(not typer's test runner): every failure is one line on stderr, starting "error:", and a non-zero
exit; never a traceback."""

import json
import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from ringdata.cli.main import app
from tests.conftest import DATA, ROOT, assert_one_line_error, ringdata

ROOT_COMMAND = typer.main.get_command(app)


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):  # a group (typer may vendor its own click)
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


COMMANDS = sorted(_commands(ROOT_COMMAND))


def test_every_command_of_the_brief_is_there():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"curate", "grade", "report", "train", "rollout", "select-checkpoint", "sandbox build"} <= names


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_and_options_have_help(path, cmd):
    assert (cmd.help or "").strip() and "not built yet" not in cmd.help.lower(), f"{path} has no help"
    for param in cmd.params:
        if getattr(param, "param_type_name", "") == "option" and param.name != "help":
            assert (param.help or "").strip(), f"ringdata {' '.join(path)} {param.opts[0]} has no help"
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.mark.parametrize("argv", [["curate", "--bogus"], ["nosuch"]])
def test_usage_errors_are_one_message_not_a_traceback(argv):
    proc = subprocess.run([sys.executable, "-m", "ringdata.cli.main", *argv], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and ("No such" in proc.stderr)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "model").mkdir()  # a directory without config.json
    (d / "bad.toml").write_text('model = "tiny"\nbogus = 1\n[stages.math]\n')
    (d / "bad.jsonl").write_text(json.dumps({"question": "q", "domain": "math"}) + "\n{not json\n")
    (d / "r.jsonl").write_text(json.dumps({"problem_id": "x", "response": "1"}) + "\n")
    return d


CASES = [
    # (arguments, exit code, words the one line must hold)
    (["nocommand"], 2, "No such command"),
    (["curate", "{d}/missing.jsonl", "--out", "{d}/o"], 1, "missing.jsonl", "no such file"),
    (["curate", "{d}/bad.jsonl", "--out", "{d}/o"], 1, "bad.jsonl", "row 2"),  # its second line: rows count from 1
    (["grade", "--problems", "{d}/bad.jsonl", "--responses", "{d}/r.jsonl", "--out", "{d}/g.parquet",
      "--sandbox", "vm"], 2, "--sandbox", "unknown sandbox 'vm'"),
    (["grade", "--problems", "{data}/problems/gsm8k_train.jsonl", "--responses", "{d}/none.jsonl",
      "--out", "{d}/g.parquet"], 1, "none.jsonl", "no such responses file"),
    (["grade", "--problems", "{data}/problems/gsm8k_train.jsonl", "--responses", "{d}/model",
      "--out", "{d}/g.parquet"], 1, "model", "is a directory"),
    (["report", "{d}/model"], 1, "neither a curate output"),
    (["train", "--config", "{d}/bad.toml", "--out", "{d}/run"], 1, "bad.toml", "bogus"),
    (["rollout", "--model", "{d}/model", "--problems", "{data}/problems/gsm8k_train.jsonl", "--out", "{d}/new.jsonl",
      "--backend", "hf"], 1, "not a transformers model dir"),
    (["rollout", "--model", "{d}/model", "--problems", "{d}/p.jsonl", "--out", "{d}/r.jsonl", "--backend", "gpu"],
     2, "--backend"),
    (["select-checkpoint", "{d}/model"], 1, "not a transformers model dir"),
    (["select-checkpoint", "{d}/model", "--band-low", "0.6", "--band-high", "0.2"], 1, "entropy band is empty"),
]


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c[0][:1] + [str(c[1])]) for c in CASES])
def test_every_failure_is_one_line_and_a_non_zero_exit(files, case):
    args, code, *words = case
    args = [a.format(d=files, data=DATA) for a in args]
    assert_one_line_error(ringdata(*args), code, *words)


def test_the_debug_variable_shows_the_traceback(files):
    env = dict(os.environ, RINGDATA_DEBUG="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "ringdata", "report", str(files / "model")], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "RingdataError" in proc.stderr



@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_at_80_columns_has_examples_and_loses_nothing(path, cmd):
    """Examples in every command's help; flags without a value placeholder; option text (with its
    [brackets]) printed as written, wrapped at 80 columns rather than cut with an ellipsis."""
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Examples:" in text and f"ringdata {' '.join(path)}" in text.split("Examples:")[1]
    assert "<bool>" not in text and "…" not in text
    assert "\\[" not in text, "a markup escape printed as written"
    options = text.split("Options:")[1]
    assert "list[" not in options, "a repeatable option shows its Python type"
    assert max(len(line) for line in text.splitlines()) <= 80, text
    words = " ".join(text.split())
    for param in cmd.params:
        if getattr(param, "help", None):
            assert " ".join(param.help.split()) in words.replace("- ", "-"), f"{param.opts} help was cut or eaten"


GROUPS = [(), ("sandbox",)]


@pytest.mark.parametrize("path", GROUPS, ids=["ringdata", "sandbox"])
def test_command_lists_are_not_cut_at_80_columns(path):
    """`ringdata --help` lists every command with a description that fits, not one cut with "..."."""
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=80, env={"COLUMNS": "80"})
    listing = result.output.split("Commands:")[1].split("\n\n")[0].splitlines()
    assert len(listing) >= 2 and all(len(line) <= 80 for line in listing), result.output
    assert not [line for line in listing if line.rstrip().endswith("...")], result.output


def test_train_help_keeps_its_brackets():
    result = CliRunner().invoke(app, ["train", "--help"], terminal_width=80)
    assert "[stages.NAME] tables, [schedules]" in " ".join(result.output.split())


def test_version():
    import ringdata

    proc = subprocess.run([sys.executable, "-m", "ringdata", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"ringdata {ringdata.__version__}"


def test_an_unknown_train_option_that_is_a_config_key_names_the_set_override(tmp_path):
    proc = ringdata("train", "--lr", "1e-4", "-c", ROOT / "configs/tiny.toml", "--out", tmp_path / "run")
    assert_one_line_error(proc, 2, "--set optim.lr=VALUE")
    assert not (tmp_path / "run").exists()
