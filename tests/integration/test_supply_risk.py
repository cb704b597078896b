"""marts.supply_risk against geopolrisk-py 2.0.1's own results (reference_checks/geopolrisk/, made
by running the package in an environment of its own), and supply_risk_production's arithmetic."""

from __future__ import annotations

import polars as pl
import pytest
from helpers import PROJECT

REFERENCE = PROJECT / "reference_checks" / "geopolrisk" / "geopolrisk_py_2.0.1_tungsten.csv"


def frame(con, sql: str) -> pl.DataFrame:
    cur = con.execute(sql)
    return pl.DataFrame(cur.fetchall(), schema=[d[0] for d in cur.description], orient="row")


def test_geopolrisk_scores_equal_the_packages_own(serving_con):
    ref = pl.read_csv(REFERENCE)
    countries = ref.filter(pl.col("importer_iso3") != "EU27")  # the package's EU-27 region is not computed here
    assert countries["importer_iso3"].n_unique() >= 5 and countries["year"].n_unique() >= 3
    ours = frame(serving_con, "SELECT importer_iso3, year, production_hhi, import_risk, geopolrisk_score, imports_t, "
                              "domestic_production_t_w FROM marts.supply_risk")
    both = countries.join(ours, on=["importer_iso3", "year"], how="left", suffix="_ours")
    assert both["geopolrisk_score_ours"].null_count() == 0, both.filter(pl.col("geopolrisk_score_ours").is_null())
    for r in both.iter_rows(named=True):
        key = (r["importer_iso3"], r["year"])
        assert r["production_hhi"] == pytest.approx(r["hhi"], rel=0.01), key
        assert r["import_risk_ours"] == pytest.approx(r["import_risk"], rel=0.01), key
        assert r["geopolrisk_score_ours"] == pytest.approx(r["geopolrisk_score"], rel=0.01), key
        assert r["imports_t"] == pytest.approx(r["sum_import_q_t"], rel=1e-9), key
        assert r["domestic_production_t_w"] == pytest.approx(r["domestic_production_t"], abs=1e-9), key


def test_import_risk_follows_from_the_raw_rows(serving_con):
    """Japan 2022 recomputed here from raw BACI flows, raw WGI scores and raw WMD production."""
    q = frame(serving_con, "SELECT reporter_iso3 AS exporter, sum(coalesce(net_weight_kg, 0)) / 1000 AS t "
                           "FROM raw.trade_flows WHERE source_id = 'cepii_baci' AND partner_iso3 = 'JPN' AND year = 2022 "
                           "AND hs_code IN ('261100', '810110') GROUP BY 1")
    wgi = frame(serving_con, "SELECT country_iso3 AS exporter, normalized FROM raw.governance_indicators "
                             "WHERE year = 2022 AND indicator = 'PV.EST' AND normalized IS NOT NULL")
    j = q.join(wgi, on="exporter", how="left").with_columns(pl.col("normalized").fill_null(0.5))
    expected = (j["t"] * j["normalized"]).sum() / j["t"].sum()  # Japan mines no tungsten
    got = serving_con.execute("SELECT import_risk, domestic_production_t_w FROM marts.supply_risk "
                              "WHERE importer_iso3 = 'JPN' AND year = 2022").fetchone()
    assert got[1] == 0 and got[0] == pytest.approx(expected, rel=1e-9)


def test_supply_risk_production_arithmetic(serving_con):
    rows = frame(serving_con, "SELECT r.source_id, r.year, r.hhi, c.hhi AS hhi_10000, r.hhi_wgi_global, r.eol_rir, "
                              "r.si_sr, r.eu_style_sr_global_supply FROM marts.supply_risk_production r "
                              "JOIN marts.supply_concentration c USING (source_id, year)")
    assert set(rows["source_id"]) >= {"usgs_mcs", "bgs_wms", "wmd"}
    for r in rows.iter_rows(named=True):
        assert r["hhi"] * 10_000 == pytest.approx(r["hhi_10000"], rel=1e-9)
        assert (r["eol_rir"], r["si_sr"]) == (0.42, 0.96)  # the EU CRM 2023 assessment's, ref.supply_risk_inputs
        assert r["eu_style_sr_global_supply"] == pytest.approx(r["hhi_wgi_global"] * 0.58 * 0.96)
        assert 0 < r["hhi_wgi_global"] <= 10 * r["hhi"]
