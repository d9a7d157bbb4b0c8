"""`ringdata select-checkpoint` (ringdata/cli/select_checkpoint.py) on the real tiny model."""

from __future__ import annotations


def test_cli_prints_the_table_and_the_choice(tmp_path, tiny_dir):
    from typer.testing import CliRunner

    from ringdata.cli.main import app

    # at 80 columns a long checkpoint path wraps whole, and the columns after it (the "chosen" mark)
    # stay on the screen (they were cropped off when the path column was held at 24 characters)
    deep = tmp_path / "sft-run-with-a-long-name" / "checkpoints" / "global_step_000123" / "hf_model"
    deep.parent.mkdir(parents=True)
    deep.symlink_to(tiny_dir)
    result = CliRunner().invoke(app, ["select-checkpoint", str(tiny_dir), str(deep), "--probe-size", "8", "--samples",
                                      "2", "--max-tokens", "16", "--backend", "hf", "--band-low", "0.0",
                                      "--band-high", "2.0"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    drawn = [line for line in lines if line[:1] in "┏┃┡│└"]  # the table; the "chosen:" line is soft-wrapped
    assert max(map(len, drawn)) <= 80 and all(line[-1] in "┓┃┩│┘" for line in drawn), result.output
    assert "…" not in result.output, result.output
    paths = "".join(line.split("│")[1].strip() for line in lines if line.startswith("│"))  # the first column
    assert str(deep) in paths, result.output
    assert sum("chosen │" in line for line in lines) == 1 and "accuracy" in result.output, result.output
    bad = CliRunner().invoke(app, ["select-checkpoint", str(tmp_path)])
    assert bad.exit_code != 0 and "without config.json" in str(bad.exception)
