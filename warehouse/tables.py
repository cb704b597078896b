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

from ingest.registry import RAW_TABLES
from ingest.tidy import TIDY_SCHEMA
from warehouse import suites

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


def _figure_table(name: str) -> RawTable:
    return RawTable(
        name=name,
        schema=TIDY_SCHEMA,
        expectations=lambda vintage, dataset: suites.figure_expectations(name, vintage, dataset),
        audit=suites.add_audit_columns,
        description="Tidy published figures, one row per (source, edition, country, year, metric).",
    )


REGISTRY: dict[str, RawTable] = {name: _figure_table(name) for name in RAW_TABLES.values()}


def get(name: str) -> RawTable:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown raw table {name!r}; known: {sorted(REGISTRY)}") from None
