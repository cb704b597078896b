"""UN Comtrade: API v1 JSON responses and CSV exports -> tidy trade rows.

Formats (column names in columns.csv beside this file, so another export's names are a
data edit): the API v1 / Comtrade+ layout with its 47 native columns (extra columns, such
as those a script appends, are ignored), and the legacy Comtrade CSV export. A JSON file is
the API envelope `{"count": n, "data": [...], "error": ""}`. Any of them may come gzipped
(Comtrade's bulk downloads are tab-separated `.txt.gz`); the separator is read off the header.

Reading rules:
- `refMonth` 52 / `freqCode` A is annual; monthly rows keep freq M and period YYYYMM;
- partner 0 (`W00`) is World (WLD); M49 codes go to ISO3 through pycountry plus
  reference/trade_areas.csv (Comtrade's 842, 251, 699 ... and the special areas, kept and
  flagged);
- `netWgt` is kg, `primaryValue` US$; flows M, X, RM, RX (legacy 1-4) from
  reference/trade_flows.csv.
A code the tables do not know is kept as published and the gate refuses it, naming the
line; a value cell holding text is refused here, naming line and column. Codes are stripped
of spaces; names and descriptions (kind `label`) are kept exactly as published.

CSV files are read in bounded chunks (CHUNK_ROWS rows) so a bulk file of tens of millions of
rows never sits in memory whole; lines are numbered as in the file (header = line 1). A line
whose read cells are all empty (a blank line, or a spreadsheet's trailing ",,,,") gives no
row. A file a user gives must hold data: a CSV of a header only, or an API response with no
records, is refused ("no data rows"; `fetch` does not load a response without records, see
warehouse.refresh.fetch_comtrade). A cell larger than any real one (MAX_CELL bytes) in a column the
warehouse reads, or a first line longer than HEAD bytes, is refused naming line and column.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import zlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import polars as pl

from ingest.chunks import FrameChunks
from ingest.errors import ParseError
from ingest.provenance import check_strings, sha256_bytes, sha256_file
from ingest.sources import Source, default_vintage_from_name, folder_table
from ingest.tidy import ParsedFile
from ingest.trade import (
    TOTAL_CUSTOMS,
    TOTAL_MOT,
    TOTAL_PARTNER2,
    TRADE_SCHEMA,
    finish,
    flow_codes,
    is_area_code,
    m49_codes,
)

DATASET = "flows"
CHUNK_ROWS = int(os.environ.get("TUNGSTEN_CHUNK_ROWS", "1000000"))
KINDS = {"int": pl.Int32, "float": pl.Float64}
READ_TYPES = {**KINDS, "bool": pl.Boolean}  # what the CSV reader types itself on the fast path
GZIP_MAGIC = b"\x1f\x8b"
HEAD = 65536  # bytes read to tell the format: the header line must fit (a real one is under 1 KiB)
# A real Comtrade cell is at most a few hundred bytes (the longest HS descriptions); this is
# Python's csv field limit, far above any of them: a larger cell is a damaged or hostile file.
MAX_CELL = 131_072
TRUE, FALSE = {"true", "1", "t", "yes"}, {"false", "0", "f", "no"}


@cache
def formats() -> dict[str, dict[str, tuple[str, str]]]:
    """format -> {column as published: (field, kind)} for the columns the warehouse reads."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for r in folder_table(__file__, "columns"):
        cols = out.setdefault(r["format"], {})
        if r["field"]:
            cols[r["column"]] = (r["field"], r["kind"])
    return out


@cache
def native_columns(fmt: str) -> tuple[str, ...]:
    return tuple(r["column"] for r in folder_table(__file__, "columns") if r["format"] == fmt)


def detect_format(header: list[str], file: str) -> str:
    """The format whose read columns are all in the header; else say what is missing."""
    names = set(header)
    best, best_missing = None, None
    for fmt, cols in formats().items():
        missing = [c for c in cols if c not in names]
        if not missing:
            return fmt
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = fmt, missing
    raise ParseError(file, f"not a UN Comtrade export: expected the {len(native_columns(best))} {best} columns "
                           f"({', '.join(native_columns(best)[:6])}, ...); missing {', '.join(best_missing[:8])}"
                           f"{' ...' if len(best_missing) > 8 else ''}", line=1)


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    """Parse a Comtrade CSV or API JSON file. Reads lazily: rows are produced chunk by chunk."""
    path = Path(path)
    file = path.name
    head = data[:HEAD] if data is not None else _head(path)
    whole = len(head) < HEAD  # the head is the whole file (its text, once decompressed)
    gzipped = head[:2] == GZIP_MAGIC  # Comtrade's bulk downloads come gzipped; polars reads them as they are
    if gzipped:
        head = _gunzip_head(head, file)
        whole = whole and len(head) < HEAD
    if not head.strip():
        raise ParseError(file, "the file is empty")
    if b"\x00" in head[:4096]:
        raise ParseError(file, "the file is binary (NUL bytes), not a Comtrade CSV or JSON file")
    sha = sha256_bytes(data) if data is not None else sha256_file(path)
    vintage = vintage or default_vintage_from_name(path)
    if head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"["):
        body = data if data is not None else path.read_bytes()
        raw = read_api_json(_gunzip(body, file) if gzipped else body, file)
        if raw.height == 0:
            raise ParseError(file, "no data rows: the API response has no records (`tungsten fetch` skips such an "
                                   "answer; a file of none is not loaded)")
        frame = tidy_chunk(raw, "api_v1", file, vintage, sha, source.id)
        chunks = FrameChunks(lambda: iter([frame]), TRADE_SCHEMA)
        return ParsedFile(source.id, vintage, file, sha, "utf-8", "comtrade api_v1 json", {DATASET: chunks})
    if b"\n" not in head and not whole:
        raise ParseError(file, f"the first line is longer than {HEAD // 1024} KiB: longer than any real Comtrade header "
                               "(a few hundred bytes); not a Comtrade CSV, or a damaged file", line=1)
    first, _, rest = head.partition(b"\n")
    header_line = first.decode("utf-8-sig", errors="replace").rstrip("\r")
    if "\r" in header_line:
        raise ParseError(file, "lines end with a bare carriage return (old Mac line endings), which no Comtrade "
                               "export uses; save the file with LF or CRLF line endings", line=1)
    sep = _separator(header_line)
    try:
        header = next(csv.reader([header_line], delimiter=sep))
    except csv.Error as exc:
        raise ParseError(file, f"malformed header line: {exc}", line=1) from None
    header = [h.strip() for h in header]
    fmt = detect_format(header, file)
    if whole and not rest.translate(None, b" \t\r\n,;\""):  # a larger file is counted as it is read
        raise ParseError(file, "no data rows: the file has its header line and nothing else")
    body: Path | bytes = data if data is not None else path

    def read() -> Iterator[pl.DataFrame]:
        rows = 0
        for raw in _csv_batches(body, sep, fmt, header, file):
            raw = _without_blank_lines(raw)
            if raw.height:
                rows += raw.height
                yield tidy_chunk(raw, fmt, file, vintage, sha, source.id)
        if not rows:
            raise ParseError(file, "no data rows: the file has its header line and nothing else"
                                   " (or only blank lines)")

    return ParsedFile(source.id, vintage, file, sha, "utf-8", f"comtrade {fmt} csv{' (gzip)' if gzipped else ''}",
                      {DATASET: FrameChunks(read, TRADE_SCHEMA)})


def _without_blank_lines(raw: pl.DataFrame) -> pl.DataFrame:
    """The rows with at least one read cell that is not empty (a blank line is no record)."""
    cells = [pl.col(c).is_null() | (pl.col(c).str.len_bytes() == 0) if t == pl.String else pl.col(c).is_null()
             for c, t in raw.schema.items() if c != "source_line"]
    blank = raw.select(pl.all_horizontal(cells).alias("blank"))["blank"]
    return raw.filter(~blank) if blank.any() else raw


def _gunzip_head(head: bytes, file: str) -> bytes:
    """The first 64 KiB of a gzipped file's text, from its first compressed bytes."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, HEAD)
    except zlib.error as exc:
        raise ParseError(file, f"a damaged gzip file: {exc}") from None


def _gunzip(body: bytes, file: str) -> bytes:
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise ParseError(file, f"a damaged or truncated gzip file: {exc}") from None


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(HEAD)


def _separator(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get)


def _csv_batches(source: Path | bytes, sep: str, fmt: str, header: list[str], file: str) -> Iterator[pl.DataFrame]:
    """Text chunks of the columns the warehouse keeps, numbers and true/false typed by the CSV
    reader itself (the fast path). At the first cell that reader cannot take (text in a value
    column, a padded number, 'yes'), the rest of the file is read as text, from the first row
    not yet given, and tidy_chunk accepts the cell or names it."""
    cols = {c: fk for c, fk in formats()[fmt].items() if fk[0] in TRADE_SCHEMA}
    typed = {c: READ_TYPES[k] for c, (_f, k) in cols.items() if k in READ_TYPES}
    floats = [f for _c, (f, k) in cols.items() if k == "float"]
    given = 0
    try:
        try:
            for batch in _scan(source, sep, header, cols, typed, skip=0).collect_batches(chunk_size=CHUNK_ROWS):
                if floats and batch.select(pl.any_horizontal([pl.col(f).is_infinite().any() for f in floats])).item():
                    raise _ReadAsText  # a number too large for a float: what its cell was, the text read says
                given += batch.height
                yield batch
            return
        except (pl.exceptions.ComputeError, _ReadAsText):
            pass  # read on as text from row `given`
        yield from _scan(source, sep, header, cols, {}, skip=given).collect_batches(chunk_size=CHUNK_ROWS)
    except pl.exceptions.PolarsError as exc:
        raise ParseError(file, f"malformed CSV: {str(exc).splitlines()[0]}") from exc
    except OSError as exc:  # a gzipped file cut short
        raise ParseError(file, f"unreadable after row {given}: {exc} (a damaged or truncated file?)") from exc


class _ReadAsText(Exception):
    """The typed read met a cell it should not take as it is: read on as text."""


def _scan(source: Path | bytes, sep: str, header: list[str], cols: dict[str, tuple[str, str]],
          typed: dict[str, pl.DataType], skip: int) -> pl.LazyFrame:
    lf = pl.scan_csv(
        source if isinstance(source, bytes) else str(source),
        separator=sep, infer_schema=False, schema_overrides=typed, encoding="utf8-lossy",
        row_index_name="source_line", row_index_offset=2 + skip, skip_rows_after_header=skip,
        new_columns=header,  # the names as published, stripped (a rename function would defeat column pushdown)
        truncate_ragged_lines=False,
    )
    return lf.select(["source_line", *cols]).rename({c: f for c, (f, _k) in cols.items()})


def read_api_json(data: bytes, file: str) -> pl.DataFrame:
    """The `data` rows of an API v1 envelope as a text frame; source_line is the record's position."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(file, f"not valid JSON (truncated or damaged?): {exc}") from exc
    except RecursionError:
        raise ParseError(file, "not valid JSON: nested too deep to read") from None
    check_strings(doc, file)
    if isinstance(doc, dict):
        if doc.get("error"):
            raise ParseError(file, f"the Comtrade API returned an error: {doc['error']}")
        if "data" not in doc:
            raise ParseError(file, f"a JSON object without the API's 'data' list (keys: {', '.join(list(doc)[:8])})")
        rows = doc["data"]
    else:
        rows = doc
    if not isinstance(rows, list) or any(not isinstance(r, dict) for r in rows):
        raise ParseError(file, "'data' must be a list of records (objects)")
    cols = formats()["api_v1"]
    if not rows:
        return pl.DataFrame(schema={"source_line": pl.Int64, **{f: pl.String for f, _k in cols.values()}})
    missing = sorted({c for c in cols if c not in rows[0]})
    if missing:
        raise ParseError(file, f"API records lack the fields {', '.join(missing)}", line=1)
    text = {f: [None if r.get(c) is None else str(r.get(c)) for r in rows] for c, (f, _k) in cols.items()}
    return pl.DataFrame({"source_line": list(range(1, len(rows) + 1)), **text},
                        schema={"source_line": pl.Int64, **{f: pl.String for f, _k in cols.values()}})


def _typed(field: str, kind: str) -> pl.Expr | None:
    """A number or true/false text cell read as its type (null where it is neither); None for other kinds."""
    text = pl.col(field).str.strip_chars()
    if kind in KINDS:
        return text.cast(KINDS[kind], strict=False)
    if kind == "bool":
        low = text.str.to_lowercase()
        return pl.when(low.is_in(TRUE)).then(True).when(low.is_in(FALSE)).then(False)
    return None


def _cell_checks(fmt: str) -> dict[str, tuple[pl.Expr, str]]:
    """field -> (expression true where that field's cell is bad, what it should be) for the
    number and true/false columns of a format."""
    checks = {}
    for field, kind in ((f, k) for f, k in formats()[fmt].values()):
        typed = _typed(field, kind)
        if typed is not None:
            text = pl.col(field).str.strip_chars()
            bad = text.is_not_null() & (text != "") & typed.is_null()
            checks[field] = (bad, "is not a number" if kind in KINDS else "is not true/false")
    return checks


def check_cells(raw: pl.DataFrame, fmt: str, file: str) -> None:
    """Refuse a chunk with a number or true/false cell that is neither, naming the first one's
    line and column as published. One pass counts bad cells in every column (usually none)."""
    checks = {f: c for f, c in _cell_checks(fmt).items() if raw.schema.get(f) == pl.String}
    if not checks:
        return
    counts = raw.select([bad.sum().alias(f) for f, (bad, _what) in checks.items()]).row(0, named=True)
    labels = {f: c for c, (f, _k) in formats()[fmt].items()}
    for field, n in counts.items():
        if n:
            bad, what = checks[field]
            first = raw.filter(bad).row(0, named=True)
            raise ParseError(file, f"{first[field]!r} {what} ({n} such cell(s) in this column)",
                             line=int(first["source_line"]), field=labels[field])


def check_sizes(raw: pl.DataFrame, fmt: str, file: str) -> None:
    """Refuse a chunk with a text cell larger than any real one (MAX_CELL bytes), naming the
    first such cell's line and column as published, not its text."""
    texts = [c for c, t in raw.schema.items() if t == pl.String]
    if not texts:
        return
    longest = raw.select([pl.col(c).str.len_bytes().max().alias(c) for c in texts]).row(0, named=True)
    over = [c for c in texts if (longest[c] or 0) > MAX_CELL]
    if not over:
        return
    labels = {f: c for c, (f, _k) in formats()[fmt].items()}
    hits = [raw.filter(pl.col(c).str.len_bytes() > MAX_CELL).select("source_line", pl.col(c).str.len_bytes()).row(0) + (c,)
            for c in over]
    line, size, field = min(hits)
    raise ParseError(file, f"a cell of {size:,} bytes: larger than any real Comtrade cell (a few hundred bytes at most; "
                           f"the reader takes up to {MAX_CELL:,}), a damaged or hostile file", line=int(line),
                     field=labels.get(field, field))


def tidy_chunk(raw: pl.DataFrame, fmt: str, file: str, vintage: str, sha: str, source_id: str) -> pl.DataFrame:
    """Text rows of one chunk (canonical field names) -> tidy trade rows, in one polars plan."""
    check_sizes(raw, fmt, file)
    check_cells(raw, fmt, file)
    kinds = {f: k for f, k in formats()[fmt].values()}

    def value(col: str) -> pl.Expr:
        if raw.schema[col] != pl.String:  # source_line, and cells the CSV reader typed
            return pl.col(col)
        kind = kinds.get(col, "text")
        typed = _typed(col, kind)
        if typed is not None:
            return typed
        if kind == "label":  # a name or description: kept as published
            return pl.col(col)
        return pl.col(col).str.strip_chars()  # a code: stripped

    # step 1: every cell read once (stripped, typed); an empty text cell (quoted "", or only
    # blanks) is null, set only in the columns that have one (the CSV reader already reads an
    # unquoted empty cell as null, and rewriting every text column costs a third of the chunk);
    # step 2: the derived columns
    f = raw.select([value(c).alias(c) for c in raw.columns if c in TRADE_SCHEMA or c in ("freq", "period", "year")])
    texts = [c for c, t in f.schema.items() if t == pl.String]
    if texts:
        empty = f.select([(pl.col(c).str.len_bytes() == 0).any().alias(c) for c in texts]).row(0, named=True)
        f = f.with_columns([pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in texts if empty[c]])
    has = set(f.columns)

    def col(name: str) -> pl.Expr | None:
        return pl.col(name) if name in has else None

    def m49(name: str) -> pl.Expr | None:
        """'036' and '36' are the same M49 code."""
        if name not in has:
            return None
        stripped = pl.col(name).str.strip_chars_start("0")
        return pl.when(pl.col(name).is_null()).then(None).when(stripped == "").then(pl.lit("0")).otherwise(stripped)

    codes = m49_codes()
    areas = {m49_code: is_area_code(code) for m49_code, code in codes.items()}
    derived = {
        "period": pl.coalesce(col("period"), pl.col("year").cast(pl.String)),
        "hs_code": pl.col("hs_code").str.replace_all(".", "", literal=True),
        "partner2_code": pl.coalesce(m49("partner2_code"), pl.lit(TOTAL_PARTNER2)),
        "customs_code": pl.coalesce(col("customs_code"), pl.lit(TOTAL_CUSTOMS)),
        "mot_code": pl.coalesce(col("mot_code"), pl.lit(TOTAL_MOT)),
        "flow": pl.col("flow_code").replace_strict(flow_codes(), default=None, return_dtype=pl.String),
        "reporter_code": m49("reporter_code"), "partner_code": m49("partner_code"),
    }
    if "freq" not in has:  # legacy exports: the period's length says annual or monthly
        derived["freq"] = pl.when(pl.col("period").str.len_chars() == 6).then(pl.lit("M")).otherwise(pl.lit("A"))
    f = f.with_columns(**derived)
    f = f.with_columns(
        **{f"{side}_iso3": pl.col(f"{side}_code").replace_strict(codes, default=None, return_dtype=pl.String)
           for side in ("reporter", "partner")},
        **{f"{side}_is_area": pl.col(f"{side}_code").replace_strict(areas, default=None, return_dtype=pl.Boolean)
           for side in ("reporter", "partner")},
        value_published=pl.col("value_usd"),
        source_id=pl.lit(source_id), vintage=pl.lit(vintage), dataset=pl.lit(DATASET),
        value_unit=pl.lit("US$"), source_file=pl.lit(file), source_sha256=pl.lit(sha),
    )
    return finish(f)

