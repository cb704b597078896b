"""The data rows of a curated CSV file, checked for shape once for every curated table: the
header names the columns expected, each row has as many fields as the header, and a malformed
file is refused naming its line (the tables' own rules on values stay with their readers)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from ingest.errors import ParseError
from ingest.values import shown


def records(text: str, file: str, columns: Sequence[str], optional: Sequence[str] = (), *,
            others_refused: bool = False) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(line, row) for each data row: the columns and the optional ones, cells stripped, a blank
    or absent cell None. Columns the header lacks are refused; so are columns it names beyond
    these when others_refused."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            raise ParseError(file, f"missing columns {missing}; expected {list(columns)}", line=1)
        unknown = [c for c in header if c not in columns and c not in optional]
        if others_refused and unknown:
            raise ParseError(file, f"unknown columns {[shown(c) for c in unknown]}; expected {list(columns)}", line=1)
        for rec in reader:
            if None in rec or any(v is None for v in rec.values()):
                raise ParseError(file, "wrong number of fields", line=reader.line_num)
            yield reader.line_num, {c: ((rec.get(c) or "").strip() or None) for c in (*columns, *optional)}
    except csv.Error as exc:  # a stray quote or line break, a field beyond the csv module's limit
        raise ParseError(file, f"malformed CSV: {exc}", line=reader.line_num or 1) from exc
