"""BGS World Mineral Statistics, tungsten mine production, as the OGC API / WFS export gives it.

One feature per (country, year): country_trans, country_iso3_code, year
("1971-01-01 00:00:00"), quantity, quantity_in_book_style ("-----" for nil), units
("tonnes (metal content)"), data_precision_description, concat_figure_notes_text
("Estimates."...). Read from CSV or from the GeoJSON FeatureCollection of the same API.
BGS publishes no world total; marts sum the countries.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path

from ingest.errors import ParseError
from ingest.provenance import check_strings, csv_records, decode, sha256_bytes
from ingest.reference import normalize_key
from ingest.sources import Source, unit_code_for
from ingest.tidy import FigureRows, ParsedFile
from ingest.values import ParsedValue, ambiguous_thousands, parse_cell, shown

DATASET = "production"
REQUIRED = ["country_trans", "country_iso3_code", "year", "quantity", "units", "bgs_statistic_type_trans",
            "bgs_commodity_trans"]
PRECISION_QUALIFIERS = {
    "nil (nothing produced)": "zero",
    "quantity is more than 0 but less than 0.5": "not_significant",
}


# BGS writes the year as a date ("1971-01-01 00:00:00" in CSV) or a number (GeoJSON); five digits are neither
YEAR = re.compile(r"^(?P<year>\d{4})(-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?)?$", re.ASCII)


@cache
def _metrics(source: Source) -> dict[tuple[str, str], str]:
    return {(normalize_key(r["statistic_type"]), normalize_key(r["commodity"])): r["metric"] for r in source.table("statistics")}


def _records(data: bytes, file: str):
    """(line or feature number, dict) for each record, CSV or GeoJSON."""
    text, encoding = decode(data, file)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(file, f"invalid JSON: {exc.msg}", line=exc.lineno) from exc
        except RecursionError:
            raise ParseError(file, "invalid JSON: nested too deep to read") from None
        check_strings(doc, file)
        features = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(features, list):
            raise ParseError(file, "JSON without a 'features' list: not a BGS OGC API FeatureCollection")
        out = []
        for i, f in enumerate(features):
            props = f.get("properties") if isinstance(f, dict) else None
            if not isinstance(props, dict | None):
                raise ParseError(file, f"feature {i + 1} has no 'properties' object", line=i + 1)
            out.append((i + 1, props or {}))
        return encoding, "bgs_geojson", out
    records = list(csv_records(text, file))
    if not records:
        raise ParseError(file, "no header line")
    header_line, header = records[0]
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ParseError(file, f"missing columns {missing}; expected the BGS World Mineral Statistics export "
                         f"(country_trans, country_iso3_code, year, quantity, units, ...)", line=header_line)
    rows = []
    for line, fields in records[1:]:
        if not any(f.strip() for f in fields):
            continue
        if [f.strip() for f in fields] == header:
            raise ParseError(file, f"the header line again (first at line {header_line}): two exports joined? "
                                   "Give each file on its own", line=line)
        if len(fields) != len(header):
            raise ParseError(file, f"{len(fields)} fields but the header has {len(header)}", line=line)
        rows.append((line, dict(zip(header, fields, strict=True))))
    return encoding, "bgs_csv", rows


# The latest year of a BGS release covers most producing countries; a latest year of at most
# STRAY_ROWS rows, fewer than this share of the countries of the year before, is a stray row
# or two, not a new edition (a sample or a partial export of a few countries still loads).
MIN_LATEST_YEAR_SHARE = 0.25
STRAY_ROWS = 2


def _edition(parsed_rows: list[tuple], file: str) -> str:
    """BGS<latest year>, refused when that year is in the future or when only a stray row or
    two make it (one row dated 2099 must not turn the file into edition BGS2099)."""
    this_year = dt.date.today().year
    future = [(line, year) for line, _r, _m, year, *_ in parsed_rows if year > this_year]
    if future:
        line, year = future[0]
        raise ParseError(file, f"a row is dated {year}, after this year ({this_year}): BGS publishes past years only",
                         line=line, field="year")
    by_year: dict[int, list[int]] = {}
    for line, _r, _m, year, *_ in parsed_rows:
        by_year.setdefault(year, []).append(line)
    years = sorted(by_year)
    latest = years[-1]
    if len(years) > 1 and len(by_year[latest]) <= STRAY_ROWS \
            and len(by_year[latest]) < MIN_LATEST_YEAR_SHARE * len(by_year[years[-2]]):
        lines = ", ".join(str(n) for n in by_year[latest][:5])
        raise ParseError(file, f"only {len(by_year[latest])} row(s) for {latest} (line {lines}) against "
                         f"{len(by_year[years[-2]])} for {years[-2]}: a stray row would make a new edition BGS{latest}; "
                         "pass --vintage if the release really ends there", line=by_year[latest][0], field="year")
    return f"BGS{latest}"


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    path = Path(path)
    data = path.read_bytes() if data is None else data
    file = path.name
    encoding, fmt, records = _records(data, file)
    sha = sha256_bytes(data)
    out = FigureRows(source.id, DATASET, file, sha)
    parsed_rows = []
    for line, rec in records:
        missing = [c for c in REQUIRED if c not in rec]
        if missing:
            raise ParseError(file, f"missing properties {missing}", line=line)
        metric = _metrics(source).get((normalize_key(str(rec["bgs_statistic_type_trans"])), normalize_key(str(rec["bgs_commodity_trans"]))))
        if metric is None:
            continue  # another BGS statistic or commodity in the same export
        year_match = YEAR.match(str(rec["year"]).strip())
        if not year_match:
            raise ParseError(file, f"year {shown(str(rec['year']))} is not a date (YYYY or YYYY-MM-DD)", line=line,
                             field="year")
        year_text = year_match["year"]
        unit_published = str(rec["units"]).strip()
        unit_code = unit_code_for(source, unit_published)
        if unit_code is None:
            raise ParseError(file, f"unknown unit {unit_published!r}: add it to the source's units.csv", line=line, field="units")
        raw_quantity = "" if rec["quantity"] is None else str(rec["quantity"])
        try:
            parsed = parse_cell(raw_quantity)
        except ValueError as exc:
            raise ParseError(file, str(exc), line=line, field="quantity") from exc
        precision = normalize_key(str(rec.get("data_precision_description") or ""))
        if precision in PRECISION_QUALIFIERS:
            parsed = ParsedValue(parsed.value if parsed else 0.0, PRECISION_QUALIFIERS[precision])
        if parsed is None:
            parsed = ParsedValue(None, "not_available")
        notes = str(rec.get("concat_figure_notes_text") or "").replace("|", " ")
        country = str(rec["country_trans"]).strip()
        iso3 = str(rec["country_iso3_code"] or "").strip()
        parsed_rows.append((line, rec, metric, int(year_text), unit_published, unit_code, raw_quantity, parsed, notes, country, iso3))
    if not parsed_rows:
        raise ParseError(file, "no tungsten mine production rows in the file")
    if (doubt := ambiguous_thousands([(r[0], r[6]) for r in parsed_rows])) is not None:
        raise ParseError(file, f"quantity {doubt[1]!r} could be {doubt[1].replace('.', ',')} (a dot between thousands) "
                               f"or {float(doubt[1]):g} (a decimal mark), in a file that prints its other figures "
                               "plainly: refused rather than guessed", line=doubt[0], field="quantity")
    vintage = vintage or _edition(parsed_rows, file)
    for line, _rec, metric, year, unit_published, unit_code, raw_quantity, parsed, notes, country, iso3 in parsed_rows:
        out.add(vintage=vintage, country=country, year=year, metric=metric, parsed=parsed,
                value_published=raw_quantity, unit_published=unit_published, unit_code=unit_code, note=notes,
                line=line, column="quantity", is_estimate="estimate" in notes.lower())
        if iso3:
            # BGS gives its own ISO3: it must agree with the name. A name that resolves to no country
            # cannot be checked against it, so it is refused too (never guessed from the code alone).
            row = out.rows[-1]
            if row["country_iso3"] is None and not row["is_aggregate"]:
                raise ParseError(file, f"unknown country name {country!r} (the file says {iso3}): if it is that country, "
                                 "add the name to ingest/reference/country_aliases.csv", line=line, field="country_trans")
            if row["country_iso3"] != iso3:
                raise ParseError(file, f"country {country!r} resolves to {row['country_iso3']} but the file says {iso3}",
                                 line=line, field="country_iso3_code")
    return ParsedFile(source.id, vintage, file, sha, encoding, fmt, {DATASET: out.frame()})
