"""The errors ringdata expects and explains. The CLI turns each into one line and exit code 1."""

from __future__ import annotations


class RingdataError(Exception):
    """A known failure with a message that tells the user what to do."""


class DataError(RingdataError):
    """Bad input data: names the file, the row (0-based) and the field where it can."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file, self.row, self.field, self.hint = file, row, field, hint
        self.message = message
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"field {field!r}" if field is not None else None,
            )
            if part
        )
        text = f"{where}: {message}" if where else message
        if hint:
            text = f"{text} ({hint})"
        super().__init__(text)
