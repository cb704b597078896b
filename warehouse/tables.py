"""The raw tables the warehouse knows, by family: each with its column schema, how a load
replaces its rows, and its GX suite (warehouse/gx_suites/<table>.yml, built by
warehouse/gx_suite.py with the audit columns of warehouse/audits.py).

A raw table belongs to a family, not to a source (ingest.families): every statistics
publisher lands in raw.figures, every trade source in raw.trade_flows. A load holds the rows
of one (source, edition[, dataset]) and replaces exactly those rows, so a new source reuses
the gate, landing, meta tables and publishing as they are; its suite takes its parameters
(source id, edition year window, its own extra rules) from the source's source.yml.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from ingest.families import curated_schemas, table_schemas
from ingest.sources import Source
from ingest.trade import TRADE_KEY
from warehouse import gx_suite
from warehouse.audits import AUDITS, with_non_finite


@dataclass(frozen=True)
class RawTable:
    name: str
    schema: dict[str, pl.DataType]
    description: str = ""
    # Columns whose values a load replaces: () means a load replaces the whole table (the
    # curated files are complete sets, not editions).
    scope_columns: tuple[str, ...] = ("source_id", "vintage")
    # The row key. A file loaded in chunks has it checked once over the whole file by
    # warehouse/load.py (GX sees one chunk at a time); () when tables are always loaded whole.
    key_columns: tuple[str, ...] = ()
    # What a file of an edition covers: a file giving fewer of these than the edition held now
    # would remove the rest, so it is refused unless the user asks to replace the edition.
    coverage_columns: tuple[str, ...] = ()

    def expectations(self, source: Source, vintage: str, dataset: str) -> gx_suite.Specs:
        """GX expectation specs for one load's frame."""
        return gx_suite.expectations(self.name, source, vintage, dataset)

    @property
    def audit(self) -> Callable[[pl.DataFrame], pl.DataFrame]:
        """frame -> frame with the audit columns the expectations read."""
        own = AUDITS[gx_suite.suite_spec(self.name).audit]
        return lambda frame: with_non_finite(own(frame))

    @property
    def example_columns(self) -> tuple[str, ...]:
        """Columns shown for each example row of a failed expectation (with the failing column)."""
        return gx_suite.suite_spec(self.name).examples


CURATED_DESCRIPTIONS = {
    "claims": "Curated claims: one row per cited figure.",
    "companies": "Companies with home country.",
    "project_groups": "Projects developed together.",
    "projects": "Tungsten projects.",
    "project_stakes": "Ownership stakes, valid from a date.",
    "project_financing": "Financing by instrument and status.",
    "project_figures": "Capex, capacity, reserves as quoted.",
    "project_milestones": "Timelines by scenario.",
    "price_assessments": "Price series as their publishers define them.",
    "prices": "Price observations: one row per price a page states for a date or period.",
    "china_quotas": "China's tungsten mining quotas by year, batch and province.",
    "policy_events": "Dated measures: export controls, tariffs, stockpiles, critical lists.",
}

REGISTRY: dict[str, RawTable] = {t.name: t for t in [
    RawTable("figures", table_schemas()["figures"],
             "Tidy published figures of every statistics source: one row per (source, edition, dataset, "
             "country, year, metric).", scope_columns=("source_id", "vintage", "dataset"),
             coverage_columns=("year", "metric")),
    RawTable("trade_flows", table_schemas()["trade_flows"],
             "Trade flows of every trade source: one row per (source, edition, reporter, partner, flow, HS code, "
             "period), US$ and kg.", key_columns=tuple(TRADE_KEY), coverage_columns=("year", "hs_code")),
    RawTable("sites", table_schemas()["sites"], "Mine and facility sites whose commodities or names mention tungsten."),
    RawTable("governance_indicators", table_schemas()["governance_indicators"],
             "Governance indicators of every governance source: one row per (source, edition, indicator, country, "
             "year), the estimate and standard error as published and their 0-1 normalization.",
             coverage_columns=("indicator", "year")),
    *(RawTable(name, schema, CURATED_DESCRIPTIONS[name], scope_columns=()) for name, schema in curated_schemas().items()),
]}
assert set(REGISTRY) == set(table_schemas()), "every raw table of ingest.families needs an entry here"


def get(name: str) -> RawTable:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown raw table {name!r}; known: {sorted(REGISTRY)}") from None
