"""GX suites of the project-pipeline tables: curated claims and projects, and ICMM sites.

The rules an analyst relies on are expectations here, so a curated row that breaks one is
refused through the same gate, with the row named: every figure cites a known source; a
basis is one of the allowed set; a claim is not dated after its source, and a claim of
something observed is not about a year after it was published; stakes in a project never
add up to more than 100%.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from ingest.countries import valid_iso3
from ingest.sources import meta_rows

CLAIM_BASES = ["W", "WO3", "APT", "WC", "concentrate", "unknown", "not_applicable"]
CLAIM_UNITS = ["t", "t_per_year", "t_ore_per_year", "pct", "usd", "year", "text"]
CLAIM_QUALIFIERS = ["exact", "approximate", "at_least", "at_most", "range", "estimate"]
SUBJECT_TYPES = ["world", "country", "company", "project", "project_group"]
STAGES = ["exploration", "feasibility", "financing", "construction", "production", "care_and_maintenance"]
INSTRUMENTS = ["letter_of_interest", "loan", "equity", "grant"]
FINANCING_STATUS = ["interest_expressed", "committed", "disbursed"]
OWNERSHIP = ["private", "listed", "state", "sovereign_fund", "unknown"]
FIGURES = ["capex", "capacity", "reserves"]
SCENARIOS = ["sponsor", "conservative"]
EVENTS = ["construction_start", "first_production"]
RECONCILE_RULES = ["none", "usgs_china_share", "usgs_world_reserves_range", "usgs_world_reserves_editions",
                   "kaz_share_of_world_reserves"]


@cache
def _sources() -> dict[str, dict[str, str]]:
    return {r["source_id"]: r for r in meta_rows()}


def _in_set(column: str, values: list[str], **kw) -> tuple[str, dict]:
    return ("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values, **kw})


def _not_null(column: str) -> tuple[str, dict]:
    return ("ExpectColumnValuesToNotBeNull", {"column": column})


def _true(column: str) -> tuple[str, dict]:
    return ("ExpectColumnValuesToBeInSet", {"column": column, "value_set": [True]})


def _sources_known(col: pl.Expr) -> pl.Expr:
    """True where every comma-separated source id is in meta.sources."""
    known = list(_sources())
    return col.str.split(",").list.eval(pl.element().str.strip_chars().is_in(known)).list.all()


# --- claims -----------------------------------------------------------------------------

def claims_audit(frame: pl.DataFrame) -> pl.DataFrame:
    src_date = pl.col("source_id").replace_strict({k: v["date_published"] or None for k, v in _sources().items()},
                                                  default=None, return_dtype=pl.String)
    rule = pl.col("reconcile_rule").fill_null("none")
    return frame.with_columns(
        audit_source_known=_sources_known(pl.col("source_id").fill_null("")) & pl.col("source_id").is_not_null(),
        # Dates compare as ISO text truncated to the precision both have ("2025-11" vs "2025-11-05").
        audit_not_dated_after_source=pl.when(src_date.is_null() | pl.col("date_published").is_null()).then(True).otherwise(
            pl.col("date_published").str.slice(0, src_date.str.len_chars()) <= src_date),
        audit_observed_not_after_publication=pl.col("is_forecast") | pl.col("period_year").is_null()
        | (pl.col("period_year") <= pl.col("date_published").str.slice(0, 4).cast(pl.Int32, strict=False)),
        audit_has_value=pl.col("value").is_not_null() | pl.col("value_text").is_not_null(),
        audit_range_ordered=pl.col("value_high").is_null() | (pl.col("value_high") >= pl.col("value")),
        audit_rule_known=rule.is_in(RECONCILE_RULES) | rule.str.starts_with("claim:"),
    )


def claims_expectations(vintage: str, dataset: str):
    return [
        _not_null("claim_id"), _not_null("source_id"), _not_null("date_published"), _not_null("metric"),
        ("ExpectColumnValuesToBeUnique", {"column": "claim_id"}),
        _true("audit_source_known"),
        _in_set("basis", CLAIM_BASES), _not_null("basis"),
        _in_set("unit", CLAIM_UNITS), _in_set("qualifier", CLAIM_QUALIFIERS), _in_set("subject_type", SUBJECT_TYPES),
        _true("audit_not_dated_after_source"), _true("audit_observed_not_after_publication"),
        _true("audit_has_value"), _true("audit_range_ordered"), _true("audit_rule_known"),
        ("ExpectColumnValuesToMatchRegex", {"column": "date_published", "regex": r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$"}),
    ]


# --- projects ---------------------------------------------------------------------------

def with_source_audit(frame: pl.DataFrame) -> pl.DataFrame:
    col = "source_ids" if "source_ids" in frame.columns else "source_id"
    return frame.with_columns(audit_source_known=pl.col(col).is_not_null() & _sources_known(pl.col(col).fill_null("")))


def stakes_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """Total stake per project (or group) in force at each valid_from date."""
    owner = pl.coalesce("project_id", "group_id")
    dated = frame.with_columns(_owner=owner)
    totals = (
        dated.select("_owner", "valid_from").unique()
        .join(dated.select("_owner", pl.col("valid_from").alias("_from"), "company_id", "stake_pct"), on="_owner")
        .filter(pl.col("_from") <= pl.col("valid_from"))
        .sort("_from").group_by("_owner", "valid_from", "company_id").agg(pl.col("stake_pct").last())
        .group_by("_owner", "valid_from").agg(pl.col("stake_pct").sum().alias("audit_stake_total_pct"))
    )
    return with_source_audit(dated.join(totals, on=["_owner", "valid_from"], how="left").drop("_owner"))


def _base(key: str) -> list:
    return [_not_null(key), ("ExpectColumnValuesToBeUnique", {"column": key}), _true("audit_source_known")]


def companies_expectations(vintage, dataset):
    return _base("company_id") + [_in_set("home_country_iso3", sorted(valid_iso3())), _not_null("home_country_iso3"),
                                  _in_set("ownership", OWNERSHIP)]


def groups_expectations(vintage, dataset):
    return _base("group_id")


def projects_expectations(vintage, dataset):
    return _base("project_id") + [_in_set("country_iso3", sorted(valid_iso3())), _in_set("stage", STAGES), _not_null("stage")]


def stakes_expectations(vintage, dataset):
    return [_true("audit_source_known"), _not_null("company_id"),
            ("ExpectColumnValuesToBeBetween", {"column": "stake_pct", "min_value": 0, "max_value": 100}),
            ("ExpectColumnValuesToBeBetween", {"column": "audit_stake_total_pct", "max_value": 100}),
            ("ExpectColumnValuesToMatchRegex", {"column": "valid_from", "regex": r"^\d{4}-\d{2}-\d{2}$"})]


def financing_expectations(vintage, dataset):
    return [_true("audit_source_known"), _in_set("instrument", INSTRUMENTS), _in_set("status", FINANCING_STATUS),
            ("ExpectColumnValuesToBeBetween", {"column": "amount_usd", "min_value": 0})]


def figures_expectations(vintage, dataset):
    return [_true("audit_source_known"), _in_set("figure", FIGURES), _in_set("basis", CLAIM_BASES),
            ("ExpectColumnValuesToBeBetween", {"column": "value", "min_value": 0}),
            ("ExpectColumnValuesToBeBetween", {"column": "grade_pct_wo3", "min_value": 0, "max_value": 100}),
            ("ExpectColumnValuesToBeNull", {"column": "value_t_w", "row_condition": 'basis == "unknown"',
                                            "condition_parser": "pandas"})]


def milestones_expectations(vintage, dataset):
    return [_true("audit_source_known"), _in_set("scenario", SCENARIOS), _in_set("event", EVENTS),
            ("ExpectColumnValuesToBeBetween", {"column": "year", "min_value": 1900, "max_value": 2100}),
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["project_id", "group_id", "scenario", "event"]})]


def icmm_expectations(vintage, dataset):
    return [_not_null("icmm_id"), ("ExpectColumnValuesToBeUnique", {"column": "icmm_id"}), _not_null("site_name"),
            ("ExpectColumnValuesToBeBetween", {"column": "latitude", "min_value": -90, "max_value": 90}),
            ("ExpectColumnValuesToBeBetween", {"column": "longitude", "min_value": -180, "max_value": 180}),
            _in_set("country_iso3", sorted(valid_iso3()))]


def no_audit(frame: pl.DataFrame) -> pl.DataFrame:
    return frame
