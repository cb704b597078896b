"""marts.revisions on the embedded snapshot: what MCS2026 revised from MCS2025, matched by
country code and aggregate kind (the world row is renamed between the editions), with both
editions' file lines; and `tungsten changes --since MCS2025` printing it from the lake."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import PROJECT, warehouse_env

ROWS = """SELECT metric, country_key, year, previous_year, previous_value, value, change_t_w, round(change_pct, 1),
       previous_source_file, previous_source_line, source_file, source_line
FROM marts.revisions WHERE source_id = 'usgs_mcs' AND previous_vintage = 'MCS2025' AND vintage = 'MCS2026'
  AND change_kind = 'revised' AND dataset = 'world' AND country_key IN ('RUS', 'AGG:world', 'CHN')
  AND (metric = 'reserves' OR year = 2024) ORDER BY metric, country_key"""


def test_mcs2025_to_mcs2026(serving_con):
    rows = serving_con.execute(ROWS).fetchall()
    assert rows == [
        ("mine_production", "AGG:world", 2024, 2024, 81000.0, 82000.0, None, 1.2,
         "MCS2025_World_Data.csv", 1185, "MCS2026_Commodities_Data.csv", 8219),
        ("mine_production", "RUS", 2024, 2024, 2000.0, 1500.0, -500.0, -25.0,
         "MCS2025_World_Data.csv", 1180, "MCS2026_Commodities_Data.csv", 8214),
        ("reserves", "AGG:world", 2025, 2024, 4600000.0, 4700000.0, None, 2.2,
         "MCS2025_World_Data.csv", 1185, "MCS2026_Commodities_Data.csv", 8247),
        ("reserves", "CHN", 2025, 2024, 2400000.0, 2500000.0, 100000.0, 4.2,
         "MCS2025_World_Data.csv", 1177, "MCS2026_Commodities_Data.csv", 8238),
    ]
    # China's 2024 production was not revised (67,000 t in both), so it is not a row
    assert serving_con.execute("SELECT count(*) FROM marts.revisions WHERE vintage = 'MCS2026' AND country_key = 'CHN' "
                               "AND metric = 'mine_production' AND year = 2024").fetchone()[0] == 0


# every figure of raw.figures (the world total apart), keyed as marts.revisions matches them: a
# metric of ref.revision_matching by edition (its latest year there), every other by its year
FIGURES = """WITH editions AS (
    SELECT source_id, vintage, row_number() OVER (PARTITION BY source_id ORDER BY edition_year) AS n
    FROM (SELECT DISTINCT source_id, vintage, cast(regexp_extract(vintage, '(\\d{4})$', 1) AS INTEGER) AS edition_year
          FROM raw.figures))
SELECT f.source_id, f.dataset, f.metric, f.country_iso3, f.aggregate_kind,
       CASE WHEN m.metric IS NULL THEN cast(f.year AS VARCHAR) ELSE 'edition' END AS figure, e.n, f.value_t_w
FROM raw.figures f JOIN editions e USING (source_id, vintage)
LEFT JOIN ref.revision_matching m ON m.metric = f.metric AND m.matched_on = 'edition'
WHERE f.aggregate_kind IS DISTINCT FROM 'world'
QUALIFY m.metric IS NULL OR f.year = max(f.year) OVER (PARTITION BY f.source_id, f.vintage, f.dataset, f.metric, f.country_iso3,
                                                                   f.aggregate_kind)"""
KEY = ("source_id", "dataset", "metric", "country_iso3", "aggregate_kind", "figure")


def test_each_change_of_a_figure_is_one_row(serving_con):
    """A figure's change_t_w over its rows sum to its changes from one edition to the next as
    raw.figures holds them (its last value less its first where every edition between holds it):
    no change left out, none counted twice. China's reserves: 1.8 Mt in MCS2023, 2.5 Mt in MCS2026."""
    got = serving_con.execute(
        f"SELECT {', '.join(KEY)}, sum(change_t_w) FROM (SELECT *, CASE WHEN metric IN (SELECT metric FROM "
        f"ref.revision_matching WHERE matched_on = 'edition') THEN 'edition' ELSE cast(year AS VARCHAR) END AS figure "
        f"FROM marts.revisions WHERE aggregate_kind IS DISTINCT FROM 'world') GROUP BY ALL").fetchall()
    same = " AND ".join(f"b.{c} IS NOT DISTINCT FROM a.{c}" for c in KEY)
    want = serving_con.execute(
        f"WITH f AS ({FIGURES}) SELECT {', '.join('a.' + c for c in KEY)}, sum(b.value_t_w - a.value_t_w) "
        f"FROM f a JOIN f b ON b.n = a.n + 1 AND {same} GROUP BY ALL").fetchall()
    got, want = ({tuple(k): v for *k, v in rows if v} for rows in (got, want))
    assert len(want) > 50
    assert got == want
    assert got[("usgs_mcs", "world", "reserves", "CHN", None, "edition")] == 2500000.0 - 1800000.0


def test_the_world_total_has_no_t_w_beside_its_parts(serving_con):
    """The world total's rows say its revision in previous_value and value, with no t W column
    (a plain SUM of change_t_w would count the world and its parts)."""
    rows = serving_con.execute("SELECT count(*), count(previous_value_t_w), count(value_t_w), count(change_t_w), "
                               "count(value) FILTER (WHERE change_kind = 'revised') FROM marts.revisions "
                               "WHERE aggregate_kind = 'world'").fetchone()
    assert rows[0] >= 10 and rows[1:4] == (0, 0, 0) and rows[4] >= 5


def test_new_and_dropped_figures(serving_con):
    kinds = dict(serving_con.execute("SELECT change_kind, count(*) FROM marts.revisions WHERE vintage = 'MCS2026' "
                                     "AND dataset = 'world' AND metric = 'mine_production' GROUP BY ALL").fetchall())
    # MCS2026 adds 2025 and drops 2023 for each country it lists
    assert kinds["new"] >= 10 and kinds["dropped"] >= 10
    years = dict(serving_con.execute("SELECT change_kind, list(DISTINCT year ORDER BY year) FROM marts.revisions "
                                     "WHERE vintage = 'MCS2026' AND dataset = 'world' AND metric = 'mine_production' "
                                     "GROUP BY ALL").fetchall())
    assert 2025 in years["new"] and 2025 not in years["dropped"] + years["revised"]
    assert years["dropped"] == [2023]


def test_changes_since_an_edition_prints_the_revisions(built_warehouse):
    env = {**os.environ, **warehouse_env(built_warehouse), "COLUMNS": "250"}
    for k in ("TUNGSTEN_LAKE_CATALOG", "TUNGSTEN_LAKE_DATA"):
        env.pop(k, None)
    out = subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "changes", "--since", "MCS2025"],
                         capture_output=True, text=True, cwd=PROJECT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert ("revised usgs_mcs MCS2025 -> MCS2026 mine_production Russia (RUS) 2024: 2,000 -> 1,500 t_w (-25.0 %) "
            "[MCS2025_World_Data.csv:1180 -> MCS2026_Commodities_Data.csv:8214]") in out.stdout
    assert "mine_production World total (AGG:world) 2024: 81,000 -> 82,000 t_w" in out.stdout
