"""`ringdata select-checkpoint` (ringdata/cli/select_checkpoint.py) on the real tiny model."""

from __future__ import annotations


def test_cli_prints_the_table_and_the_choice(tmp_path, tiny_dir):
    from typer.testing import CliRunner

    from ringdata.cli.main import app

    result = CliRunner().invoke(app, ["select-checkpoint", str(tiny_dir), "--probe-size", "8", "--samples", "2",
                                      "--max-tokens", "16", "--backend", "hf", "--band-low", "0.0", "--band-high", "2.0"])
    assert result.exit_code == 0, result.output
    assert "chosen" in result.output and "probe accuracy" in result.output
    bad = CliRunner().invoke(app, ["select-checkpoint", str(tmp_path)])
    assert bad.exit_code != 0 and "without config.json" in str(bad.exception)
