"""Great Expectations suites of the tidy-figure raw tables, and the audit columns they read.

A load is one (raw table, edition) frame, so edition-dependent bounds (the years an
edition may cover) are constants of the suite built for that frame. Cross-row rules (the
listed countries may not sum to more than the world total beyond rounding) are computed
here as an audit column and asserted by GX, so the report shows them like any other rule.
"""

from __future__ import annotations

import math
from functools import cache

import polars as pl

from ingest.countries import valid_iso3
from ingest.reference import table
from ingest.sources import Source
from ingest.tidy import KEY_COLUMNS, QUALIFIERS
from ingest.units import known_units

AUDIT_WORLD_EXCESS = "audit_parts_over_world_total"

@cache
def _metrics() -> dict[str, dict[str, str]]:
    return {r["metric"]: r for r in table("metrics")}


def dataset_metrics(dataset: str) -> list[str]:
    return sorted(m for m, r in _metrics().items() if dataset in r["dataset"].split("|"))


def dataset_units(dataset: str) -> list[str]:
    """The units the dataset's metrics are published in (reference/metrics.csv)."""
    return sorted({r["unit_code"] for m, r in _metrics().items() if dataset in r["dataset"].split("|")})


def signed_metrics() -> list[str]:
    return sorted(m for m, r in _metrics().items() if r["allow_negative"] == "true")


def rounding_tolerance(world_total: float) -> float:
    """Half the rounding unit of a published total: 81,000 -> 500; 78,400 -> 50."""
    if world_total is None or world_total <= 0 or not math.isfinite(world_total):
        return 0.0
    n = int(round(world_total))
    unit = 1
    while n % (unit * 10) == 0 and unit < n:
        unit *= 10
    return unit / 2


def add_audit_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the cross-row audit column: how far the parts of each world total exceed it."""
    parts = (
        frame.filter(~pl.col("aggregate_kind").eq("world").fill_null(False))
        .group_by("year", "metric")
        .agg(pl.col("value_t_w").sum().alias("_parts"))
    )
    tol = pl.col("value_t_w").map_elements(rounding_tolerance, return_dtype=pl.Float64)
    out = frame.with_row_index("_row").join(parts, on=["year", "metric"], how="left").sort("_row")
    is_checked_total = pl.col("aggregate_kind").eq("world").fill_null(False) & pl.col("value_t_w").is_not_null() & (
        pl.col("qualifier").fill_null("") != "greater_than"
    )
    return out.with_columns(
        pl.when(is_checked_total).then(pl.col("_parts") - pl.col("value_t_w") - tol).otherwise(None).alias(AUDIT_WORLD_EXCESS)
    ).drop("_row", "_parts")


def figure_expectations(source: Source, vintage: str, dataset: str) -> list[tuple[str, dict]]:
    """(GX expectation class name, kwargs) for one load of raw.figures; the years an edition may
    hold come from the source's source.yml (MCSyyyy: yyyy-6..yyyy-1; BGSyyyy: 1970..yyyy)."""
    lo, hi = source.year_window(vintage)
    specs: list[tuple[str, dict]] = []
    for col in [*KEY_COLUMNS, "source_sha256", "source_line", "unit_code"]:
        specs.append(("ExpectColumnValuesToNotBeNull", {"column": col}))
    specs += [
        ("ExpectCompoundColumnsToBeUnique", {"column_list": KEY_COLUMNS}),
        ("ExpectColumnValuesToBeInSet", {"column": "source_id", "value_set": [source.id]}),
        ("ExpectColumnValuesToBeInSet", {"column": "dataset", "value_set": [dataset]}),
        ("ExpectColumnValuesToBeInSet", {"column": "vintage", "value_set": [vintage]}),
        ("ExpectColumnValuesToBeBetween", {"column": "year", "min_value": lo, "max_value": hi}),
        ("ExpectColumnValuesToBeInSet", {"column": "metric", "value_set": dataset_metrics(dataset)}),
        ("ExpectColumnValuesToBeInSet", {"column": "unit_code", "value_set": sorted(set(dataset_units(dataset)) & known_units())}),
        ("ExpectColumnValuesToBeInSet", {"column": "qualifier", "value_set": list(QUALIFIERS)}),
        ("ExpectColumnValuesToBeBetween", {
            "column": "value", "min_value": 0,
            "row_condition": f"metric not in {signed_metrics()!r}", "condition_parser": "pandas",
        }),
        ("ExpectColumnValuesToBeBetween", {"column": "value_t_w", "min_value": 0,
                                           "row_condition": f"metric not in {signed_metrics()!r}",
                                           "condition_parser": "pandas"}),
        ("ExpectColumnValuesToNotBeNull", {"column": "country_iso3", "row_condition": "is_aggregate == False",
                                           "condition_parser": "pandas"}),
        ("ExpectColumnValuesToBeInSet", {"column": "country_iso3", "value_set": sorted(valid_iso3())}),
        ("ExpectColumnValuesToBeNull", {"column": "country_iso3", "row_condition": "is_aggregate == True",
                                        "condition_parser": "pandas"}),
        ("ExpectColumnValuesToBeBetween", {"column": AUDIT_WORLD_EXCESS, "max_value": 0}),
    ]
    return specs
