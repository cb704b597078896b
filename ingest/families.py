"""The raw families: one raw table per kind of data, shared by every source of that kind.

A source's source.yml names its family; the family fixes the raw table its frames land in
and their columns. figures (tidy published figures of any statistics publisher),
trade_flows (bilateral trade of any trade source), sites (mine and facility sites),
governance_indicators (country governance scores by year) and the curated tables (one per
section of the curated files). Below the parsers everything is generic over sources: a
difference between sources is a column of meta.sources.
"""

from __future__ import annotations

import polars as pl

from ingest.tidy import TIDY_SCHEMA
from ingest.trade import TRADE_SCHEMA

SITES_SCHEMA = {
    "icmm_id": pl.String, "icmm_confidence": pl.String, "site_name": pl.String, "group_names": pl.String,
    "latitude": pl.Float64, "longitude": pl.Float64, "asset_type": pl.String, "country_published": pl.String,
    "country_iso3": pl.String, "primary_commodity": pl.String, "secondary_commodity": pl.String,
    "other_commodities": pl.String, "tungsten_mentioned_in": pl.String, "source_id": pl.String, "vintage": pl.String,
    "source_file": pl.String,
    "source_sha256": pl.String, "source_line": pl.Int32,
}
CLAIMS_SCHEMA = {
    "claim_id": pl.String, "subject_type": pl.String, "subject": pl.String, "metric": pl.String,
    "period": pl.String, "period_year": pl.Int32, "value": pl.Float64, "value_high": pl.Float64,
    "value_text": pl.String, "unit": pl.String, "basis": pl.String, "qualifier": pl.String,
    "is_forecast": pl.Boolean, "source_id": pl.String, "date_published": pl.String, "location": pl.String,
    "quote": pl.String, "reconcile_rule": pl.String, "disagrees_with": pl.String, "value_t_w": pl.Float64, "value_high_t_w": pl.Float64,
    "source_id_file": pl.String, "vintage": pl.String, "source_file": pl.String, "source_sha256": pl.String,
    "source_line": pl.Int32,
}

# One row per (source, edition, indicator, country, year): a governance indicator as published
# (the World Bank's Worldwide Governance Indicators: estimate and standard error), its 0-1
# normalization, and where it was read (file, sha256, row or record, column).
GOVERNANCE_SCHEMA = {
    "source_id": pl.String, "vintage": pl.String, "indicator": pl.String, "country_published": pl.String,
    "country_code_published": pl.String, "country_iso3": pl.String, "geopolrisk_country_code": pl.Int32,
    "year": pl.Int32, "estimate": pl.Float64, "std_err": pl.Float64, "normalized": pl.Float64,
    "normalized_published": pl.Float64, "note": pl.String, "source_file": pl.String, "source_sha256": pl.String,
    "source_line": pl.Int32, "source_column": pl.String,
}
GOVERNANCE_KEY = ["source_id", "vintage", "indicator", "country_iso3", "year"]

CURATED_PROVENANCE = {"source_id_file": pl.String, "vintage": pl.String, "source_file": pl.String, "source_sha256": pl.String,
         "source_item": pl.String}

SECTIONS: dict[str, tuple[str, dict[str, pl.DataType], set[str]]] = {
    # section -> (raw table, schema of its own fields, required fields). Every figure, stake,
    # financing and milestone carries the words it stands on (quote) and the source page.
    "companies": ("companies", {"company_id": pl.String, "name": pl.String, "home_country_iso3": pl.String,
                                "ownership": pl.String, "parent_company_id": pl.String, "note": pl.String,
                                "source_ids": pl.String},
                  {"company_id", "name", "ownership", "source_ids"}),   # home country: only where a page says
    "project_groups": ("project_groups", {"group_id": pl.String, "name": pl.String, "note": pl.String,
                                          "source_ids": pl.String}, {"group_id", "name", "source_ids"}),
    "projects": ("projects", {"project_id": pl.String, "name": pl.String, "aliases": pl.String, "group_id": pl.String,
                              "country_iso3": pl.String, "region": pl.String, "stage": pl.String,
                              "stage_as_of": pl.String, "stage_source_id": pl.String, "stage_quote": pl.String,
                              "operator_company_id": pl.String, "lat": pl.Float64, "lon": pl.Float64,
                              "source_ids": pl.String},
                 {"project_id", "name", "country_iso3", "stage", "stage_as_of", "stage_source_id", "stage_quote",
                  "source_ids"}),
    "stakes": ("project_stakes", {"project_id": pl.String, "group_id": pl.String, "company_id": pl.String,
                                  "stake_pct": pl.Float64, "valid_from": pl.String, "source_id": pl.String,
                                  "quote": pl.String},
               {"company_id", "valid_from", "source_id", "quote"}),
    # a deal is one facility (deal: its stable id); what later pages report of it (a drawdown, an
    # amendment, another rounding) is an event of the same deal, never a second deal
    "financing": ("project_financing", {"deal": pl.String, "event": pl.String, "project_id": pl.String,
                                        "group_id": pl.String,
                                        "institution_company_id": pl.String, "instrument": pl.String,
                                        "amount": pl.Float64, "currency": pl.String, "amount_usd": pl.Float64,
                                        "status": pl.String, "date": pl.String, "as_published": pl.String,
                                        "quote": pl.String, "source_id": pl.String},
                  {"deal", "event", "institution_company_id", "instrument", "amount", "currency", "status",
                   "as_published", "quote", "source_id"}),
    "figures": ("project_figures", {"project_id": pl.String, "group_id": pl.String, "figure": pl.String,
                                    "phase": pl.String, "value": pl.Float64, "unit": pl.String, "basis": pl.String,
                                    "grade_pct_wo3": pl.Float64, "grade_is_assumed": pl.Boolean,
                                    "grade_note": pl.String, "category": pl.String, "code": pl.String,
                                    "year": pl.Int32, "as_published": pl.String, "quote": pl.String,
                                    "basis_quote": pl.String, "note": pl.String, "source_id": pl.String, "value_t_w": pl.Float64},
                {"figure", "value", "unit", "basis", "as_published", "quote", "source_id"}),
    "milestones": ("project_milestones", {"project_id": pl.String, "group_id": pl.String, "scenario": pl.String,
                                          "event": pl.String, "year": pl.Int32, "rule": pl.String,
                                          "quote": pl.String, "source_id": pl.String},
                   {"scenario", "event", "year", "quote", "source_id"}),
}


def curated_schemas() -> dict[str, dict[str, pl.DataType]]:
    """Raw table -> full schema (fields plus provenance) of every curated table."""
    from ingest.sources.curated.market import market_schemas

    out = {"claims": CLAIMS_SCHEMA}
    for _, (table, fields, _) in SECTIONS.items():
        out[table] = {**fields, **CURATED_PROVENANCE}
    return {**out, **market_schemas()}




FAMILY_TABLES = {"figures": "figures", "trade_flows": "trade_flows", "sites": "sites",
                 "governance_indicators": "governance_indicators"}


def table_schemas() -> dict[str, dict[str, pl.DataType]]:
    """Every raw table -> its columns (without load_id)."""
    return {"figures": TIDY_SCHEMA, "trade_flows": TRADE_SCHEMA, "sites": SITES_SCHEMA,
            "governance_indicators": GOVERNANCE_SCHEMA, **curated_schemas()}


def raw_table(family: str, dataset: str) -> str:
    """The raw table a frame of this family and dataset lands in."""
    if family in FAMILY_TABLES:
        return FAMILY_TABLES[family]
    if family == "curated" and dataset in curated_schemas():
        return dataset
    raise KeyError(f"no raw table for family {family!r}, dataset {dataset!r}")
