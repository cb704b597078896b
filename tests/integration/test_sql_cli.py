"""`tungsten sql` as people use it: cells printed literally, floats rounded for display only, a row
count at the end, a vertical mode, and --output to csv, parquet, xlsx or json with every digit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import polars as pl
import pytest
from helpers import warehouse_env


def _sql(root, *args):
    return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "sql", *args],
                          capture_output=True, text=True, env={**os.environ, **warehouse_env(root)}, timeout=120)


def test_cells_print_as_typed_floats_round_and_the_count_ends_the_table(built_warehouse):
    r = _sql(built_warehouse, "SELECT '[bold]x[/bold]' AS markup, ':x:' AS emoji, 2/3 AS third, 1e20 AS big, "
                              "NULL AS nothing UNION ALL SELECT '[red]y', 'z', 1.5, 0.0, NULL")
    assert r.returncode == 0, r.stderr
    assert "[bold]x[/bold]" in r.stdout and "[red]y" in r.stdout and ":x:" in r.stdout
    assert "0.6667" in r.stdout and "0.666666" not in r.stdout and "1e+20" in r.stdout
    assert r.stdout.rstrip().splitlines()[-1] == "(2 rows)"


def test_vertical_mode_prints_a_block_per_row(built_warehouse):
    r = _sql(built_warehouse, "SELECT country_iso3, share_pct FROM marts.supply_share WHERE source_id = 'usgs_mcs' "
                              "AND year = 2024 AND country_iso3 = 'CHN'", "--vertical")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.rstrip().splitlines()
    assert lines[0].startswith("-[ row 1 ]")
    assert lines[1].split("|")[0].strip() == "country_iso3" and lines[1].split("|")[1].strip() == "CHN"
    assert lines[2].split("|")[1].strip() == "81.7073"
    assert lines[-1] == "(1 row)"


@pytest.mark.parametrize("ext", ["csv", "parquet", "xlsx", "json"])
def test_output_writes_the_file_with_every_digit(built_warehouse, tmp_path, ext):
    path = tmp_path / f"out.{ext}"
    q = "SELECT year, share_pct FROM marts.supply_share WHERE source_id = 'usgs_mcs' AND country_iso3 = 'CHN' ORDER BY year"
    r = _sql(built_warehouse, q, "--output", str(path))
    assert r.returncode == 0, r.stderr
    frame = {"csv": pl.read_csv, "parquet": pl.read_parquet, "xlsx": pl.read_excel,
             "json": lambda p: pl.DataFrame(json.loads(p.read_text()))}[ext](path)
    assert frame.columns == ["year", "share_pct"] and frame.height > 3
    assert 81.70731707317073 in frame["share_pct"].to_list()
    assert f"({frame.height} rows) written to {path}" in r.stdout


def test_output_with_an_unknown_ending_is_refused(built_warehouse, tmp_path):
    r = _sql(built_warehouse, "SELECT 1", "--output", str(tmp_path / "out.txt"))
    assert r.returncode == 2 and ".csv" in r.stderr and not (tmp_path / "out.txt").exists()


@pytest.mark.slow
def test_refresh_reports_progress_by_stage(warehouse):
    r = subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "refresh", "--force"],
                       capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = [line for line in r.stderr.splitlines() if ": done, " in line]
    assert [line.split(":")[0] for line in lines] == ["load and validate files", "dbt build", "publish", "report"], r.stderr
    built = next(line for line in lines if line.startswith("dbt build"))
    n = int(built.split("done, ")[1].split(" of ")[0])
    assert n > 20 and f"{n} of {n} dbt models and seeds built" in built
    assert "published" in r.stdout and "took" in r.stdout
