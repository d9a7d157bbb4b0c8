"""One thin typer module per command; `main.py` wires them together."""
