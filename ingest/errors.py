"""The one error type parsers raise, so every refusal names file, line, field and reason."""

from __future__ import annotations


class ParseError(ValueError):
    """A publisher file that cannot be read as the format it claims to be."""

    def __init__(self, file: str, reason: str, *, line: int | None = None, field: str | None = None):
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
        where = file
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {reason}")
