"""ITC Trade Map exports (the "Text" and the "Excel" download) -> tidy trade rows in US$.

Trade Map's "Text" download is tab-separated UTF-8 with a byte-order mark, names in
quotes, a trailing tab on every line, and one "Exported value in YYYY" (or "Imported value
in YYYY") column per year, in thousand US$. What a row is depends on the table: the first
column says Exporters, Importers, or Code + Product label, and with the flow of the value
columns that fixes the layout (layouts.csv): a row is a reporter (partner World), a partner
of the reporter, or a product of the reporter. ITC varies the value header (lower case, the
unit after the year: "exported value in 2009, US Dollar thousand"); the forms it takes are
value_headers.csv, and a unit a header names must be one of units.csv.

Names are ISO3 countries or areas: ITC's own areas ("European Union Nes", "Caribbean Nes",
"Area Nes" ...) from areas.csv (ITC's country list with its numeric codes, each mapped through
ingest/reference/trade_areas.csv to an area code of its own), then the names every source
shares. Two different names of one table read as one code are refused, naming both.

Its "Excel" download is not a workbook: it is an HTML document saved with an .xls name
(UTF-8 or UTF-16, often with a byte-order mark) holding a title, a line "Product: <code>
<label>", a line "Unit : US Dollar thousand" and a <table> of the same columns as the text
export. The format is told by the content, never by the name: text (after any byte-order
mark, which also says UTF-8 or UTF-16) that starts with `<` and holds `<html`, `<!doctype
html` or `<table` is HTML. Its table gives exactly the rows the text export of the same
table gives; its unit line must be one of units.csv (a table without one is in thousand US$,
as the text export is); source_line is the row's number in the table, its header row 1, as
the text export numbers its lines (an HTML error also names the line of the HTML).

Reporter and product come from the options `reporter` (ISO3) and `hs` (HS code or TOTAL),
which win; else from the file itself (an HTML file's Product line, and its title when that
names a known country); else from the file name (file_names.csv patterns, e.g.
"..._exported_by_China", "..._selected_product_(All_products)"). An empty cell is "no data"
and gives no row; 0 is a zero. A file with a header and no data rows, or rows with no value
at all, is refused (a load of nothing is a mistake, not an answer); so is a cell larger than
any real one (MAX_CELL), and anything else the reader does not know, with a message saying
what it expected; a file that is not a Trade Map export at all (gzip or zip archive, binary
workbook, an HTML page without the table) is named for what it is.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.provenance import sha256_bytes
from ingest.reference import normalize_key
from ingest.sources import Source, default_vintage_from_name
from ingest.tidy import ParsedFile
from ingest.trade import TOTAL_CUSTOMS, TOTAL_MOT, TOTAL_PARTNER2, TRADE_SCHEMA, finish, is_area_code

from .folder_tables import WHOLE_FILE, _expected, layouts, name_code, names_from_file, units, value_column
from .table_reader import MAX_CELL, _too_big, read_table

DATASET = "flows"
def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None, reporter: str | None = None,
              hs: str | None = None) -> ParsedFile:
    path = Path(path)
    file = path.name
    data = path.read_bytes() if data is None else data
    table = read_table(data, file)
    header = table.header
    layout, year_columns, header_unit = _layout(header, file)
    named = {k: (v, "the file name") for k, v in names_from_file(file).items()}
    named.update(table.named)
    reporter_iso3 = _whole_file("reporter", layout, reporter, named, file)
    hs_code = _whole_file("product", layout, hs, named, file)
    unit = _unit(table.unit, header_unit, file)
    to_usd = float(unit["to_usd"])
    out, seen, names = [], 0, {}
    for i, fields, where in table.rows:
        if not any(f.strip() for f in fields):
            continue
        seen += 1
        fields = [f.strip() for f in fields]
        for col, f in enumerate(fields):
            if len(f) > MAX_CELL or (i, col) in table.big:
                chars, at = table.big.get((i, col), (len(f), where))
                raise ParseError(file, _too_big(chars, at), line=i, field=header[col] if col < len(header) else None)
        if len(fields) < len(header):
            raise ParseError(file, f"the row has {len(fields)} fields, the header {len(header)}: cut short?{where}", line=i)
        if any(fields[len(header):]):
            raise ParseError(file, f"the row has values beyond the header's {len(header)} columns{where}", line=i)
        name = fields[0]
        _one_name_per_code(names, name, layout, i, file)
        for col, year in year_columns:
            cell = re.sub(r"[,\s]", "", fields[col])
            if cell == "":
                continue
            try:
                value = float(cell)
            except ValueError:
                raise ParseError(file, f"{fields[col]!r} is not a number ({unit['value_unit']}){where}", line=i,
                                 field=header[col]) from None
            out.append(_row(layout, name, fields, reporter_iso3, hs_code, year, value, i, unit["value_unit"], to_usd))
    if not seen:
        raise ParseError(file, "no data rows: " + ("the file has its header line and nothing else" if table.kind == "text"
                                                   else "the table has its header row and nothing else"))
    if not out:
        raise ParseError(file, f"no values: its {seen} rows have only empty value cells (Trade Map printed no figure)")
    frame = pl.DataFrame(out, schema={k: TRADE_SCHEMA[k] for k in out[0]}, orient="row")
    vintage = vintage or default_vintage_from_name(path)
    sha = sha256_bytes(data)
    tidy = finish(frame.with_columns(
        source_id=pl.lit(source.id), vintage=pl.lit(vintage), dataset=pl.lit(DATASET), source_file=pl.lit(file),
        source_sha256=pl.lit(sha)))
    kind = "itc trade map" if table.kind == "text" else "itc trade map html"
    return ParsedFile(source.id, vintage, file, sha, table.encoding, f"{kind} ({layout['row_role']} rows)", {DATASET: tidy})


# --- the table's meaning ------------------------------------------------------------------------

def _layout(header: list[str], file: str) -> tuple[dict[str, str], list[tuple[int, int]], str | None]:
    """(layout, [(column, year)], the unit the value headers name or None) of a header row; the
    value headers as ITC varies them (value_headers.csv), one flow and one unit for all."""
    second = header[1] if len(header) > 1 and value_column(header[1]) is None else ""
    start = 2 if second else 1
    years, prefixes, header_units = [], set(), set()
    for col in range(start, len(header)):
        m = value_column(header[col])
        if not m:
            raise ParseError(file, f"unexpected column {header[col]!r}: expected 'Exported value in YYYY' or "
                                   "'Imported value in YYYY' (values in thousand US$)", line=1, field=header[col])
        prefixes.add(f"{m[0]} value in")
        years.append((col, m[1]))
        header_units.add(m[2])
    if not years:
        raise ParseError(file, f"no value columns: expected {_expected()}", line=1)
    if len(prefixes) > 1:
        raise ParseError(file, "both exported and imported value columns in one table: expected one flow", line=1)
    named = {normalize_key(u): u for u in header_units if u}
    if len(named) > 1 or (named and None in header_units):
        raise ParseError(file, f"the value columns name different units ({', '.join(sorted(map(str, header_units)))}): "
                               "expected one for the table", line=1)
    key = (header[0], second, prefixes.pop())
    if key not in layouts():
        raise ParseError(file, f"unknown Trade Map table: first column(s) {' + '.join(c for c in key[:2] if c)!r} "
                               f"with '{key[2]} YYYY'; expected {_expected()}", line=1, field=header[0])
    return layouts()[key], years, next(iter(named.values()), None)


def _unit(table_unit: dict[str, str] | None, header_unit: str | None, file: str) -> dict[str, str]:
    """The table's value unit: its Unit line (HTML), else the one its value headers name, else
    thousand US$ (the text export's). A header unit that is not in units.csv, or that differs
    from the Unit line, is refused."""
    unit = table_unit
    if header_unit is not None:
        said = units().get(normalize_key(header_unit))
        if said is None:
            known = ", ".join(repr(u["unit"]) for u in units().values())
            raise ParseError(file, f"the unit {header_unit!r} of the value columns is not a value unit the reader knows: "
                                   f"expected {known} (units.csv)", line=1)
        if unit is not None and unit["unit"] != said["unit"]:
            raise ParseError(file, f"the value columns say {header_unit!r} but the Unit line says {unit['unit']!r}",
                             line=1)
        unit = said
    return unit or units()[normalize_key("US Dollar thousand")]


def _one_name_per_code(names: dict[str, str], name: str, layout: dict[str, str], line: int, file: str) -> None:
    """Two different names of one table read as the same country or area (two 'not elsewhere
    specified' areas taken for one) would merge two rows into one code: refused naming both."""
    if layout["row_role"] not in ("reporter", "partner"):
        return
    code = name_code(name)
    if code is None:
        return
    first = names.setdefault(code, name)
    if normalize_key(first) != normalize_key(name):
        raise ParseError(file, f"{name!r} and {first!r} are both read as {code}: two rows for one "
                               f"{'area' if is_area_code(code) else 'country'}", line=line, field=layout["first_column"])


# What the file name or an option must give when the rows do not: (option, how to read
# the file name's text, what the option looks like, what it is in words).


def _whole_file(kind: str, layout: dict[str, str], option: str | None, named: dict[str, tuple[str, str]],
                file: str) -> str | None:
    """The reporter or product of a whole file: None when each row names its own. The option
    wins, then what the file says of itself, then its name."""
    if layout["row_role"] == kind:
        return None
    flag, read, shape, what, known = WHOLE_FILE[kind]
    if option:
        return option.replace(".", "").upper()
    if kind in named:
        text, where = named[kind]
        code = read(text)
        if code is None:
            raise ParseError(file, f"the {kind} {text!r} in {where} is not {known}; give {flag} {shape}")
        return code
    raise ParseError(file, f"the file name does not say {what}; give {flag} {shape}")


def _row(layout, name, fields, reporter_iso3, hs_code, year, value, line, value_unit, to_usd) -> dict:
    role = layout["row_role"]
    reporter_name = name if role == "reporter" else None
    partner_name = name if role == "partner" else "World"
    rep = name_code(name) if role == "reporter" else reporter_iso3
    par = name_code(partner_name)
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
        "value_published": value, "value_unit": value_unit, "value_usd": value * to_usd,
        "source_line": line,
    }
