"""The raw tables the warehouse knows, by family: each with its column schema, its GX
expectations and the audit columns computed for them.

A raw table belongs to a family, not to a source (ingest.families): every statistics
publisher lands in raw.figures, every trade source in raw.trade_flows. A load holds the rows
of one (source, edition[, dataset]) and replaces exactly those rows, so a new source reuses
the gate, landing, meta tables and publishing as they are; its suite takes its parameters
(source id, edition year window) from the source's source.yml.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from ingest.families import curated_schemas, table_schemas
from ingest.sources import Source
from ingest.trade import TRADE_KEY
from warehouse import suites, suites_trade
from warehouse import suites_pipeline as sp

Specs = list[tuple[str, dict]]


@dataclass(frozen=True)
class RawTable:
    name: str
    schema: dict[str, pl.DataType]
    # (source, vintage, dataset) -> GX expectation specs for one load's frame
    expectations: Callable[[Source, str, str], Specs]
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


def _curated(name: str, expectations, audit, description: str, examples: tuple[str, ...] | None = None) -> RawTable:
    if examples is None:
        key = next(iter(curated_schemas()[name]))
        examples = ("source_item", key, "project_id", "group_id", "company_id")
    return RawTable(name, curated_schemas()[name], lambda _s, v, d: expectations(v, d), audit, description, (), examples)


REGISTRY: dict[str, RawTable] = {t.name: t for t in [
    RawTable("figures", table_schemas()["figures"], suites.figure_expectations, suites.add_audit_columns,
             "Tidy published figures of every statistics source: one row per (source, edition, dataset, "
             "country, year, metric).", scope_columns=("source_id", "vintage", "dataset")),
    RawTable("trade_flows", table_schemas()["trade_flows"], suites_trade.trade_expectations, suites_trade.trade_audit,
             "Trade flows of every trade source: one row per (source, edition, reporter, partner, flow, HS code, "
             "period), US$ and kg.", example_columns=suites_trade.EXAMPLES, key_columns=tuple(TRADE_KEY)),
    RawTable("sites", table_schemas()["sites"], lambda _s, v, d: sp.icmm_expectations(v, d), sp.no_audit,
             "Mine and facility sites whose commodities or names mention tungsten.",
             example_columns=("source_line", "icmm_id", "site_name", "country_published")),
    _curated("claims", sp.claims_expectations, sp.claims_audit, "Curated claims: one row per cited figure.",
             examples=("source_line", "claim_id", "subject", "metric", "period", "value", "unit", "basis", "source_id",
                       "date_published")),
    _curated("companies", sp.companies_expectations, sp.with_source_audit, "Companies with home country."),
    _curated("project_groups", sp.groups_expectations, sp.with_source_audit, "Projects developed together."),
    _curated("projects", sp.projects_expectations, sp.with_source_audit, "Tungsten projects."),
    _curated("project_stakes", sp.stakes_expectations, sp.stakes_audit, "Ownership stakes, valid from a date."),
    _curated("project_financing", sp.financing_expectations, sp.with_source_audit, "Financing by instrument and status."),
    _curated("project_figures", sp.figures_expectations, sp.with_source_audit, "Capex, capacity, reserves as quoted."),
    _curated("project_milestones", sp.milestones_expectations, sp.with_source_audit, "Timelines by scenario."),
]}
assert set(REGISTRY) == set(table_schemas()), "every raw table of ingest.families needs an entry here"


def get(name: str) -> RawTable:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown raw table {name!r}; known: {sorted(REGISTRY)}") from None
