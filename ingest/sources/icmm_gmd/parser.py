"""ICMM Global Mining Dataset (xlsx, CC BY 4.0): the sites that mention tungsten.

Sheet "External", one row per site: ICMMID, Confidence Factor, Mine Name, Group Names,
Latitude, Longitude, Asset Type, Country, Primary/Secondary/Other Commodities. A site is
kept when a commodity column, or its name or group names, mentions tungsten (or wolfram,
scheelite): ICMM lists some known tungsten mines (Mount Pleasant Tungsten Mine, Beralt Tin
and Wolfram) under other commodities only. `tungsten_mentioned_in` says which. Read with
fastexcel.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.countries import resolve
from ingest.errors import ParseError
from ingest.families import SITES_SCHEMA as SCHEMA
from ingest.provenance import sha256_bytes
from ingest.sources import Source
from ingest.tidy import ParsedFile

DATASET = "sites"
SHEET = "External"
COLUMNS = {
    "ICMMID": "icmm_id", "Confidence Factor": "icmm_confidence", "Mine Name": "site_name", "Group Names": "group_names",
    "Latitude": "latitude", "Longitude": "longitude", "Asset Type": "asset_type", "Country": "country_published",
    "Primary Commodity": "primary_commodity", "Secondary Commodity": "secondary_commodity",
    "Other Commodities": "other_commodities",
}
TUNGSTEN_WORDS = ("tungsten", "wolfram", "scheelite")


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    import fastexcel

    path = Path(path)
    data = path.read_bytes() if data is None else data
    sha = sha256_bytes(data)
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:
        raise ParseError(path.name, f"not a readable xlsx workbook: {exc}") from exc
    if SHEET not in reader.sheet_names:
        raise ParseError(path.name, f"no sheet {SHEET!r} (sheets: {reader.sheet_names}); expected the ICMM Global Mining Dataset")
    try:
        raw = reader.load_sheet_by_name(SHEET, dtypes="string").to_polars()
    except Exception as exc:  # fastexcel's errors (a damaged zip member, XML, cell) and arrow's
        raise ParseError(path.name, f"sheet {SHEET!r} is not readable: {str(exc)[:300]}") from exc
    names = [c.strip() for c in raw.columns]
    twice = sorted({c for c in names if c in COLUMNS and names.count(c) > 1})
    if twice:
        raise ParseError(path.name, f"sheet {SHEET!r} has columns {twice} more than once", line=1)
    raw = raw.rename({c: c.strip() for c in raw.columns if c.strip() in COLUMNS})
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ParseError(path.name, f"sheet {SHEET!r} lacks columns {missing}", line=1)
    df = raw.select(list(COLUMNS)).rename(COLUMNS).with_row_index("source_line", offset=2)
    commodities = pl.concat_str(["primary_commodity", "secondary_commodity", "other_commodities"], separator=";",
                                ignore_nulls=True).str.to_lowercase()
    names = pl.concat_str(["site_name", "group_names"], separator=";", ignore_nulls=True).str.to_lowercase()
    pattern = "|".join(TUNGSTEN_WORDS)
    df = df.with_columns(
        pl.when(commodities.str.contains(pattern)).then(pl.lit("commodities"))
        .when(names.str.contains(pattern)).then(pl.lit("name"))
        .otherwise(None).alias("tungsten_mentioned_in")
    ).filter(pl.col("tungsten_mentioned_in").is_not_null())
    bad = df.filter(pl.col("latitude").is_not_null() & pl.col("latitude").cast(pl.Float64, strict=False).is_null())
    if bad.height:
        raise ParseError(path.name, f"latitude {bad['latitude'][0]!r} is not a number", line=int(bad["source_line"][0]), field="Latitude")
    df = df.with_columns(
        pl.col("latitude").cast(pl.Float64, strict=False),
        pl.col("longitude").cast(pl.Float64, strict=False),
        pl.col("country_published").map_elements(lambda n: resolve(n).iso3, return_dtype=pl.String).alias("country_iso3"),
        pl.lit(source.id).alias("source_id"),
        pl.lit(vintage or "2025-09-V1").alias("vintage"),
        pl.lit(path.name).alias("source_file"),
        pl.lit(sha).alias("source_sha256"),
        pl.col("source_line").cast(pl.Int32),
    ).select(list(SCHEMA))
    if df.height == 0:
        raise ParseError(path.name, "no site mentions tungsten")
    return ParsedFile(source.id, vintage or "2025-09-V1", path.name, sha, "xlsx", "icmm_xlsx", {DATASET: df})
