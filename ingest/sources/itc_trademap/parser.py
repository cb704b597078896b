"""ITC Trade Map text exports -> tidy trade rows in US$.

Trade Map's "Text" download is tab-separated UTF-8 with a byte-order mark, names in
quotes, a trailing tab on every line, and one "Exported value in YYYY" (or "Imported value
in YYYY") column per year, in thousand US$. What a row is depends on the table: the first
column says Exporters, Importers, or Code + Product label, and with the flow of the value
columns that fixes the layout (reference/itc_layouts.csv): a row is a reporter (partner
World), a partner of the reporter, or a product of the reporter.

Reporter and product come from the file name (reference/itc_file_names.csv patterns, e.g.
"..._exported_by_China", "..._selected_product_(All_products)") or from the options
`reporter` (ISO3) and `hs` (HS code or TOTAL), which win. An empty cell is "no data" and
gives no row; 0 is a zero. Anything else the reader does not know is refused with a
message saying what it expected.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.provenance import decode, sha256_bytes
from ingest.reference import normalize_key
from ingest.sources import Source, default_vintage_from_name, folder_table
from ingest.tidy import ParsedFile
from ingest.trade import TOTAL_CUSTOMS, TOTAL_MOT, TOTAL_PARTNER2, TRADE_SCHEMA, area_of_name, finish, is_area_code

DATASET = "flows"
VALUE_COLUMN = re.compile(r"^(Exported|Imported) value in (\d{4})$")
THOUSAND = 1000.0


@cache
def layouts() -> dict[tuple[str, str, str], dict[str, str]]:
    return {(r["first_column"], r["second_column"], r["value_prefix"]): r for r in folder_table(__file__, "layouts")}


@cache
def _products() -> dict[str, str]:
    return {normalize_key(r["label"]): r["hs_code"] for r in folder_table(__file__, "products")}


def _expected() -> str:
    kinds = sorted({" + ".join(c for c in k[:2] if c) + f" with '{k[2]} YYYY' columns" for k in layouts()})
    return "; ".join(kinds)


def names_from_file(file_name: str) -> dict[str, str]:
    """reporter / product as the file name gives them (underscores read as spaces)."""
    stem = Path(file_name).stem
    for r in folder_table(__file__, "file_names"):
        m = re.match(r["pattern"], stem)
        if m:
            return {k: v.replace("_", " ").strip() for k, v in m.groupdict().items() if v}
    return {}


def product_code(label: str) -> str | None:
    """'All products' -> TOTAL; '261100 Tungsten ores...' or '2611' -> the digits; else the label table."""
    m = re.match(r"^'?(\d{2,6})\b", label.strip())
    if m:
        return m.group(1)
    return _products().get(normalize_key(label))


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None, reporter: str | None = None,
              hs: str | None = None) -> ParsedFile:
    path = Path(path)
    file = path.name
    data = path.read_bytes() if data is None else data
    text, encoding = decode(data, file)
    first = text.split("\n", 1)[0]
    if "\t" not in first:
        raise ParseError(file, "not an ITC Trade Map text export: expected tab-separated columns "
                               f"({_expected()})", line=1)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    header = [h.strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    layout, year_columns = _layout(header, file)
    named = names_from_file(file)
    reporter_iso3 = _whole_file("reporter", layout, reporter, named, file)
    hs_code = _whole_file("product", layout, hs, named, file)
    out = []
    for i, fields in enumerate(rows[1:], start=2):
        if not any(f.strip() for f in fields):
            continue
        fields = [f.strip() for f in fields]
        if len(fields) < len(header):
            raise ParseError(file, f"the row has {len(fields)} fields, the header {len(header)}: cut short?", line=i)
        if any(fields[len(header):]):
            raise ParseError(file, f"the row has values beyond the header's {len(header)} columns", line=i)
        name = fields[0]
        for col, year in year_columns:
            cell = fields[col].replace(",", "")
            if cell == "":
                continue
            try:
                value = float(cell)
            except ValueError:
                raise ParseError(file, f"{fields[col]!r} is not a number (thousand US$)", line=i, field=header[col]) from None
            out.append(_row(layout, name, fields, reporter_iso3, hs_code, year, value, i))
    frame = pl.DataFrame(out, schema={k: TRADE_SCHEMA[k] for k in out[0]} if out else None, orient="row") if out else None
    vintage = vintage or default_vintage_from_name(path)
    sha = sha256_bytes(data)
    tidy = finish((frame if frame is not None else pl.DataFrame(schema=TRADE_SCHEMA)).with_columns(
        source_id=pl.lit(source.id), vintage=pl.lit(vintage), dataset=pl.lit(DATASET), source_file=pl.lit(file),
        source_sha256=pl.lit(sha)))
    return ParsedFile(source.id, vintage, file, sha, encoding, f"itc trade map ({layout['row_role']} rows)", {DATASET: tidy})


def _layout(header: list[str], file: str) -> tuple[dict[str, str], list[tuple[int, int]]]:
    second = header[1] if len(header) > 1 and not VALUE_COLUMN.match(header[1]) else ""
    start = 2 if second else 1
    years, prefixes = [], set()
    for col in range(start, len(header)):
        m = VALUE_COLUMN.match(header[col])
        if not m:
            raise ParseError(file, f"unexpected column {header[col]!r}: expected 'Exported value in YYYY' or "
                                   "'Imported value in YYYY' (values in thousand US$)", line=1, field=header[col])
        prefixes.add(f"{m.group(1)} value in")
        years.append((col, int(m.group(2))))
    if not years:
        raise ParseError(file, f"no value columns: expected {_expected()}", line=1)
    if len(prefixes) > 1:
        raise ParseError(file, "both exported and imported value columns in one table: expected one flow", line=1)
    key = (header[0], second, prefixes.pop())
    if key not in layouts():
        raise ParseError(file, f"unknown Trade Map table: first column(s) {' + '.join(c for c in key[:2] if c)!r} "
                               f"with '{key[2]} YYYY'; expected {_expected()}", line=1, field=header[0])
    return layouts()[key], years


# What the file name or an option must give when the rows do not: (option, how to read
# the file name's text, what the option looks like, what it is in words).
WHOLE_FILE = {
    "reporter": ("--reporter", area_of_name, "ISO3", "whose trade this is", "a known country"),
    "product": ("--hs", product_code, "CODE (an HS code, or TOTAL for all products)", "which product this is",
                "a known HS label"),
}


def _whole_file(kind: str, layout: dict[str, str], option: str | None, named: dict[str, str], file: str) -> str | None:
    """The reporter or product of a whole file: None when each row names its own."""
    if layout["row_role"] == kind:
        return None
    flag, read, shape, what, known = WHOLE_FILE[kind]
    if option:
        return option.replace(".", "").upper()
    if kind in named:
        code = read(named[kind])
        if code is None:
            raise ParseError(file, f"the {kind} {named[kind]!r} in the file name is not {known}; give {flag} {shape}")
        return code
    raise ParseError(file, f"the file name does not say {what}; give {flag} {shape}")


def _row(layout, name, fields, reporter_iso3, hs_code, year, value, line) -> dict:
    role = layout["row_role"]
    reporter_name = name if role == "reporter" else None
    partner_name = name if role == "partner" else "World"
    rep = area_of_name(name) if role == "reporter" else reporter_iso3
    par = area_of_name(partner_name)
    hs = (fields[0].lstrip("'").upper() if role == "product" else hs_code)
    return {
        "freq": "A", "year": year, "period": str(year), "classification": "HS",
        "reporter_code": reporter_name, "reporter_published": reporter_name, "reporter_iso3": rep,
        "reporter_is_area": rep is not None and is_area_code(rep),
        "partner_code": partner_name, "partner_published": partner_name, "partner_iso3": par,
        "partner_is_area": par is not None and is_area_code(par), "partner2_code": TOTAL_PARTNER2,
        "flow_code": layout["flow"], "flow": layout["flow"], "hs_code": hs,
        "hs_published": fields[1] if role == "product" else None,
        "customs_code": TOTAL_CUSTOMS, "mot_code": TOTAL_MOT,
        "value_published": value, "value_unit": "thousand US$", "value_usd": value * THOUSAND,
        "source_line": line,
    }
