"""The questions an analyst asks of the embedded data, answered by `tungsten sql` from the serving
file, each checked against the same figure computed here from the raw rows the marts rest on:
Japan's 2022 dependence on China (HS 2611 and 8101.10), the US's top three HS 2611 suppliers by
year since 2015, the world median unit value of HS 2611 in 2015 and 2024, and USGS vs BGS vs
World Mining Data for China 2018-2023."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from helpers import warehouse_env

BACI = "source_id = 'cepii_baci'"


@pytest.fixture
def sql(built_warehouse):
    """`tungsten sql -f csv` as a user runs it: its own process (its read-only connection)."""
    env = {**os.environ, **warehouse_env(built_warehouse)}
    tungsten = Path(sys.executable).with_name("tungsten")

    def ask(query: str) -> list[dict]:
        res = subprocess.run([str(tungsten), "sql", "-f", "csv", query], env=env, capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        return list(csv.DictReader(io.StringIO(res.stdout)))
    return ask


@pytest.fixture
def baci(serving_con) -> pl.DataFrame:
    """BACI's raw rows: each flow once, exporter (reporter) -> importer (partner)."""
    rows = serving_con.execute(f"SELECT year, reporter_iso3, partner_iso3, hs_code, value_usd, net_weight_kg, flow "
                               f"FROM raw.trade_flows WHERE {BACI}").fetchall()
    return pl.DataFrame(rows, orient="row", schema=["year", "exporter", "importer", "hs", "usd", "kg", "flow"])


def test_japan_2022_dependence_on_china(sql, baci):
    got = {r["hs_group"]: r for r in sql(
        f"SELECT hs_group, imports_usd, from_china_pct, top_partner_iso3 FROM marts.import_dependence "
        f"WHERE {BACI} AND country_iso3 = 'JPN' AND year = 2022")}
    assert set(baci["flow"]) == {"export"}
    for group, hs in (("ores_concentrates", "261100"), ("metal_articles", "810110")):
        flows = baci.filter((pl.col("importer") == "JPN") & (pl.col("year") == 2022) & (pl.col("hs") == hs))
        total = flows["usd"].sum()
        china = flows.filter(pl.col("exporter") == "CHN")["usd"].sum()
        top = flows.sort(["usd", "exporter"], descending=[True, False])["exporter"][0]
        assert float(got[group]["imports_usd"]) == pytest.approx(total)
        assert float(got[group]["from_china_pct"]) == pytest.approx(100 * china / total)
        assert got[group]["top_partner_iso3"] == top
    assert float(got["metal_articles"]["from_china_pct"]) > 80  # Japan's powder comes from China


def test_us_top_three_hs2611_suppliers_by_year_since_2015(sql, baci):
    got = sql("SELECT year, string_agg(partner_iso3, ' ' ORDER BY rank) AS top3 FROM marts.trade_partner_share "
              f"WHERE {BACI} AND reporter_iso3 = 'USA' AND flow = 'import' AND hs_code = '261100' "
              "AND year >= 2015 AND rank <= 3 GROUP BY year ORDER BY year")
    expected = (baci.filter((pl.col("importer") == "USA") & (pl.col("hs") == "261100") & (pl.col("year") >= 2015))
                .group_by("year", "exporter").agg(pl.col("usd").sum())
                .sort(["year", "usd", "exporter"], descending=[False, True, False])
                .group_by("year", maintain_order=True).head(3)
                .group_by("year", maintain_order=True).agg(pl.col("exporter").str.join(" ")))
    assert [(int(r["year"]), r["top3"]) for r in got] == expected.rows()
    assert len(got) == 10  # 2015-2024


def test_world_median_unit_value_of_hs2611(sql, baci):
    got = {int(r["year"]): float(r["median_unit_value_usd_per_t"]) for r in sql(
        f"SELECT year, median_unit_value_usd_per_t FROM marts.price_proxy_world "
        f"WHERE {BACI} AND hs_code = '261100' AND year IN (2015, 2024)")}
    for year in (2015, 2024):
        used = baci.filter((pl.col("hs") == "261100") & (pl.col("year") == year) & (pl.col("kg") >= 1000))
        median = (used["usd"] / (used["kg"] / 1000)).quantile(0.5, "linear")
        assert got[year] == pytest.approx(median, rel=1e-9)


def test_usgs_bgs_and_world_mining_data_for_china(sql, serving_con):
    got = sql("SELECT year, source_a, production_a_t_w, source_b, production_b_t_w FROM marts.production_source_comparison "
              "WHERE country_iso3 = 'CHN' AND year BETWEEN 2018 AND 2023 ORDER BY year, source_a, source_b")
    # each source's figure: the latest edition holding the year (USGS revises; BGS and WMD have one)
    raw = dict(((s, y), v) for s, y, v in serving_con.execute(
        "SELECT source_id, year, arg_max(value_t_w, vintage) FROM raw.figures WHERE country_iso3 = 'CHN' "
        "AND metric = 'mine_production' AND year BETWEEN 2018 AND 2023 GROUP BY ALL").fetchall())
    seen = set()
    for r in got:
        year = int(r["year"])
        for side in ("a", "b"):
            source = r[f"source_{side}"]
            seen.add((source, year))
            assert float(r[f"production_{side}_t_w"]) == pytest.approx(raw[(source, year)])
    assert {s for s, _ in seen} == {"usgs_mcs", "bgs_wms", "wmd"}
    assert {y for _, y in seen} == set(range(2018, 2024))
    assert seen == {k for k in raw if k[0] != "usgs_mcs" or k[1] >= 2020}  # USGS's editions here start at 2020
