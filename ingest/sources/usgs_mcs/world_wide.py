"""USGS MCS world production and reserves tables in their wide, per-edition layouts.

MCS2022: Source,Country,Type,Prod_t_2020,Prod_t_Est_2021
MCS2023/2024: ...,Prod_t_est_2022,Prod_notes,Reserves_t,Reserves_notes (+ empty columns)
MCS2025: SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,PROD_EST_ 2024,...,RESERVES_2024
Columns are recognised by the patterns in world_columns.csv; a column no
pattern knows refuses the file, so a changed layout is never half-read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ingest.errors import ParseError
from ingest.reference import normalize_key
from ingest.sources import folder_table, unit_code_for
from ingest.tidy import FigureRows

from .common import ReadContext, edition_year, fit_row, is_blank

DATASET = "world"
_ALSO_ESTIMATED = re.compile(r"production in (\d{4}) (?:is|was) also estimated", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    role: str
    measure: str | None = None  # production | capacity | reserves
    year: int | None = None
    is_estimate: bool = False


@cache
def _patterns() -> tuple[tuple[re.Pattern, str, str], ...]:
    return tuple((re.compile(r["pattern"]), r["role"], r["metric"]) for r in folder_table(__file__, "world_columns"))


@cache
def _types() -> dict[str, dict[str, str]]:
    return {normalize_key(r["type"]): r for r in folder_table(__file__, "world_types")}


def map_columns(header: list[str], file: str, line: int) -> list[Column]:
    columns = []
    for i, raw in enumerate(header):
        key = normalize_key(raw).replace(" ", "")
        for pattern, role, measure in _patterns():
            m = pattern.match(key)
            if m:
                groups = m.groupdict()
                year = int(groups["year"]) if groups.get("year") else None
                columns.append(Column(i, raw.strip(), role, measure or None, year, bool(groups.get("est"))))
                break
        else:
            raise ParseError(file, f"unknown column {raw!r}: no entry in usgs_world_columns.csv matches it", line=line, field=raw)
    roles = {c.role for c in columns}
    for needed in ("country", "type"):
        if needed not in roles:
            raise ParseError(file, f"no {needed!r} column in the header", line=line)
    if not any(c.role == "value" for c in columns):
        raise ParseError(file, "no production or reserves column in the header", line=line)
    return columns


def parse(header: list[str], records, ctx: ReadContext):
    header_line = 1
    columns = map_columns(header, ctx.file, header_line)
    by_role = {c.role: c for c in columns if c.role not in ("value", "note", "ignore")}
    values = [c for c in columns if c.role == "value"]
    notes = {c.measure: c for c in columns if c.role == "note"}
    out = FigureRows(ctx.source.id, DATASET, ctx.file, ctx.sha256)
    for line, fields in records:
        if is_blank(fields):
            continue
        fields = fit_row(fields, header, ctx.file, line)

        def get(role: str, fields: list[str] = fields) -> str | None:
            return fields[by_role[role].index] if role in by_role else None

        commodity = get("commodity")
        if commodity is not None and normalize_key(commodity) != "tungsten":
            continue
        vintage = ctx.row_edition(get("vintage"), line, by_role["vintage"].name if "vintage" in by_role else "Source")
        country = fields[by_role["country"].index].strip()
        if not country:
            raise ParseError(ctx.file, "empty country name", line=line, field=by_role["country"].name)
        type_text = fields[by_role["type"].index]
        kind = _types().get(normalize_key(type_text))
        if kind is None:
            raise ParseError(ctx.file, f"unknown Type {type_text.strip()!r}: add it to usgs_world_types.csv", line=line,
                             field=by_role["type"].name)
        unit_published = (get("unit") or "metric tons").strip() or "metric tons"
        unit_code = unit_code_for(ctx.source, unit_published)
        if unit_code is None:
            raise ParseError(ctx.file, f"unknown unit {unit_published!r}: add it to published_units.csv", line=line,
                             field=by_role.get("unit", Column(0, "UNIT_MEAS", "unit")).name)
        also_estimated = set()
        prod_note = fields[notes["production"].index] if "production" in notes else ""
        for m in _ALSO_ESTIMATED.finditer(prod_note):
            also_estimated.add(int(m.group(1)))
        for col in values:
            cell = fields[col.index]
            note_col = notes.get(col.measure)
            note = fields[note_col.index].strip() if note_col else ""
            parsed = ctx.figure(cell, line, col.name)
            if parsed is None:
                # USGS sometimes prints "NA" in the notes column beside an empty reserves cell.
                if note.upper() != "NA":
                    continue
                parsed = ctx.figure("NA", line, col.name)
                note = ""
            year = col.year if col.year is not None else edition_year(vintage) - 1
            metric = kind[f"{col.measure}_metric"]
            out.add(vintage=vintage, country=country, year=year, metric=metric, parsed=parsed, value_published=cell,
                    unit_published=unit_published, unit_code=unit_code, note=note, line=line, column=col.name,
                    is_estimate=col.is_estimate or (col.measure == "production" and year in also_estimated))
    if ctx.edition_seen is None:
        raise ParseError(ctx.file, "no tungsten rows in the file")
    return {DATASET: out.frame()}, ctx.edition_seen
