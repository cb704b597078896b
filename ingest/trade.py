"""The tidy trade schema every trade parser emits: one row per published flow.

A row is (reporter, partner, flow, HS code, period) with the value in US$ and the net
weight in kg, beside what the publisher printed (codes, names, the value as published and
its unit) and where it came from (file, sha256, line). Reporters and partners are ISO 3166
alpha-3 codes; the areas that are not countries (World, the EU, "Other Asia, nes", bunkers,
free zones) keep a code of their own from reference/trade_areas.csv, in ISO 3166's
user-assigned X range (WLD for World), and are flagged `*_is_area`, never mapped to a
country silently.
"""

from __future__ import annotations

from functools import cache

import polars as pl
import pycountry

from ingest.countries import resolve
from ingest.reference import normalize_key, table

TRADE_SCHEMA: dict[str, pl.DataType] = {
    "source_id": pl.String,
    "vintage": pl.String,
    "dataset": pl.String,
    "freq": pl.String,
    "year": pl.Int32,
    "period": pl.String,
    "classification": pl.String,
    "reporter_code": pl.String,
    "reporter_published": pl.String,
    "reporter_iso3": pl.String,
    "reporter_is_area": pl.Boolean,
    "partner_code": pl.String,
    "partner_published": pl.String,
    "partner_iso3": pl.String,
    "partner_is_area": pl.Boolean,
    "partner2_code": pl.String,
    "flow_code": pl.String,
    "flow": pl.String,
    "hs_code": pl.String,
    "hs_published": pl.String,
    "customs_code": pl.String,
    "mot_code": pl.String,
    "value_published": pl.Float64,
    "value_unit": pl.String,
    "value_usd": pl.Float64,
    "cif_usd": pl.Float64,
    "fob_usd": pl.Float64,
    "net_weight_kg": pl.Float64,
    "gross_weight_kg": pl.Float64,
    "qty": pl.Float64,
    "qty_unit_code": pl.String,
    "is_net_weight_estimated": pl.Boolean,
    "is_reported": pl.Boolean,
    "is_aggregate": pl.Boolean,
    "source_file": pl.String,
    "source_sha256": pl.String,
    "source_line": pl.Int64,
}

# One flow per key within a load: a second row with the same key is a duplicate.
TRADE_KEY = ["source_id", "vintage", "reporter_iso3", "partner_iso3", "partner2_code", "flow", "hs_code", "freq", "period",
             "customs_code", "mot_code"]

TOTAL_PARTNER2, TOTAL_CUSTOMS, TOTAL_MOT = "0", "C00", "0"
KG_UNIT_CODE = "8"  # Comtrade quantity unit 8 is kilograms


@cache
def hs_codes() -> dict[str, dict[str, str]]:
    """reference/hs_codes.csv by code: the tungsten codes, plus TOTAL and the HS chapters
    that ITC Trade Map product lists carry as context."""
    return {r["hs_code"]: r for r in table("hs_codes")}


@cache
def flow_codes() -> dict[str, str]:
    return {r["flow_code"]: r["flow"] for r in table("trade_flows")}


@cache
def area_kinds() -> dict[str, str]:
    return {r["code"]: r["kind"] for r in table("trade_areas")}


def is_area_code(code: str) -> bool:
    return area_kinds().get(code, "country") not in ("country", "former")


@cache
def m49_codes() -> dict[str, str]:
    """M49 / Comtrade numeric area code (without leading zeros) -> ISO3 or area code.

    ISO 3166-1 numeric codes (current and former, via pycountry) are the base; the rows of
    reference/trade_areas.csv add Comtrade's own codes (842 USA, 251 France, 490 Other
    Asia nes ...) and override where Comtrade differs.
    """
    codes: dict[str, str] = {}
    for c in list(pycountry.historic_countries) + list(pycountry.countries):
        num = getattr(c, "numeric", None)
        if num:
            codes[str(int(num))] = c.alpha_3
    for r in table("trade_areas"):
        if r["m49"]:
            codes[str(int(r["m49"]))] = r["code"]
    return codes


@cache
def _area_names() -> dict[str, str]:
    return {normalize_key(r["name"]): r["code"] for r in table("trade_area_names")}


@cache
def area_of_name(name: str) -> str | None:
    """A reporter or partner name as ITC or a third party prints it -> ISO3 or area code."""
    key = normalize_key(name)
    if key in _area_names():
        return _area_names()[key]
    match = resolve(name)
    if match.is_aggregate:
        return "WLD" if match.aggregate_kind == "world" else None
    return match.iso3


def finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the columns a parser did not set with nulls and order them as TRADE_SCHEMA."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in TRADE_SCHEMA.items() if c not in frame.columns]
    return frame.with_columns(missing).select([pl.col(c).cast(t) for c, t in TRADE_SCHEMA.items()])
