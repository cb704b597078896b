"""The raw tables the warehouse knows: each with its column schema, its GX expectations and
the audit columns computed for them.

Every raw table is loaded the same way (warehouse/load.py): a load holds the rows of one
(source_id, vintage) and replaces exactly those rows. A new source adds an entry here, with
its own schema and suite, and reuses the gate, landing, meta tables and publishing as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from ingest.registry import RAW_TABLES, TABLE_SCHEMAS, TRADE_TABLES
from ingest.trade import TRADE_KEY
from warehouse import suites, suites_trade
from warehouse import suites_pipeline as sp

Specs = list[tuple[str, dict]]


@dataclass(frozen=True)
class RawTable:
    name: str
    schema: dict[str, pl.DataType]
    # (vintage, dataset) -> GX expectation specs for one load's frame
    expectations: Callable[[str, str], Specs]
    # frame -> frame with the audit columns the expectations read
    audit: Callable[[pl.DataFrame], pl.DataFrame]
    description: str = ""
    # Columns whose values a load replaces: () means a load replaces the whole table (the
    # curated files are complete sets, not editions).
    scope_columns: tuple[str, ...] = ("source_id", "vintage")
    # Columns shown for each example row of a failed expectation (with the failing column).
    example_columns: tuple[str, ...] = ("source_line", "country_published", "year", "metric", "value_published", "value",
                                        "unit_code", "qualifier")
    # The row key. A file loaded in chunks has it checked once over the whole file by
    # warehouse/load.py (GX sees one chunk at a time); () when tables are always loaded whole.
    key_columns: tuple[str, ...] = ()


def _figure_table(name: str) -> RawTable:
    return RawTable(
        name=name,
        schema=TABLE_SCHEMAS[name],
        expectations=lambda vintage, dataset: suites.figure_expectations(name, vintage, dataset),
        audit=suites.add_audit_columns,
        description="Tidy published figures, one row per (source, edition, country, year, metric).",
    )


def _table(name: str, expectations, audit, description: str, scope: tuple[str, ...] = (),
           examples: tuple[str, ...] | None = None) -> RawTable:
    if examples is None:
        key = next(iter(TABLE_SCHEMAS[name]))
        examples = ("source_item", key, "project_id", "group_id", "company_id")
    return RawTable(name, TABLE_SCHEMAS[name], expectations, audit, description, scope, examples)


REGISTRY: dict[str, RawTable] = {name: _figure_table(name) for name in ("usgs_mcs_world", "usgs_mcs_salient", "bgs_wms_production")}
REGISTRY.update({t.name: t for t in [
    _table("claims", sp.claims_expectations, sp.claims_audit, "Curated claims: one row per cited figure.",
           examples=("source_line", "claim_id", "subject", "metric", "period", "value", "unit", "basis", "source_id",
                     "date_published")),
    _table("companies", sp.companies_expectations, sp.with_source_audit, "Companies with home country."),
    _table("project_groups", sp.groups_expectations, sp.with_source_audit, "Projects developed together."),
    _table("projects", sp.projects_expectations, sp.with_source_audit, "Tungsten projects."),
    _table("project_stakes", sp.stakes_expectations, sp.stakes_audit, "Ownership stakes, valid from a date."),
    _table("project_financing", sp.financing_expectations, sp.with_source_audit, "Financing by instrument and status."),
    _table("project_figures", sp.figures_expectations, sp.with_source_audit, "Capex, capacity, reserves as quoted."),
    _table("project_milestones", sp.milestones_expectations, sp.with_source_audit, "Timelines by scenario."),
    _table("icmm_sites", sp.icmm_expectations, sp.no_audit, "ICMM Global Mining Dataset sites mentioning tungsten.",
           ("source_id", "vintage"), ("source_line", "icmm_id", "site_name", "country_published")),
]})
REGISTRY.update({t: RawTable(
    name=t, schema=TABLE_SCHEMAS[t], expectations=lambda v, d, t=t: suites_trade.trade_expectations(t, v, d), audit=suites_trade.trade_audit,
    description=f"Trade flows from {source_id}: one row per (reporter, partner, flow, HS code, period), US$ and kg.",
    example_columns=suites_trade.EXAMPLES, key_columns=tuple(TRADE_KEY),
) for t, source_id in TRADE_TABLES.items()})
assert set(REGISTRY) == set(RAW_TABLES.values()), "every raw table of ingest.registry needs an entry here"


def get(name: str) -> RawTable:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown raw table {name!r}; known: {sorted(REGISTRY)}") from None
