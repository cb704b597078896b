"""marts.revisions on the embedded snapshot: what MCS2026 revised from MCS2025, matched by
country code and aggregate kind (the world row is renamed between the editions), with both
editions' file lines; and `tungsten changes --since MCS2025` printing it from the lake."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import PROJECT, warehouse_env

ROWS = """SELECT metric, country_key, year, previous_year, previous_value_t_w, value_t_w, change_t_w, round(change_pct, 1),
       previous_source_file, previous_source_line, source_file, source_line
FROM marts.revisions WHERE source_id = 'usgs_mcs' AND previous_vintage = 'MCS2025' AND vintage = 'MCS2026'
  AND change_kind = 'revised' AND dataset = 'world' AND country_key IN ('RUS', 'AGG:world', 'CHN')
  AND (metric = 'reserves' OR year = 2024) ORDER BY metric, country_key"""


def test_mcs2025_to_mcs2026(serving_con):
    rows = serving_con.execute(ROWS).fetchall()
    assert rows == [
        ("mine_production", "AGG:world", 2024, 2024, 81000.0, 82000.0, 1000.0, 1.2,
         "MCS2025_World_Data.csv", 1185, "MCS2026_Commodities_Data.csv", 8219),
        ("mine_production", "RUS", 2024, 2024, 2000.0, 1500.0, -500.0, -25.0,
         "MCS2025_World_Data.csv", 1180, "MCS2026_Commodities_Data.csv", 8214),
        ("reserves", "AGG:world", 2025, 2024, 4600000.0, 4700000.0, 100000.0, 2.2,
         "MCS2025_World_Data.csv", 1185, "MCS2026_Commodities_Data.csv", 8247),
        ("reserves", "CHN", 2025, 2024, 2400000.0, 2500000.0, 100000.0, 4.2,
         "MCS2025_World_Data.csv", 1177, "MCS2026_Commodities_Data.csv", 8238),
    ]
    # China's 2024 production was not revised (67,000 t in both), so it is not a row
    assert serving_con.execute("SELECT count(*) FROM marts.revisions WHERE vintage = 'MCS2026' AND country_key = 'CHN' "
                               "AND metric = 'mine_production' AND year = 2024").fetchone()[0] == 0


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
