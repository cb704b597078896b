"""BACI's yearly CSV text, block by block: the tungsten rows of each block with their file lines.

A year is about 11 million lines (400 MB) and only a few thousand are tungsten's, so each block
the inflater gives is scanned by polars where it lies (without the GIL) for the rows whose HS
code is wanted; only the line a block boundary cuts is copied and carried to the next block.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from ingest.errors import ParseError
from ingest.zip_member import MemberError

HEADER = ["t", "i", "j", "k", "v", "q"]
NEWLINE = b"\n"
QUOTE = b'"'


def stream_rows(read, file: str, prefix: str, codes: dict[str, str]) -> Iterator[pl.DataFrame]:
    """Text frames (line, t, i, j, k, v, q) of the tungsten rows of one BACI CSV, given its
    bytes block by block by read() (b"" at the end); the next block is read (inflated) in a
    second thread while this one is scanned. A block is scanned where it lies, from its first
    whole line to its last: only the line cut by a block boundary is copied."""
    def read_block() -> bytes:
        try:
            return read()
        except MemberError as exc:
            raise ParseError(file, str(exc)) from None
        except (zipfile.BadZipFile, EOFError, ValueError, RuntimeError) as exc:
            raise ParseError(file, f"{prefix}truncated or damaged ({exc})") from None
        except OSError as exc:
            if exc.errno is not None:
                raise  # the machine's error (a full or failing disk), not the file's
            raise ParseError(file, f"{prefix}truncated or damaged ({exc})") from None

    carry, line, header_done = b"", 1, False  # line: the file line of the next one to scan
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="baci-inflate") as pool:
        pending = pool.submit(read_block)
        while True:
            raw = pending.result()
            if not raw:  # the end: a last line without its line break
                if carry.strip():
                    if not header_done:
                        _check_header(carry, file, prefix)
                    else:
                        rows, _ = _block_rows(carry + NEWLINE, 0, line, file, prefix, codes)
                        if rows is not None:
                            yield rows
                elif not header_done:
                    raise ParseError(file, f"{prefix}the CSV is empty", line=1)
                break
            pending = pool.submit(read_block)
            first = raw.find(NEWLINE)
            if first < 0:  # no line ends in this block: it all continues the carried line
                carry += raw
                continue
            head = carry + raw[:first + 1]  # the line the block boundary cut (or the block's first)
            carry = raw[raw.rfind(NEWLINE) + 1:]
            if not header_done:
                _check_header(head, file, prefix)
                header_done, line = True, 2
            else:
                rows, n = _block_rows(head, 0, line, file, prefix, codes)
                if rows is not None:
                    yield rows
                line += n
            if first + 1 < len(raw) - len(carry):  # whole lines after the first
                rows, n = _block_rows(raw, 1, line, file, prefix, codes, tail=bool(carry))
                if rows is not None:
                    yield rows
                line += n


def _check_header(head: bytes, file: str, prefix: str) -> None:
    header = [h.strip().strip('"').lower() for h in head.decode("utf-8-sig", "replace").strip().split(",")]
    if header != HEADER:
        raise ParseError(file, f"{prefix}header {','.join(header)[:200]!r} is not BACI's t,i,j,k,v,q", line=1)


def _block_rows(buf: bytes, skip: int, line: int, file: str, prefix: str, codes: dict[str, str], *,
                tail: bool = False) -> tuple[pl.DataFrame | None, int]:
    """The tungsten rows (line, t, i, j, k, v, q as text) of buf's lines after its first `skip`,
    without its last line when `tail` (a line the block boundary cut), and how many lines were
    scanned; `line` is the file line of the first one. One CSV scan keeps the rows whose k is a
    tungsten code as CEPII writes it (six digits, as numbers are), while a second counts the
    lines (both by polars, without the GIL); a row of fewer than six fields among them is
    refused with its line."""
    def scan(k_type: pl.DataType, wanted: list) -> tuple[pl.DataFrame, int]:
        lines = pl.scan_csv(buf, has_header=False, new_columns=HEADER, quote_char='"', truncate_ragged_lines=False,
                            skip_rows=skip, schema={c: (k_type if c == "k" else pl.String) for c in HEADER})
        kept, count = pl.collect_all([lines.with_row_index("line").filter(pl.col("k").is_in(wanted)),
                                      lines.select(pl.len())])
        # a quote may hold a line break (a damaged file): then lines are counted as lines
        n = buf.count(NEWLINE) - skip if QUOTE in buf else count.item() - (1 if tail else 0)
        return kept.filter(pl.col("line") < n).with_columns(pl.col("k").cast(pl.String)), n

    try:
        try:  # k read as a number: the fast path (a number parses faster than text is copied)
            kept, n = scan(pl.Int64, [int(c) for c in codes])
        except pl.exceptions.ComputeError:  # a k that is no number somewhere in the block: read it as text
            kept, n = scan(pl.String, list(codes))
    except pl.exceptions.PolarsError as exc:
        last = line + buf.count(NEWLINE) - skip - 1
        raise ParseError(file, f"{prefix}malformed CSV in lines {line}-{last}: "
                               f"{str(exc).splitlines()[0][:200]}") from None
    if not kept.height:
        return None, n
    kept = kept.with_columns(pl.col("line").cast(pl.Int64) + line)
    short = kept.filter(pl.col("q").is_null())  # an empty q, or a line with fewer than six fields?
    if short.height:
        lines = buf.split(NEWLINE)
        for at in short["line"]:
            fields = lines[at - line + skip].count(b",") + 1
            if fields != 6:
                raise ParseError(file, f"{prefix}a line of {fields} fields; BACI's have six (t,i,j,k,v,q)", line=at)
    return kept, n
