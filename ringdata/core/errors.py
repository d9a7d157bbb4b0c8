"""The errors ringdata expects and explains. The CLI turns each into one line and exit code 1."""

from __future__ import annotations


class RingdataError(Exception):
    """A known failure with a message that tells the user what to do."""


class DataError(RingdataError):
    """Bad input data: names the file, the row and the field where it can.

    `row` is the row's 0-based index as code counts it; the message counts rows from 1, as an
    editor numbers lines: row 1 is the first data row (a JSONL file's row N is its line N, a CSV's
    header is not a row, a Parquet file's row 1 is its first). `ringdata grade`'s rejected rows
    and every other message use the same 1-based count.
    """

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
                f"row {row + 1}" if row is not None else None,
                f"field {field!r}" if field is not None else None,
            )
            if part
        )
        text = f"{where}: {message}" if where else message
        if hint:
            text = f"{text} ({hint})"
        super().__init__(text)
