"""The curated market files, keyed by date: price assessments and observations, China's mining
quotas and dated policy measures (data/curated/price_assessments.csv, prices.csv,
china_quotas.csv, policy_events.csv; formats in data/curated/README.md).

The parsers refuse what is structurally wrong (missing columns, a number or date that is not
one, a price naming an assessment that price_assessments.csv beside it does not define),
naming the file, line and field. Rules on content (sources known, figures standing on their
quotes, vocabularies, date order) are the GX suites' job, so a refusal goes through the same
gate as every other load.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.provenance import decode, sha256_bytes
from ingest.sources import Source
from ingest.sources.curated.csv_records import records
from ingest.tidy import ParsedFile
from ingest.values import shown

LINE_PROVENANCE = {"source_id_file": pl.String, "vintage": pl.String, "source_file": pl.String,
                   "source_sha256": pl.String, "source_line": pl.Int32}
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class CsvSpec:
    """One curated CSV: its columns in order (as the header must give them), which are numbers,
    integers or dates, which may not be blank, and the columns the parser derives."""
    columns: tuple[str, ...]
    required: frozenset[str]
    floats: frozenset[str] = frozenset()
    ints: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    derived: dict[str, pl.DataType] = field(default_factory=dict)

    def schema(self) -> dict[str, pl.DataType]:
        own = {c: pl.Float64 if c in self.floats else pl.Int32 if c in self.ints else pl.String for c in self.columns}
        return {**own, **self.derived, **LINE_PROVENANCE}


PRICE_ASSESSMENTS = CsvSpec(
    ("assessment_id", "product_family", "description", "market", "currency", "unit", "wo3_grade_pct", "assessed_by"),
    frozenset({"assessment_id", "product_family", "description", "market", "currency", "unit", "assessed_by"}),
    floats=frozenset({"wo3_grade_pct"}))
PRICES = CsvSpec(
    ("observation_id", "assessment_id", "period_start", "period_end", "price_low", "price_high", "price_kind",
     "date_published", "publisher_named", "source_id", "location", "quote", "as_published", "note"),
    frozenset({"observation_id", "assessment_id", "period_start", "period_end", "price_low", "price_high", "price_kind",
               "date_published", "source_id", "quote", "as_published"}),
    floats=frozenset({"price_low", "price_high"}), dates=frozenset({"period_start", "period_end", "date_published"}),
    derived={"currency": pl.String, "unit": pl.String, "period_start_date": pl.String, "period_end_date": pl.String})
CHINA_QUOTAS = CsvSpec(
    ("quota_id", "year", "batch", "province", "quota_t", "basis", "issuing_body", "date_issued", "date_published",
     "source_id", "location", "quote", "as_published", "note"),
    frozenset({"quota_id", "year", "batch", "quota_t", "basis", "date_published", "source_id", "quote", "as_published"}),
    floats=frozenset({"quota_t"}), ints=frozenset({"year"}), dates=frozenset({"date_issued", "date_published"}))
POLICY_EVENTS = CsvSpec(
    ("event_id", "date_announced", "date_effective", "date_ended", "jurisdiction", "measure_type", "title",
     "description", "rate_pct", "amount", "amount_unit", "hs_codes", "national_codes", "countries_affected",
     "source_id", "location", "quote", "as_published", "note"),
    frozenset({"event_id", "jurisdiction", "measure_type", "title", "source_id", "quote"}),
    floats=frozenset({"rate_pct", "amount"}), dates=frozenset({"date_announced", "date_effective", "date_ended"}))

SPECS = {"price_assessments": PRICE_ASSESSMENTS, "prices": PRICES, "china_quotas": CHINA_QUOTAS,
         "policy_events": POLICY_EVENTS}


def market_schemas() -> dict[str, dict[str, pl.DataType]]:
    """Raw table -> schema of each curated market table."""
    return {name: spec.schema() for name, spec in SPECS.items()}


def period_bounds(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date as published covers: 2025-03 -> 1 to 31 March 2025;
    ValueError when it is no date (2025-02-30, 2025-13)."""
    m = PARTIAL_DATE.match(text)
    if not m:
        raise ValueError(text)
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if day is not None:
        d = dt.date(year, int(month), int(day))
        return d, d
    if month is not None:
        last = calendar.monthrange(year, int(month))[1] if 1 <= int(month) <= 12 else 0
        return dt.date(year, int(month), 1), dt.date(year, int(month), last)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _typed(spec: CsvSpec, col: str, text: str | None, file: str, line: int):
    if text is None:
        return None
    if col in spec.floats or col in spec.ints:
        try:
            x = float(text.replace(",", ""))
        except ValueError:
            raise ParseError(file, f"{shown(text)} is not a number", line=line, field=col) from None
        if not math.isfinite(x):
            raise ParseError(file, f"{shown(text)} is not a finite number", line=line, field=col)
        if col in spec.ints:
            if not x.is_integer() or not 1000 <= x <= 2999:
                raise ParseError(file, f"{shown(text)} is not a year", line=line, field=col)
            return int(x)
        return x
    if col in spec.dates:
        try:
            period_bounds(text)
        except ValueError:
            raise ParseError(file, f"{shown(text)} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", line=line,
                             field=col) from None
    return text


def read_rows(spec: CsvSpec, text: str, file: str) -> list[dict]:
    """The rows of a curated CSV as typed dicts with their line; blank cells are None."""
    rows = []
    for line, row in records(text, file, spec.columns, others_refused=True):
        lacking = [c for c in spec.columns if c in spec.required and row[c] is None]
        if lacking:
            raise ParseError(file, f"{lacking[0]} is blank", line=line, field=lacking[0])
        rows.append({**{c: _typed(spec, c, row[c], file, line) for c in spec.columns}, "source_line": line})
    return rows


def _parsed(name: str, rows: list[dict], path: Path, data: bytes, encoding: str, source: Source,
            vintage: str | None) -> ParsedFile:
    sha = sha256_bytes(data)
    version = vintage or "sha256:" + sha[:12]
    for row in rows:
        row.update(source_id_file=source.id, vintage=version, source_file=path.name, source_sha256=sha)
    frame = pl.DataFrame(rows, schema=SPECS[name].schema(), orient="row")
    return ParsedFile(source.id, version, path.name, sha, encoding, f"curated_{name}_csv", {name: frame})


def _read(path: str | Path, data: bytes | None) -> tuple[Path, bytes, str, str]:
    path = Path(path)
    data = path.read_bytes() if data is None else data
    text, encoding = decode(data, path.name)
    return path, data, text, encoding


def parse_price_assessments(path: str | Path, *, source: Source, vintage: str | None = None,
                            data: bytes | None = None) -> ParsedFile:
    path, data, text, encoding = _read(path, data)
    return _parsed("price_assessments", read_rows(PRICE_ASSESSMENTS, text, path.name), path, data, encoding, source, vintage)


def assessments_beside(path: Path) -> dict[str, dict]:
    """The assessments defined in price_assessments.csv in the prices file's folder (a price
    is read in its assessment's currency and unit)."""
    beside = path.parent / "price_assessments.csv"
    if not beside.is_file():
        raise ParseError(path.name, "price_assessments.csv, which defines the assessments the prices name, is not "
                                    "beside it")
    text, _ = decode(beside.read_bytes(), beside.name)
    return {r["assessment_id"]: r for r in read_rows(PRICE_ASSESSMENTS, text, beside.name)}


def parse_prices(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    path, data, text, encoding = _read(path, data)
    assessments = assessments_beside(path)
    rows = read_rows(PRICES, text, path.name)
    for row in rows:
        a = assessments.get(row["assessment_id"])
        if a is None:
            raise ParseError(path.name, f"assessment_id {shown(row['assessment_id'])} is not defined in "
                                        "price_assessments.csv", line=row["source_line"], field="assessment_id")
        row["currency"], row["unit"] = a["currency"], a["unit"]
        row["period_start_date"] = period_bounds(row["period_start"])[0].isoformat()
        row["period_end_date"] = period_bounds(row["period_end"])[1].isoformat()
    return _parsed("prices", rows, path, data, encoding, source, vintage)


def parse_china_quotas(path: str | Path, *, source: Source, vintage: str | None = None,
                       data: bytes | None = None) -> ParsedFile:
    path, data, text, encoding = _read(path, data)
    return _parsed("china_quotas", read_rows(CHINA_QUOTAS, text, path.name), path, data, encoding, source, vintage)


def parse_policy_events(path: str | Path, *, source: Source, vintage: str | None = None,
                        data: bytes | None = None) -> ParsedFile:
    path, data, text, encoding = _read(path, data)
    return _parsed("policy_events", read_rows(POLICY_EVENTS, text, path.name), path, data, encoding, source, vintage)
