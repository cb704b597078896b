"""Where a file came from: its bytes' sha256 and the reading of its text."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from ingest.errors import ParseError


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """The file's sha256, hashed once per (path, size, mtime): a bulk file is landed and parsed
    by different steps that each need it, and hashing 1.5 GB takes seconds."""
    st = os.stat(path)
    return _sha256_file(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=64)
def _sha256_file(path: str, _size: int, _mtime_ns: int) -> str:
    # Large blocks: reading and hashing each one releases the GIL, so few blocks means few
    # waits for it while another thread (GX's import) runs Python.
    h = hashlib.sha256()
    buf = bytearray(16 << 20)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Bytes -> (text, encoding). UTF-8 (with or without BOM) first, then cp1252 as USGS uses."""
    if not data.strip():
        raise ParseError(file, "the file is empty")
    if b"\x00" in data[:4096]:
        raise ParseError(file, "the file is binary (NUL bytes), not a CSV text file")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc:
            raise ParseError(file, f"cannot decode as UTF-8 or cp1252 at byte {exc.start}") from exc
    if not text.strip():  # a byte-order mark and nothing else
        raise ParseError(file, "the file is empty")
    return text, encoding


def check_strings(doc, file: str) -> None:
    """Refuse a parsed JSON or YAML document any of whose strings (keys included) holds a lone
    UTF-16 surrogate: both formats let an escape such as "\\ud800" stand alone, and such a
    string is no text (no UTF-8 writer, polars or DuckDB among them, can store it)."""
    stack: list[tuple[object, str]] = [(doc, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            stack.extend((k, f"{where}/{str(k)[:40]} (key)") for k in node)
            stack.extend((v, f"{where}/{str(k)[:40]}") for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(node))
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ParseError(file, f"{where or '/'}: the text holds a lone UTF-16 surrogate "
                                       f"{node[exc.start]!r} (an escape that encodes no character)") from None


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
