"""An ITC Trade Map download read into a Table, whichever it is: the "Text" export (tab-separated,
UTF-8 or UTF-16 with a byte-order mark) or the "Excel" download (an HTML table named .xls);
bytes that are plainly something else (gzip, zip, a binary workbook, PDF) are named for what
they are. What the rows mean is the parser's business (parser.py)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ingest.errors import ParseError
from ingest.provenance import decode
from ingest.reference import normalize_key

from .folder_tables import WHOLE_FILE, _expected, _names, layouts, units

# Python's csv field limit: Trade Map's longest cells (product labels) are a few hundred
# characters, so a cell this large is a damaged or hostile file, refused whatever the
# process-wide csv limit is.
MAX_CELL = 131_072
MAX_COLUMNS = 1000  # cells in one HTML row, colspan expanded (a Trade Map table has a few dozen columns)
# An HTML export's tags and the length of one tag, far above a real one's (a product list at
# HS 6 digits has some 5,000 rows of a few dozen cells; a tag is under a hundred characters):
# Python's HTML parser reads a few hundred thousand tags a second, so a hostile file is refused
# before it is read, not after minutes.
MAX_TAGS = 2_000_000
MAX_TAG = 65_536
NOT_AN_EXPORT = "not an ITC Trade Map export"
# Magic numbers of files that are plainly something else: (prefix, what it is, what to do).
MAGIC = (
    (b"\x1f\x8b", "a gzip archive", "decompress it first"),
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook or a zipped download)",
     "give Trade Map's own Text or Excel download, or save the sheet as tab-separated text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a binary Excel workbook (Trade Map's .xls re-saved by Excel)",
     "give Trade Map's own download, or save the sheet as tab-separated text"),
    (b"%PDF", "a PDF document", "give Trade Map's Text or Excel download"),
)
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
HTML_START = re.compile(r"<(?:html|table|!doctype\s+html)\b", re.IGNORECASE)
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
PRODUCT_LINE = re.compile(r"^Product\s*:\s*(.*)$", re.IGNORECASE)
UNIT_LINE = re.compile(r"^Unit\s*:\s*(.*)$", re.IGNORECASE)


@dataclass
class Table:
    """A Trade Map table as read from either download: the header, the data rows as
    (line, fields, where), and what an HTML file says of itself."""

    kind: str  # text | html
    encoding: str
    header: list[str]
    rows: list[tuple[int, list[str], str]]
    named: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind -> (text, where it was read)
    unit: dict[str, str] | None = None
    big: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)  # (line, col) -> (chars, where)


def _too_big(chars: int, where: str = "", *, more: bool = False) -> str:
    size = f"more than {MAX_CELL:,}" if more else f"{chars:,}"
    return (f"a cell of {size} characters: larger than any real Trade Map cell (a few hundred at most; "
            f"the reader takes up to {MAX_CELL:,}), a damaged or hostile file{where}")


# --- what the bytes are -------------------------------------------------------------------------

def read_table(data: bytes, file: str) -> Table:
    """The file's table, whichever download it is; a file that is plainly something else is
    named for what it is."""
    for magic, what, todo in MAGIC:
        if data.startswith(magic):
            raise ParseError(file, f"{what}, {NOT_AN_EXPORT}: {todo}")
    text, encoding = _decode(data, file)
    text = text.lstrip("\ufeff")  # a byte-order mark (or two, when a UTF-16 writer added its own)
    lead = text.lstrip(" \t\r\n")
    if lead.startswith("<"):
        if HTML_START.search(text, 0, 65536):
            return _html_table(text, encoding, file)
        raise ParseError(file, f"an XML or other markup file, {NOT_AN_EXPORT}: expected Trade Map's Text download "
                               "(tab-separated) or its Excel download (an HTML table)", line=1)
    return _text_table(text, encoding, file)


def _decode(data: bytes, file: str) -> tuple[str, str]:
    """Bytes -> (text, encoding): a byte-order mark decides; UTF-16 without one is told by its
    zero bytes; an HTML file's <meta charset>; else UTF-8, then cp1252 (ingest.provenance)."""
    if not data.strip():
        raise ParseError(file, "the file is empty")
    encoding, skip = None, 0
    for bom, enc in BOMS:
        if data.startswith(bom):
            encoding, skip = enc, len(bom)
            break
    if encoding is None:
        head = data[:512]
        if len(head) >= 8 and head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
            encoding = "utf-16-le"
        elif len(head) >= 8 and head[0::2].count(0) > len(head) // 4 and head[1::2].count(0) == 0:
            encoding = "utf-16-be"
    if encoding is None and data.lstrip()[:1] == b"<":
        m = META_CHARSET.search(data[:4096])
        if m:
            try:
                name = codecs.lookup(m.group(1).decode("ascii")).name
            except (LookupError, UnicodeDecodeError):
                name = None
            if name and not name.startswith("utf-16") and name not in ("utf-8", "utf-8-sig"):
                encoding = name
    if encoding in (None, "utf-8"):
        return decode(data, file)  # UTF-8 (BOM or not), else cp1252; NUL bytes refused as binary
    try:
        text = data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(file, f"cannot decode as {encoding} at byte {exc.start + skip}") from None
    return text, encoding


# --- the text export ----------------------------------------------------------------------------

def _text_table(text: str, encoding: str, file: str) -> Table:
    first = text.split("\n", 1)[0]
    if "\t" not in first:
        raise ParseError(file, "not an ITC Trade Map text export: expected tab-separated columns "
                               f"({_expected()})", line=1)
    records = _text_records(text, file)
    header = [h.strip() for h in records[0][1]]
    for col, h in enumerate(header):
        if len(h) > MAX_CELL:
            raise ParseError(file, _too_big(len(h)), line=1, field=f"column {col + 1}")
    while header and header[-1] == "":
        header.pop()
    return Table("text", encoding, header, [(line, fields, "") for line, fields in records[1:]])


def _text_records(text: str, file: str) -> list[tuple[int, list[str]]]:
    """(first line, fields) of each tab-separated record; csv's own errors (a cell over its
    field limit, an unclosed quote running on) as ParseErrors naming the line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    out, start = [], 1
    try:
        for fields in reader:
            if not out or any(f.strip() for f in fields):  # blank lines give no row
                out.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        ran = f" (a quoted cell from line {start} runs on to line {reader.line_num}: an unclosed quote?)" \
            if reader.line_num > start else ""
        if "field larger than field limit" in str(exc):
            raise ParseError(file, _too_big(0, ran, more=True), line=start) from None
        raise ParseError(file, f"malformed text export: {exc}{ran}", line=start) from None
    return out


# --- the "Excel" download: an HTML table --------------------------------------------------------

class _Row:
    """One <tr> (or a line of text outside table cells: table None) and where it is."""

    __slots__ = ("big", "cells", "index", "line", "table")

    def __init__(self, table: int | None, index: int, line: int):
        self.table = table
        self.index = index  # its number among its table's rows, from 1
        self.line = line  # the HTML line it starts on
        self.cells: list[str] = [""] if table is None else []
        self.big: dict[int, int] | None = None  # col -> characters, for cells over MAX_CELL

    def is_blank(self) -> bool:
        return not self.big and not any(c.strip() for c in self.cells)


class _Rows(HTMLParser):
    """Every non-blank <tr> of an HTML document as a row of cell texts (colspan expanded, <br>
    and block elements kept as line breaks), with its table and its number in that table; the
    text outside table cells as one-cell rows. Cells and rows left open, as browsers allow,
    are closed by the next one. A cell's text beyond MAX_CELL is counted, not kept."""

    BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "title", "caption", "section", "header", "footer"}

    def __init__(self, file: str) -> None:
        super().__init__(convert_charrefs=True)
        self.file = file
        self.rows: list[_Row] = []
        self.tables = 0
        self.stack: list[dict] = []  # open tables: id, rows so far, open row, open cell
        self.skip = 0  # inside <script> or <style>
        self.loose = _Row(None, 0, 1)

    def _keep(self, row: _Row) -> None:
        if not row.is_blank():
            self.rows.append(row)

    def _add(self, row: _Row, col: int, text: str) -> None:
        if row.big and col in row.big:
            row.big[col] += len(text)
        elif len(row.cells[col]) + len(text) > MAX_CELL:
            row.big = {**(row.big or {}), col: len(row.cells[col]) + len(text)}
            row.cells[col] = ""
        else:
            row.cells[col] += text

    def _line_break(self) -> None:
        t = self.stack[-1] if self.stack else None
        if t is not None and t["cell"] is not None:
            self._add(t["row"], t["cell"], "\n")
        elif t is None or t["row"] is None:
            self._keep(self.loose)
            self.loose = _Row(None, 0, self.getpos()[0])

    def _close_row(self, t: dict) -> None:
        t["cell"] = None
        if t["row"] is not None:
            self._keep(t["row"])
            t["row"] = None

    def _open_row(self, t: dict) -> None:
        self._close_row(t)
        t["n"] += 1
        t["row"] = _Row(t["id"], t["n"], self.getpos()[0])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
            return
        t = self.stack[-1] if self.stack else None
        if tag == "table":
            self._line_break()
            self.tables += 1
            self.stack.append({"id": self.tables, "n": 0, "row": None, "cell": None})
        elif tag == "tr" and t is not None:
            self._open_row(t)
        elif tag in ("td", "th") and t is not None:
            if t["row"] is None:
                self._open_row(t)
            cells = t["row"].cells
            span = next((v for k, v in attrs if k == "colspan"), None) or "1"
            span = max(1, int(span)) if span.strip().isdigit() else 1
            if len(cells) + span > MAX_COLUMNS:
                raise ParseError(self.file, f"a table row of more than {MAX_COLUMNS:,} cells (HTML line {self.getpos()[0]}): "
                                            "larger than any real Trade Map table, a damaged or hostile file")
            t["cell"] = len(cells)
            cells += [""] * span
        elif tag in self.BLOCK:
            self._line_break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("script", "style"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
            return
        t = self.stack[-1] if self.stack else None
        if tag in ("td", "th") and t is not None:
            t["cell"] = None
        elif tag == "tr" and t is not None:
            self._close_row(t)
        elif tag == "table" and t is not None:
            self._close_row(t)
            self.stack.pop()
            self._line_break()
        elif tag in self.BLOCK:
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        t = self.stack[-1] if self.stack else None
        if t is not None and t["cell"] is not None:
            self._add(t["row"], t["cell"], data)
        elif data.strip():  # outside any cell (in a table too: a caption, stray text)
            self._add(self.loose, 0, data)
        elif self.loose.cells[0] and not self.loose.cells[0].endswith(" "):  # blanks between tags: one space
            self._add(self.loose, 0, " ")

    def close(self) -> None:
        super().close()
        while self.stack:
            self._close_row(self.stack.pop())
        self._keep(self.loose)


def _clean(cell: str) -> str:
    """A cell as a browser shows it: runs of blanks (line breaks, &nbsp;) as one space."""
    return " ".join(cell.split())


def _check_markup(text: str, file: str) -> None:
    """Refuse HTML no real export is: more than MAX_TAGS tags, or a tag over MAX_TAG characters."""
    tags = text.count("<")
    if tags > MAX_TAGS:
        raise ParseError(file, f"an HTML file of {tags:,} tags: more than any real Trade Map export (some hundred "
                               f"thousand at most; the reader takes up to {MAX_TAGS:,}), a damaged or hostile file")
    at = 0
    for part in text.split(">"):
        start = part.rfind("<")
        if start >= 0 and len(part) - start > MAX_TAG:
            line = text.count("\n", 0, at + start) + 1
            raise ParseError(file, f"a tag of {len(part) - start:,} characters at line {line} of the HTML: larger than any "
                                   f"real Trade Map tag (the reader takes up to {MAX_TAG:,}), a damaged or hostile file")
        at += len(part) + 1


def _html_table(text: str, encoding: str, file: str) -> Table:
    _check_markup(text, file)
    parser = _Rows(file)
    parser.feed(text)
    parser.close()
    firsts = {k[0] for k in layouts()}
    at = next((n for n, r in enumerate(parser.rows) if r.table is not None and _clean(r.cells[0]) in firsts), None)
    if at is None:
        tables = [r for r in parser.rows if r.table is not None]
        found = (f"its {parser.tables} table(s) hold no such row (the first row {', '.join(repr(_clean(c)) for c in tables[0].cells[:6])})"
                 if tables else "it has no table")
        raise ParseError(file, f"an HTML page without a Trade Map table: expected a table whose header row is "
                               f"{_expected()}; {found}")
    head = parser.rows[at]
    if head.big:
        raise ParseError(file, _too_big(max(head.big.values()), f" (HTML line {head.line})"), line=1)
    header = [_clean(c) for c in head.cells]
    while header and header[-1] == "":
        header.pop()
    said, title, unit = {}, {}, None
    for line in _lines_before(parser.rows[:at], file):
        if m := PRODUCT_LINE.match(line):
            said["product"] = (m.group(1).strip(), "the file's Product line")
        elif m := UNIT_LINE.match(line):
            label = m.group(1).strip()
            unit = units().get(normalize_key(label))
            if unit is None:
                known = ", ".join(repr(u["unit"]) for u in units().values())
                raise ParseError(file, f"the unit {label!r} of the file's Unit line is not a value unit the reader knows: "
                                       f"expected {known} (units.csv)")
        else:  # a title: "List of importing markets for a product exported by China", as a file name says it
            names = _names(re.sub(r"\s+", "_", line if line.startswith("Trade Map") else f"Trade Map - {line}"))
            for kind, text in names.items():
                read = WHOLE_FILE[kind][1]
                if kind not in title and read(text) is not None:
                    title[kind] = (text, "the file's title")
    rows, big = [], {}
    for r in parser.rows[at + 1:]:
        if r.table != head.table:
            continue
        number = r.index - head.index + 1  # the header row is 1, as the text export's header line
        where = f" (HTML line {r.line})"
        rows.append((number, [_clean(c) for c in r.cells], where))
        big.update({(number, col): (chars, where) for col, chars in (r.big or {}).items()})
    return Table("html", encoding, header, rows, {**title, **said}, unit, big)


def _lines_before(rows: list[_Row], file: str) -> list[str]:
    """The text lines above the table's header row (title, Product, Unit): each cell's lines."""
    out = []
    for r in rows:
        if r.big:
            raise ParseError(file, _too_big(max(r.big.values()), f" (HTML line {r.line}, above the table)"))
        for cell in r.cells:
            out += [c for c in (_clean(part) for part in cell.split("\n")) if c]
    return out


