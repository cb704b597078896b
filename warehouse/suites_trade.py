"""GX suites of the trade tables (UN Comtrade, ITC Trade Map, the aggregated snapshot).

A load is one file; its rows must have every key filled and unique, a known flow and HS
code, non-negative values and weights, years in range, a reporter other than its partner
(the World-to-World total row and zero rows aside). Publishers do print a few real flows
of a country with itself (ITC: China's exports to China, US$ 1.13 bn in 2016, goods
re-entering from bonded zones), so that rule tolerates up to 1% of a file's rows; a file
whose reporter and partner columns are mixed up fails it wholesale. And weights that are kilograms: where the quantity
unit is kg the quantity equals the net weight, and unit values stay within the bounds of
the HS group (reference/hs_groups.csv) for all but a few small lots. The cross-row rules
are audit columns computed here and asserted by GX like any other rule.

For speed on bulk files (validated chunk by chunk) the audit returns only the columns the
expectations and the failure examples read.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from ingest.countries import valid_iso3
from ingest.reference import table
from ingest.sources import Source
from ingest.trade import KG_UNIT_CODE, TRADE_KEY, area_kinds, flow_codes, hs_codes

AUDIT_SELF_TRADE = "audit_reporter_is_partner"
AUDIT_KG_QTY = "audit_kg_quantity_differs_from_net_weight"
AUDIT_UNIT_VALUE = "audit_unit_value_usd_per_kg_out_of_bounds"
MIN_LOT_KG = 1000.0  # unit values of smaller lots are too noisy to judge
UNIT_VALUE_MOSTLY = 0.95
SELF_TRADE_MOSTLY = 0.99
FLOWS = ["import", "export", "re_import", "re_export"]
NUMBERS = ["value_usd", "cif_usd", "fob_usd", "net_weight_kg", "gross_weight_kg", "qty"]
EXAMPLES = ("source_line", "reporter_code", "partner_code", "flow_code", "hs_code", "period", "value_usd", "net_weight_kg")


@cache
def _group_bounds() -> tuple[dict[str, float], dict[str, float]]:
    """HS code -> (lowest, highest) plausible unit value in US$/kg, from its group's bounds."""
    groups = {r["hs_group"]: r for r in table("hs_groups")}
    lo, hi = {}, {}
    for code, r in hs_codes().items():
        g = groups[r["hs_group"]]
        if g["min_usd_per_kg"] and g["max_usd_per_kg"]:
            lo[code], hi[code] = float(g["min_usd_per_kg"]), float(g["max_usd_per_kg"])
    return lo, hi


@cache
def known_areas() -> list[str]:
    return sorted(set(valid_iso3()) | set(area_kinds()))


def trade_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns the suite reads, plus the audit columns."""
    unit_value = pl.col("value_usd") / pl.col("net_weight_kg")
    judged = pl.col("net_weight_kg").fill_null(0) >= MIN_LOT_KG
    lo_of, hi_of = _group_bounds()
    lo = pl.col("hs_code").replace_strict(lo_of, default=None, return_dtype=pl.Float64)
    hi = pl.col("hs_code").replace_strict(hi_of, default=None, return_dtype=pl.Float64)
    out = frame.with_columns(
        ((pl.col("reporter_iso3") == pl.col("partner_iso3")) & (pl.col("reporter_iso3") != "WLD")
         & (pl.col("value_usd") > 0)).fill_null(False).alias(AUDIT_SELF_TRADE),
        ((pl.col("qty_unit_code") == KG_UNIT_CODE) & (pl.col("qty") > 0) & (pl.col("net_weight_kg") > 0)
         & ((pl.col("qty") - pl.col("net_weight_kg")).abs() > 0.01 * pl.col("net_weight_kg"))).fill_null(False)
        .alias(AUDIT_KG_QTY),
        pl.when(judged & lo.is_not_null()).then((unit_value < lo) | (unit_value > hi)).otherwise(None)
        .alias(AUDIT_UNIT_VALUE),
    )
    keep = list(dict.fromkeys([*TRADE_KEY, *NUMBERS, "year", "flow_code", "source_line", AUDIT_SELF_TRADE, AUDIT_KG_QTY,
                               AUDIT_UNIT_VALUE]))
    # Categoricals: GX's set and uniqueness checks on pandas run on their integer codes.
    return out.select(keep).with_columns(pl.col(pl.String).cast(pl.Categorical))


def trade_expectations(source: Source, vintage: str, dataset: str) -> list[tuple[str, dict]]:
    lo, hi = source.year_window(vintage)
    specs: list[tuple[str, dict]] = [("ExpectColumnValuesToNotBeNull", {"column": c}) for c in
                                     [*TRADE_KEY, "year", "flow_code", "value_usd", "source_line"]]
    specs += [
        # source_id and vintage are one value in a load (checked just below), so the rest of the key decides
        ("ExpectCompoundColumnsToBeUnique", {"column_list": [c for c in TRADE_KEY if c not in ("source_id", "vintage")]}),
        ("ExpectColumnValuesToBeInSet", {"column": "source_id", "value_set": [source.id]}),
        ("ExpectColumnValuesToBeInSet", {"column": "vintage", "value_set": [vintage]}),
        ("ExpectColumnValuesToBeInSet", {"column": "flow_code", "value_set": sorted(set(flow_codes()) | set(FLOWS))}),
        ("ExpectColumnValuesToBeInSet", {"column": "flow", "value_set": FLOWS}),
        ("ExpectColumnValuesToBeInSet", {"column": "freq", "value_set": ["A", "M"]}),
        ("ExpectColumnValuesToBeBetween", {"column": "year", "min_value": lo, "max_value": hi}),
        ("ExpectColumnValuesToBeInSet", {"column": "hs_code", "value_set": sorted(hs_codes())}),
        ("ExpectColumnValuesToBeInSet", {"column": "reporter_iso3", "value_set": known_areas()}),
        ("ExpectColumnValuesToBeInSet", {"column": "partner_iso3", "value_set": known_areas()}),
        ("ExpectColumnValuesToBeInSet", {"column": AUDIT_SELF_TRADE, "value_set": [False], "mostly": SELF_TRADE_MOSTLY}),
        ("ExpectColumnValuesToBeInSet", {"column": AUDIT_KG_QTY, "value_set": [False]}),
        ("ExpectColumnValuesToBeInSet", {"column": AUDIT_UNIT_VALUE, "value_set": [False], "mostly": UNIT_VALUE_MOSTLY}),
    ]
    specs += [("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0}) for c in NUMBERS]
    return specs
