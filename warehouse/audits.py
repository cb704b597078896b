"""Audit columns: cross-row and cross-table rules computed on a load's frame, so that the GX
suite (warehouse/gx_suites/) can assert them like any other column and the report shows them
with example rows. A suite names its audit by one of the keys of AUDITS.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import polars as pl

from ingest.reference import table
from ingest.sources import meta_rows
from ingest.trade import KG_UNIT_CODE, TRADE_KEY, hs_codes

MIN_LOT_KG = 1000.0  # unit values of smaller lots are too noisy to judge
TRADE_NUMBERS = ["value_usd", "cif_usd", "fob_usd", "net_weight_kg", "gross_weight_kg", "qty"]
# none: not checked; warehouse: checked on the warehouse's figures by the claim's metric
# (dbt/seeds/claim_checks.csv); claim:<claim_id>: set against the claim it disagrees with.
RECONCILE_RULES = ["none", "warehouse"]


# --- figures ----------------------------------------------------------------------------

def rounding_tolerance(world_total: float) -> float:
    """Half the rounding unit of a published total: 81,000 -> 500; 78,400 -> 50."""
    if world_total is None or world_total <= 0 or not math.isfinite(world_total):
        return 0.0
    n = int(round(world_total))
    unit = 1
    while n % (unit * 10) == 0 and unit < n:
        unit *= 10
    return unit / 2


def figures_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """audit_parts_over_world_total: how far the parts of each world total exceed it."""
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
        pl.when(is_checked_total).then(pl.col("_parts") - pl.col("value_t_w") - tol).otherwise(None)
        .alias("audit_parts_over_world_total")
    ).drop("_row", "_parts")


# --- trade ------------------------------------------------------------------------------

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


def trade_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns the trade suite reads, plus: a reporter trading with itself, a kg quantity
    that is not the net weight, a unit value outside its HS group's bounds (lots of a tonne or
    more). For speed on bulk files (validated chunk by chunk) only those columns are returned."""
    unit_value = pl.col("value_usd") / pl.col("net_weight_kg")
    judged = pl.col("net_weight_kg").fill_null(0) >= MIN_LOT_KG
    lo_of, hi_of = _group_bounds()
    lo = pl.col("hs_code").replace_strict(lo_of, default=None, return_dtype=pl.Float64)
    hi = pl.col("hs_code").replace_strict(hi_of, default=None, return_dtype=pl.Float64)
    out = frame.with_columns(
        ((pl.col("reporter_iso3") == pl.col("partner_iso3")) & (pl.col("reporter_iso3") != "WLD")
         & (pl.col("value_usd") > 0)).fill_null(False).alias("audit_reporter_is_partner"),
        ((pl.col("qty_unit_code") == KG_UNIT_CODE) & (pl.col("qty") > 0) & (pl.col("net_weight_kg") > 0)
         & ((pl.col("qty") - pl.col("net_weight_kg")).abs() > 0.01 * pl.col("net_weight_kg"))).fill_null(False)
        .alias("audit_kg_quantity_differs_from_net_weight"),
        pl.when(judged & lo.is_not_null()).then((unit_value < lo) | (unit_value > hi)).otherwise(None)
        .alias("audit_unit_value_usd_per_kg_out_of_bounds"),
    )
    keep = list(dict.fromkeys([*TRADE_KEY, *TRADE_NUMBERS, "year", "flow_code", "source_line", "audit_reporter_is_partner",
                               "audit_kg_quantity_differs_from_net_weight", "audit_unit_value_usd_per_kg_out_of_bounds"]))
    # Categoricals: GX's set and uniqueness checks on pandas run on their integer codes.
    return out.select(keep).with_columns(pl.col(pl.String).cast(pl.Categorical))


# --- curated ----------------------------------------------------------------------------

@cache
def _sources() -> dict[str, dict[str, str]]:
    return {r["source_id"]: r for r in meta_rows()}


def _sources_known(col: pl.Expr) -> pl.Expr:
    """True where every comma-separated source id is in meta.sources."""
    known = list(_sources())
    return col.str.split(",").list.eval(pl.element().str.strip_chars().is_in(known)).list.all()


def claims_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """A claim's source is known; it is not dated after its source (ISO text truncated to the
    precision both have: "2025-11" vs "2025-11-05"); an observed figure is not about a year
    after publication; it has a value; a range is ordered; its reconcile rule is known."""
    src_date = pl.col("source_id").replace_strict({k: v["date_published"] or None for k, v in _sources().items()},
                                                  default=None, return_dtype=pl.String)
    rule = pl.col("reconcile_rule").fill_null("none")
    return basis_stated_audit(frame).with_columns(
        audit_source_known=_sources_known(pl.col("source_id").fill_null("")) & pl.col("source_id").is_not_null(),
        audit_not_dated_after_source=pl.when(src_date.is_null() | pl.col("date_published").is_null()).then(True).otherwise(
            pl.col("date_published").str.slice(0, src_date.str.len_chars()) <= src_date),
        audit_observed_not_after_publication=pl.col("is_forecast") | pl.col("period_year").is_null()
        | (pl.col("period_year") <= pl.col("date_published").str.slice(0, 4).cast(pl.Int32, strict=False)),
        audit_has_value=pl.col("value").is_not_null() | pl.col("value_text").is_not_null(),
        audit_range_ordered=pl.col("value_high").is_null() | (pl.col("value_high") >= pl.col("value")),
        audit_rule_known=rule.is_in(RECONCILE_RULES) | rule.str.starts_with("claim:"),
        audit_disagreement_known=pl.col("disagrees_with").is_null() | pl.col("disagrees_with").is_in(frame["claim_id"].implode()),
    )


def sources_known_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """audit_source_known: every source id the row cites is in meta.sources (a project's stage
    source too)."""
    col = "source_ids" if "source_ids" in frame.columns else "source_id"
    known = pl.col(col).is_not_null() & _sources_known(pl.col(col).fill_null(""))
    if "stage_source_id" in frame.columns:
        known = known & pl.col("stage_source_id").is_not_null() & _sources_known(pl.col("stage_source_id").fill_null(""))
    return frame.with_columns(audit_source_known=known)


def quoted_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """audit_stands_on_quote: the figure's as_published words are in its quote and state its
    value and unit (a figure, or a financing amount in its currency); plus audit_source_known."""
    from ingest.sources.curated.quoted import stands_on_quote

    value, unit = ("value", "unit") if "value" in frame.columns else ("amount", "currency")
    rows = frame.select(value, unit, "as_published", "quote").rows()
    ok = [stands_on_quote(v, (u or "").lower(), a, q) for v, u, a, q in rows]
    out = sources_known_audit(frame).with_columns(pl.Series("audit_stands_on_quote", ok, dtype=pl.Boolean))
    return basis_stated_audit(out) if "basis" in frame.columns else out


UNSTATED_BASES = ("unknown", "not_applicable")


def basis_stated_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """audit_basis_stated: a tonnage entered on a basis (W, WO3, APT, WC, concentrate, ore) has
    that basis in its page's words (quote, or basis_quote where the basis is stated elsewhere on
    the page; ingest/sources/curated/basis_words.csv). A figure whose basis the page does not
    state is entered as `unknown`, so it never reaches a t W column."""
    from ingest.sources.curated.quoted import basis_is_stated

    extra = frame["basis_quote"] if "basis_quote" in frame.columns else pl.Series([None] * frame.height, dtype=pl.String)
    ok = [b is None or b in UNSTATED_BASES or basis_is_stated(b, q, x)
          for b, q, x in zip(frame["basis"].to_list(), frame["quote"].to_list(), extra.to_list(), strict=True)]
    return frame.with_columns(pl.Series("audit_basis_stated", ok, dtype=pl.Boolean))


def _facility_year(date: pl.Expr) -> pl.Expr:
    return date.str.slice(0, 4)


def financing_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """A deal is one facility: audit_deal_has_one_facility (each deal id has exactly one
    `facility` row); audit_deal_identity_unique (no two facilities share lender, borrower,
    instrument and facility year: the same loan entered twice under two deal ids);
    audit_event_is_of_its_deal (a drawdown or restatement names its facility's lender, borrower
    and instrument; an amendment its lender and borrower, as a loan converted into equity).
    Plus the quoted audit."""
    scope = pl.coalesce(pl.col("group_id"), pl.col("project_id"))
    out = quoted_audit(frame).with_columns(_scope=scope, _year=_facility_year(pl.col("date").fill_null("")),
                                           _is_facility=pl.col("event") == "facility")
    facilities = out.filter(pl.col("_is_facility"))
    per_deal = out.group_by("deal").agg(pl.col("_is_facility").sum().alias("_n_facilities"))
    identity = ["institution_company_id", "_scope", "instrument", "_year"]
    dup = facilities.group_by(identity).agg(pl.len().alias("_n_same_identity"))
    own = facilities.select("deal", pl.struct("institution_company_id", "_scope").alias("_facility_key"),
                            pl.col("instrument").alias("_facility_instrument"))
    out = (out.with_row_index("_row").join(per_deal, on="deal", how="left")
           .join(dup, on=identity, how="left").join(own, on="deal", how="left").sort("_row"))
    return out.with_columns(
        audit_deal_has_one_facility=pl.col("_n_facilities").fill_null(0) == 1,
        audit_deal_identity_unique=~pl.col("_is_facility") | (pl.col("_n_same_identity").fill_null(1) == 1),
        audit_event_is_of_its_deal=pl.col("_facility_key").is_not_null()
        & (pl.col("_facility_key") == pl.struct("institution_company_id", "_scope")).fill_null(False)
        & ((pl.col("_facility_instrument") == pl.col("instrument")) | (pl.col("event") == "amendment")).fill_null(False),
    ).drop("_row", "_scope", "_year", "_is_facility", "_n_facilities", "_n_same_identity", "_facility_key",
           "_facility_instrument")


def stakes_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """audit_stake_total_pct: the total stake per project (or group) in force at each valid_from
    date; audit_stake_in_quote: a stated stake appears in its quote as "N%" or "N per cent"."""
    owner = pl.coalesce("project_id", "group_id")
    dated = frame.with_columns(_owner=owner)
    totals = (
        dated.select("_owner", "valid_from").unique()
        .join(dated.select("_owner", pl.col("valid_from").alias("_from"), "company_id", "stake_pct"), on="_owner")
        .filter(pl.col("_from") <= pl.col("valid_from"))
        .sort("_from").group_by("_owner", "valid_from", "company_id").agg(pl.col("stake_pct").last())
        .group_by("_owner", "valid_from").agg(pl.col("stake_pct").sum().alias("audit_stake_total_pct"))
    )
    from ingest.sources.curated.quoted import states_stake

    in_quote = [states_stake(pct, quote) for pct, quote in frame.select("stake_pct", "quote").rows()]
    dated = dated.with_columns(pl.Series("audit_stake_in_quote", in_quote, dtype=pl.Boolean))
    return sources_known_audit(dated.join(totals, on=["_owner", "valid_from"], how="left").drop("_owner"))


def prices_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """A price's low and high stand on its quoted words in its assessment's currency; the range
    is ordered; the period ends on or after it starts; the page is not published before the
    period starts (an observed price, never a forecast); plus audit_source_known."""
    from ingest.sources.curated.quoted import range_stands_on_quote

    rows = frame.select("price_low", "price_high", "currency", "as_published", "quote").rows()
    ok = [range_stands_on_quote(lo, hi, (c or "").lower(), a, q) for lo, hi, c, a, q in rows]
    return sources_known_audit(frame).with_columns(
        pl.Series("audit_stands_on_quote", ok, dtype=pl.Boolean),
        audit_range_ordered=pl.col("price_high") >= pl.col("price_low"),
        audit_period_ordered=pl.col("period_end_date") >= pl.col("period_start_date"),
        audit_published_after_period_start=_latest_day("date_published") >= pl.col("period_start_date"),
    )


def _latest_day(col: str) -> pl.Expr:
    """The last day a date as published (YYYY, YYYY-MM or YYYY-MM-DD) can mean, as ISO text
    (which orders as the dates do)."""
    from ingest.sources.curated.market import period_bounds

    return pl.col(col).map_elements(lambda t: period_bounds(t)[1].isoformat(), return_dtype=pl.String)


def _first_day(col: str) -> pl.Expr:
    from ingest.sources.curated.market import period_bounds

    return pl.col(col).map_elements(lambda t: period_bounds(t)[0].isoformat(), return_dtype=pl.String)


def _not_before(later: str, earlier: str) -> pl.Expr:
    """True unless both dates are given and `later` certainly precedes `earlier`."""
    return (pl.col(later).is_null() | pl.col(earlier).is_null()
            | (_latest_day(later) >= _first_day(earlier))).fill_null(True)


def quotas_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """A quota's tonnage stands on its quoted words (tonnes), or on a table cell read in its
    column header's unit (the location names the header); it is not issued after the page
    that reports it was published; plus audit_source_known."""
    from ingest.sources.curated.quoted import cell_stands_on_header, stands_on_quote

    rows = frame.select("quota_t", "as_published", "quote", "location").rows()
    ok = [stands_on_quote(v, "t", a, q) or cell_stands_on_header(v, "t", a, q, loc) for v, a, q, loc in rows]
    return sources_known_audit(frame).with_columns(
        pl.Series("audit_stands_on_quote", ok, dtype=pl.Boolean),
        audit_issued_not_after_publication=_not_before("date_published", "date_issued"),
    )


# the words that state a policy amount, by amount_unit (tonnes on any basis read as tonnes)
AMOUNT_WORDS = {"t": "t", "t_w": "t", "t_wo3": "t", "t_concentrate": "t", "lb_w": "lb", "usd": "usd", "eur": "eur",
                "cny": "cny", "krw": "krw"}


def _figure_stands(rate: float | None, amount: float | None, unit: str | None, as_published: str | None,
                   quote: str | None, location: str | None) -> bool:
    from ingest.sources.curated.quoted import cell_stands_on_header, stands_on_quote

    if rate is None and amount is None:
        return not as_published or as_published in (quote or "")
    if rate is not None and amount is not None:
        return False  # one figure per event: a second figure is a second event
    value, words = (rate, "pct") if rate is not None else (amount, AMOUNT_WORDS.get(unit or "", "unknown"))
    return stands_on_quote(value, words, as_published, quote) or cell_stands_on_header(value, words, as_published, quote,
                                                                                        location)


def policy_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """An event's figure (a rate or an amount, at most one) stands on its quoted words (or on a
    table cell in its column header's unit); it ends on or after it takes effect (a measure
    may be reported, hence announced, after it ended); its HS codes are 4 or 6 digits; the countries it names are
    ISO3 codes or "all"; plus audit_source_known."""
    from ingest.countries import valid_iso3

    rows = frame.select("rate_pct", "amount", "amount_unit", "as_published", "quote", "location").rows()
    ok = [_figure_stands(*r) for r in rows]
    known = [*valid_iso3(), "all"]
    codes = pl.col("hs_codes").str.split(";").list.eval(pl.element().str.strip_chars().str.contains(r"^\d{4}(\d{2})?$"))
    countries = pl.col("countries_affected").str.split(";").list.eval(pl.element().str.strip_chars().is_in(known))
    return sources_known_audit(frame).with_columns(
        pl.Series("audit_stands_on_quote", ok, dtype=pl.Boolean),
        audit_ended_after_effective=_not_before("date_ended", "date_effective"),
        audit_hs_codes_well_formed=pl.col("hs_codes").is_null() | codes.list.all(),
        audit_countries_known=pl.col("countries_affected").is_null() | countries.list.all(),
    )


# --- governance indicators --------------------------------------------------------------

def governance_audit(frame: pl.DataFrame) -> pl.DataFrame:
    """audit_has_value: the row holds an estimate, a standard error or a stored normalized score."""
    return frame.with_columns(audit_has_value=pl.any_horizontal(
        pl.col(c).is_not_null() for c in ("estimate", "std_err", "normalized_published")))


def with_non_finite(frame: pl.DataFrame) -> pl.DataFrame:
    """audit_non_finite: the float columns of the row holding NaN or an infinity (comma-separated;
    null when none), for every raw table. Polars keeps NaN apart from null, so this sees a
    NaN that pandas (and GX on it) would take for a missing value."""
    floats = [c for c, t in frame.schema.items() if t in (pl.Float32, pl.Float64) and not c.startswith("audit_")]
    if not floats:
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("audit_non_finite"))
    flags = [pl.when(~pl.col(c).is_finite() & pl.col(c).is_not_null()).then(pl.lit(c)) for c in floats]
    return frame.with_columns(pl.concat_str(flags, separator=",", ignore_nulls=True).alias("audit_non_finite")) \
        .with_columns(pl.when(pl.col("audit_non_finite") == "").then(None).otherwise(pl.col("audit_non_finite"))
                      .alias("audit_non_finite"))


AUDITS: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
    "none": lambda frame: frame,
    "figures": figures_audit,
    "trade": trade_audit,
    "claims": claims_audit,
    "sources_known": sources_known_audit,
    "quoted": quoted_audit,
    "financing": financing_audit,
    "stakes": stakes_audit,
    "governance": governance_audit,
    "prices": prices_audit,
    "quotas": quotas_audit,
    "policy": policy_audit,
}
