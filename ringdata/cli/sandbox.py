"""`ringdata sandbox ...` (being built: see the open issue)."""

import typer

app = typer.Typer(help="Build and check the code sandbox.", no_args_is_help=True)


@app.command("build")
def build() -> None:
    """Not built yet."""
    from ringdata.errors import RingdataError

    raise RingdataError("ringdata sandbox build is not built yet")
