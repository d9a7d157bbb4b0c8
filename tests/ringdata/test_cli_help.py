"""Every command and every option explains itself (`ringdata COMMAND --help`)."""

import subprocess
import sys
import pytest
import typer
from typer.testing import CliRunner

from ringdata.cli.main import app

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
