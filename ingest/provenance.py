"""Where a file came from: its bytes' sha256 and the reading of its text."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from ingest.errors import ParseError


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Bytes -> (text, encoding). UTF-8 (with or without BOM) first, then cp1252 as USGS uses."""
    if not data.strip():
        raise ParseError(file, "the file is empty")
    if b"\x00" in data[:4096]:
        raise ParseError(file, "the file is binary (NUL bytes), not a CSV text file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ParseError(file, f"cannot decode as UTF-8 or cp1252 at byte {exc.start}") from exc


def csv_records(text: str, file: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number of the record, fields) for each CSV record, header included.

    Line numbers count physical lines, so a quoted field spanning lines is located right.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    prev_end = 0
    try:
        for fields in reader:
            yield prev_end + 1, fields
            prev_end = reader.line_num
    except csv.Error as exc:
        raise ParseError(file, f"malformed CSV: {exc}", line=prev_end + 1) from exc


def _delimiter(text: str) -> str:
    """Comma, unless the header line is plainly semicolon- or tab-separated (a spreadsheet re-save)."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","
