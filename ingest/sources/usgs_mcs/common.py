"""Helpers the USGS edition formats share: vintage resolution and figure parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.errors import ParseError
from ingest.sources import Source
from ingest.values import ParsedValue, parse_cell

_VINTAGE_IN_NAME = re.compile(r"mcs[ _-]?(\d{4})", re.IGNORECASE)


@dataclass
class ReadContext:
    source: Source
    file: str
    sha256: str
    vintage_override: str | None = None
    edition_seen: str | None = None  # the edition of the rows read so far (row_edition)

    def row_edition(self, published: str | None, line: int, field: str) -> str:
        """A row's edition (as vintage() finds it), which must be that of every earlier row:
        a file mixing editions (two releases pasted together) is refused at the first row that differs."""
        vintage = self.vintage(published, line, field)
        if self.edition_seen and vintage != self.edition_seen:
            raise ParseError(self.file, f"edition {vintage} differs from {self.edition_seen} on earlier lines", line=line,
                             field=field)
        self.edition_seen = vintage
        return vintage

    def vintage(self, published: str | None, line: int, field: str) -> str:
        """The edition code: the option, else the file's own column, else the file name."""
        if self.vintage_override:
            return self.source.check_edition(self.vintage_override, self.file, line=line, field=field)
        if published and published.strip():
            return self.source.check_edition(published.strip().upper(), self.file, line=line, field=field)
        m = _VINTAGE_IN_NAME.search(self.file)
        if m:
            return f"MCS{m.group(1)}"
        raise ParseError(self.file, "cannot tell the edition: no MCSyyyy in the file or its name; pass --vintage", line=line)

    def figure(self, cell: str, line: int, field: str) -> ParsedValue | None:
        try:
            return parse_cell(cell)
        except ValueError as exc:
            raise ParseError(self.file, str(exc), line=line, field=field) from exc


def edition_year(vintage: str) -> int:
    return int(vintage[3:])


def is_blank(fields: list[str]) -> bool:
    return not any(f.strip() for f in fields)


def fit_row(fields: list[str], header: list[str], file: str, line: int) -> list[str]:
    """The row padded to the header's width, or a ParseError if it is cut short or too long.

    Missing fields are accepted only where the header's columns are unnamed (USGS files
    carry dozens of empty trailing columns); a row missing a named column is a damaged
    copy, and reading it would silently drop or misplace figures.
    """
    n, m = len(fields), len(header)
    if n < m:
        if any(h.strip() for h in header[n:]):
            raise ParseError(file, f"{n} fields but the header has {m} (missing {header[n].strip()!r}...): "
                             "the row is cut short", line=line)
        return fields + [""] * (m - n)
    if n > m and any(f.strip() for f in fields[m:]):
        raise ParseError(file, f"{n} fields but the header has {m}", line=line)
    return fields
