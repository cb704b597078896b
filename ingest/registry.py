"""Which parser reads which source, and the raw table each (source, dataset) lands in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from ingest import curated, icmm
from ingest.bgs import parse_bgs
from ingest.tidy import TIDY_SCHEMA, ParsedFile
from ingest.usgs import parse_usgs

PARSERS: dict[str, Callable[..., ParsedFile]] = {
    "usgs": parse_usgs,
    "bgs": parse_bgs,
    "claims": curated.parse_claims,
    "projects": curated.parse_projects,
    "icmm": icmm.parse_icmm,
}

# CLI source name -> source_id of the rows its parser emits.
SOURCE_IDS: dict[str, str] = {"usgs": "usgs_mcs", "bgs": "bgs_wms", "claims": curated.SOURCE_ID,
                               "projects": curated.SOURCE_ID, "icmm": icmm.SOURCE_ID}

# (source_id, dataset) -> raw table name; one raw table, one Dagster asset, one GX suite each.
RAW_TABLES: dict[tuple[str, str], str] = {
    ("usgs_mcs", "world"): "usgs_mcs_world",
    ("usgs_mcs", "salient"): "usgs_mcs_salient",
    ("bgs_wms", "production"): "bgs_wms_production",
    ("icmm_gmd", "icmm_sites"): "icmm_sites",
    **{(curated.SOURCE_ID, t): t for t in curated.table_schemas()},
}

# raw table -> the columns of the frames loaded into it
TABLE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    **{t: TIDY_SCHEMA for t in ("usgs_mcs_world", "usgs_mcs_salient", "bgs_wms_production")},
    "icmm_sites": icmm.SCHEMA,
    **curated.table_schemas(),
}


def raw_table(source_id: str, dataset: str) -> str:
    try:
        return RAW_TABLES[(source_id, dataset)]
    except KeyError:
        raise KeyError(f"no raw table for source {source_id!r}, dataset {dataset!r}") from None


def dataset_of(table: str) -> tuple[str, str]:
    """(source_id, dataset) of a raw table."""
    for key, name in RAW_TABLES.items():
        if name == table:
            return key
    raise KeyError(f"unknown raw table {table!r}")


def parse_file(source: str, path: str | Path, *, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    if source not in PARSERS:
        raise KeyError(f"unknown source {source!r}; known: {sorted(PARSERS)}")
    return PARSERS[source](path, vintage=vintage, data=data)
