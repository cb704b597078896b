"""USGS MCS US salient statistics, wide layout (MCS2022-MCS2025): one row per year.

USGS's own column names are garbled in some editions ("USprod_Minet", "NIR_ct"); every
spelling seen is mapped in salient_columns.csv with its metric and unit.
"""

from __future__ import annotations

from functools import cache

from ingest.errors import ParseError
from ingest.reference import normalize_key
from ingest.sources import folder_table
from ingest.tidy import FigureRows
from ingest.values import shown

from .common import ReadContext, fit_row, is_blank

DATASET = "salient"
UNIT_PUBLISHED = {"t_w": "metric tons", "usd_per_mtu_wo3": "dollars per dry metric ton unit", "pct": "percent"}


@cache
def _columns() -> dict[str, dict[str, str]]:
    return {r["column"]: r for r in folder_table(__file__, "salient_columns")}


def parse(header: list[str], records, ctx: ReadContext):
    mapped = []
    for i, raw in enumerate(header):
        key = normalize_key(raw).replace(" ", "")
        if key == "":
            continue
        spec = _columns().get(key)
        if spec is None:
            raise ParseError(ctx.file, f"unknown column {raw!r}: no entry in usgs_salient_columns.csv", line=1, field=raw)
        mapped.append((i, raw.strip(), spec))
    idx = {spec["metric"]: i for i, _, spec in mapped if spec["metric"].startswith("_")}
    for needed in ("_vintage", "_commodity", "_year"):
        if needed not in idx:
            raise ParseError(ctx.file, f"no {needed[1:]!r} column in the header", line=1)
    out = FigureRows(ctx.source.id, DATASET, ctx.file, ctx.sha256)
    for line, fields in records:
        if is_blank(fields):
            continue
        fields = fit_row(fields, header, ctx.file, line)
        if normalize_key(fields[idx["_commodity"]]) != "tungsten":
            continue
        vintage = ctx.row_edition(fields[idx["_vintage"]], line, header[idx["_vintage"]])
        year_text = fields[idx["_year"]].strip()
        if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
            raise ParseError(ctx.file, f"year {shown(year_text)} is not a year", line=line, field=header[idx["_year"]])
        for i, name, spec in mapped:
            if spec["metric"].startswith("_"):
                continue
            parsed = ctx.figure(fields[i], line, name)
            if parsed is None:
                continue
            out.add(vintage=vintage, country="United States", year=int(year_text), metric=spec["metric"], parsed=parsed,
                    value_published=fields[i], unit_published=UNIT_PUBLISHED[spec["unit_code"]],
                    unit_code=spec["unit_code"], note=None, line=line, column=name)
    if ctx.edition_seen is None:
        raise ParseError(ctx.file, "no tungsten rows in the file")
    return {DATASET: out.frame()}, ctx.edition_seen
