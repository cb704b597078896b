"""Which parser reads which source, and the raw table each (source, dataset) lands in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from ingest import cmr, comtrade, curated, icmm, itc
from ingest.bgs import parse_bgs
from ingest.tidy import TIDY_SCHEMA, ParsedFile
from ingest.trade import TRADE_SCHEMA
from ingest.usgs import parse_usgs

PARSERS: dict[str, Callable[..., ParsedFile]] = {
    "usgs": parse_usgs,
    "bgs": parse_bgs,
    "claims": curated.parse_claims,
    "projects": curated.parse_projects,
    "icmm": icmm.parse_icmm,
    "comtrade": comtrade.parse_comtrade,
    "itc": itc.parse_itc,
    "cmr": cmr.parse_cmr,
}

# Options a parser takes beyond the file (`tungsten ingest itc FILE --reporter CHN --hs 2611`).
PARSER_OPTIONS: dict[str, tuple[str, ...]] = {"itc": ("reporter", "hs")}

# CLI source name -> source_id of the rows its parser emits.
SOURCE_IDS: dict[str, str] = {"usgs": "usgs_mcs", "bgs": "bgs_wms", "claims": curated.SOURCE_ID,
                               "projects": curated.SOURCE_ID, "icmm": icmm.SOURCE_ID, "comtrade": comtrade.SOURCE_ID,
                               "itc": itc.SOURCE_ID, "cmr": cmr.SOURCE_ID}

TRADE_TABLES = {"comtrade_flows": comtrade.SOURCE_ID, "itc_trade_flows": itc.SOURCE_ID, "cmr_trade_flows": cmr.SOURCE_ID}

# (source_id, dataset) -> raw table name; one raw table, one Dagster asset, one GX suite each.
RAW_TABLES: dict[tuple[str, str], str] = {
    ("usgs_mcs", "world"): "usgs_mcs_world",
    ("usgs_mcs", "salient"): "usgs_mcs_salient",
    ("bgs_wms", "production"): "bgs_wms_production",
    ("icmm_gmd", "icmm_sites"): "icmm_sites",
    **{(source_id, "flows"): t for t, source_id in TRADE_TABLES.items()},
    **{(curated.SOURCE_ID, t): t for t in curated.table_schemas()},
}

# raw table -> the columns of the frames loaded into it
TABLE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    **{t: TIDY_SCHEMA for t in ("usgs_mcs_world", "usgs_mcs_salient", "bgs_wms_production")},
    "icmm_sites": icmm.SCHEMA,
    **{t: TRADE_SCHEMA for t in TRADE_TABLES},
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


def parse_file(source: str, path: str | Path, *, vintage: str | None = None, data: bytes | None = None,
               **options: str | None) -> ParsedFile:
    if source not in PARSERS:
        raise KeyError(f"unknown source {source!r}; known: {sorted(PARSERS)}")
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(PARSER_OPTIONS.get(source, ())))
    if unknown:
        raise ValueError(f"--{', --'.join(unknown)} do(es) not apply to {source} files")
    return PARSERS[source](path, vintage=vintage, data=data, **given)
