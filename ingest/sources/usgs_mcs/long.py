"""USGS MCS2026 long format: one row per figure, every commodity and section in one file.

Columns: MCS chapter, Section, Commodity, Country, Statistics, Statistics_detail, Unit,
Year, Value, Notes, Is critical mineral 2025, Other notes. cp1252, "W" withheld, "—" zero,
"NA", thousands separators, ">4,700,000". Tungsten rows are those of the TUNGSTEN chapter;
(Section, Statistics_detail) pairs map to datasets and metrics via
long_statistics.csv, and an unmapped pair refuses the file.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from ingest.errors import ParseError
from ingest.reference import normalize_key
from ingest.sources import folder_table, unit_code_for
from ingest.tidy import FigureRows
from ingest.values import shown

from .common import ReadContext, fit_row, is_blank

REQUIRED = ["mcs chapter", "section", "country", "statistics_detail", "unit", "year", "value", "notes"]
_CRITICAL = re.compile(r"^is critical mineral (\d{4})$")
_PERIOD = re.compile(r"^(?P<start>\d{4})\s*[-–—]\s*(?P<end>\d{2}|\d{4})$", re.ASCII)


@cache
def _statistics() -> dict[tuple[str, str], dict[str, str]]:
    return {(normalize_key(r["section"]), normalize_key(r["statistics_detail"])): r for r in folder_table(__file__, "long_statistics")}


def _year(text: str, ctx: ReadContext, line: int) -> tuple[int, str]:
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) == 4:
        return int(text), text
    m = _PERIOD.match(text)
    if m:
        start, end = m["start"], m["end"]
        end_year = int(end) if len(end) == 4 else int(start[:2] + end)
        return end_year, f"{start}-{end_year}"
    raise ParseError(ctx.file, f"year {shown(text)} is neither a year nor a period like 2021–24", line=line, field="Year")


def parse(header: list[str], records, ctx: ReadContext):
    idx = {normalize_key(h): i for i, h in enumerate(header)}
    missing = [c for c in REQUIRED if c not in idx]
    if missing:
        raise ParseError(ctx.file, f"missing columns {missing} of the MCS2026 long format", line=1)
    vintage = ctx.vintage(None, 1, "MCS chapter")
    frames = {}
    rows = {}
    unknown = set()
    critical = _critical_column(header)
    for line, fields in records:
        if is_blank(fields):
            continue
        fields = fit_row(fields, header, ctx.file, line)
        if normalize_key(fields[idx["mcs chapter"]]) != "tungsten":
            continue
        section, detail = fields[idx["section"]], fields[idx["statistics_detail"]]
        spec = _statistics().get((normalize_key(section), normalize_key(detail)))
        if spec is None:
            unknown.add((section, detail, line))
            continue
        if critical and "critical" not in rows:
            rows["critical"] = _critical_flag(fields, critical, vintage, ctx, line)
        dataset = spec["dataset"]
        out = rows.setdefault(dataset, FigureRows(ctx.source.id, dataset, ctx.file, ctx.sha256))
        unit_published = fields[idx["unit"]].strip()
        unit_code = unit_code_for(ctx.source, unit_published)
        if unit_code is None:
            raise ParseError(ctx.file, f"unknown unit {unit_published!r}: add it to published_units.csv", line=line, field="Unit")
        year, period = _year(fields[idx["year"]], ctx, line)
        notes = fields[idx["notes"]].strip()
        parsed = ctx.figure(fields[idx["value"]], line, "Value")
        if parsed is None:
            continue
        country = fields[idx["country"]].strip()
        if not country:
            raise ParseError(ctx.file, "empty country name", line=line, field="Country")
        out.add(vintage=vintage, country=country, year=year, metric=spec["metric"], parsed=parsed,
                value_published=fields[idx["value"]], unit_published=unit_published, unit_code=unit_code,
                note=notes, line=line, column="Value", is_estimate=notes.lower().startswith("estimated"),
                period=period)
    if unknown:
        first = sorted(unknown, key=lambda u: u[2])[:5]
        listed = "; ".join(f"line {ln}: {s!r} / {d!r}" for s, d, ln in first)
        raise ParseError(ctx.file, f"{len(unknown)} tungsten rows with a Section/Statistics_detail not in "
                         f"usgs_long_statistics.csv, e.g. {listed}")
    if not rows:
        raise ParseError(ctx.file, "no TUNGSTEN rows in the file")
    flag = rows.pop("critical", None)
    for dataset, out in rows.items():
        frames[dataset] = out.frame()
    if flag is not None and "salient" in frames:
        frames["salient"] = pl.concat([frames["salient"], flag.frame()])
    return frames, vintage


def _critical_column(header: list[str]) -> tuple[int, int] | None:
    """(index, year) of the 'Is critical mineral YYYY' column, which MCS2026 added."""
    for i, h in enumerate(header):
        m = _CRITICAL.match(normalize_key(h))
        if m:
            return i, int(m.group(1))
    return None


def _critical_flag(fields: list[str], critical: tuple[int, int], vintage: str, ctx: ReadContext, line: int) -> FigureRows:
    """USGS's own critical-mineral flag for tungsten (the column's Yes/No on the chapter's first
    row), as the salient figure us_critical_mineral_listed (1 yes, 0 no) for the column's year."""
    col, year = critical
    text = fields[col].strip()
    if text.lower() not in ("yes", "no"):
        raise ParseError(ctx.file, f"critical-mineral flag {shown(text)} is neither Yes nor No", line=line,
                         field=f"Is critical mineral {year}")
    out = FigureRows(ctx.source.id, "salient", ctx.file, ctx.sha256)
    out.add(vintage=vintage, country="United States", year=year, metric="us_critical_mineral_listed",
            parsed=ctx.figure("1" if text.lower() == "yes" else "0", line, f"Is critical mineral {year}"),
            value_published=text, unit_published="yes/no", unit_code="flag", note=None, line=line,
            column=f"Is critical mineral {year}")
    return out
