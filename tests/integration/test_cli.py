"""The tungsten command line as a user runs it (in-process through Typer's runner)."""

import json
import subprocess

import pytest
from typer.testing import CliRunner

from tungsten_cli.app import app

runner = CliRunner()


def test_sql_json_and_csv(warehouse):
    r = runner.invoke(app, ["sql", "SELECT country_iso3, round(share_pct, 1) AS share FROM marts.supply_share "
                                   "WHERE source_id='usgs_mcs' AND year=2024 ORDER BY rank LIMIT 2", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0] == {"country_iso3": "CHN", "share": 81.7}
    r = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM raw.figures WHERE source_id = 'bgs_wms' AND dataset = 'production'", "-f", "csv"])
    assert r.exit_code == 0 and r.stdout.splitlines() == ["n", "1301"]


def test_sql_is_read_only(warehouse):
    r = runner.invoke(app, ["sql", "DROP TABLE marts.supply_share"])
    assert r.exit_code == 1 and "read-only" in r.output.lower()


@pytest.mark.slow
def test_refresh_summary_and_status(warehouse):
    from integration_helpers import expected_loads

    r = runner.invoke(app, ["refresh"])
    assert r.exit_code == 0, r.output
    # nothing changed: settled before the daily job runs
    assert "nothing changed since the last publish" in r.stdout
    assert "marts up to date" in r.stdout
    # forced through the job: every file is met and skipped as unchanged, the marts are rebuilt
    r = runner.invoke(app, ["refresh", "--force"])
    assert r.exit_code == 0, r.output
    assert f"0 loaded, {expected_loads()} skipped as unchanged, 0 refused" in r.stdout
    r = runner.invoke(app, ["status"])
    assert r.exit_code == 0 and "figures" in r.stdout and "usgs_mcs" in r.stdout and "MCS2026" in r.stdout


def test_ingest_refusal_exits_nonzero(warehouse, tmp_path):
    bad = tmp_path / "mcs2023-tungs_world.csv"
    bad.write_text("Source,Country,Type,Prod_t_2021\nMCS2023,China,\"Mine production, contained tungsten\",seventy\n")
    r = runner.invoke(app, ["ingest", "usgs", str(bad)])
    assert r.exit_code == 1
    assert "mcs2023-tungs_world.csv, line 2, field 'Prod_t_2021'" in r.output
    assert "serving file is unchanged" in r.output


@pytest.mark.slow
def test_ingest_icmm_real_workbook(warehouse):
    from integration_helpers import REAL

    r = runner.invoke(app, ["ingest", "icmm", str(REAL / "projects" / "ICMM_global-mining-dataset_2025-09_V1.xlsx")])
    assert r.exit_code == 0, r.output
    assert "sites" in r.stdout and "170" in r.stdout
    r = runner.invoke(app, ["sql", "SELECT count(*) AS n, count(DISTINCT source_file) AS files FROM raw.sites "
                                   "WHERE source_id = 'icmm_gmd'", "-f", "csv"])
    assert r.stdout.splitlines()[1] == "170,1"


def _tungsten(*args: str) -> "subprocess.CompletedProcess[str]":
    """The console script's entry point in a fresh process, as `tungsten ...` runs it."""
    import os
    import sys

    return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)


def test_console_script_keeps_output_and_exit_status(warehouse):
    """The process ends without Python's teardown (tungsten_cli/fast_exit.py), yet prints
    everything and exits with the command's status."""
    r = _tungsten("sql", "SELECT 6 * 7 AS answer", "-f", "csv")
    assert (r.returncode, r.stdout.splitlines()) == (0, ["answer", "42"]), r.stderr
    r = _tungsten("sql", "DROP TABLE marts.supply_share")
    assert r.returncode == 1 and "read-only" in r.stderr.lower()
    r = _tungsten("no-such-command")
    assert r.returncode == 2 and "no-such-command" in r.stderr


def test_sql_cannot_write_read_files_or_unlock(warehouse):
    """The attacks of the hostile-input review through the CLI itself: each refused with a
    message, the serving file and the build unchanged, no file written."""
    from integration_helpers import digest

    before = digest(warehouse.serving), digest(warehouse.build)
    for sql in [f"COPY (SELECT 1) TO '{warehouse.serving}' (FORMAT csv)",
                f"ATTACH '{warehouse.build}' AS b (READ_WRITE)",
                "SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM read_csv('/etc/passwd')",
                f"EXPORT DATABASE '{warehouse.home}/export'", "INSTALL httpfs", "LOAD httpfs",
                "SET enable_external_access = true"]:
        r = _tungsten("sql", sql)
        assert r.returncode == 1 and r.stderr.startswith("error: refused"), (sql, r.stderr)
        assert "Traceback" not in r.stderr
    assert (digest(warehouse.serving), digest(warehouse.build)) == before
    assert not (warehouse.home / "export").exists()


def test_sql_prints_values_as_they_are(warehouse):
    r = runner.invoke(app, ["sql", "SELECT ':x: [bold]w[/bold]' AS v"])
    assert r.exit_code == 0 and ":x: [bold]w[/bold]" in r.stdout


@pytest.mark.slow
def test_an_unforeseen_error_is_one_line_and_a_log(warehouse):
    """A folder where the build file should be (a damaged file is set aside and rebuilt, see
    test_recovery; a folder is nothing the warehouse made): the refresh fails with one line naming
    the path and where the traceback went, never a traceback."""
    warehouse.build.unlink()
    warehouse.build.mkdir()
    r = _tungsten("refresh", "--force")
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert str(warehouse.build) in r.stderr, r.stderr
    logs = list((warehouse.home / "logs").glob("crash-*.log")) + list((warehouse.home / "logs").glob("daily-*.log"))
    assert logs


def test_status_says_when_the_served_file_is_behind_and_why(warehouse, tmp_path):
    """After a load that was not published, `status` says the served file is behind the build
    and that no build finished since; after a failed build, it quotes the failure."""
    from helpers import edited

    from warehouse.refresh import record_failed_build

    r = runner.invoke(app, ["status"])
    assert "serving file: current" in r.stdout
    p = edited(tmp_path, "claims.csv", "PB-CHN-SHARE-2024,country,CHN,mine_supply_share,2024,81,",
               "PB-CHN-SHARE-2024,country,CHN,mine_supply_share,2024,80,")
    r = runner.invoke(app, ["ingest", "claims", str(p), "--no-publish"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["status"])
    assert "behind the build: files were loaded" in r.stdout and "no build has finished" in r.stdout, r.stdout
    record_failed_build(warehouse, "dbt build failed, the serving file was not replaced: in_range_x: fail 1")
    r = runner.invoke(app, ["status"])
    assert "failed: dbt build failed" in r.stdout and "in_range_x" in r.stdout, r.stdout


@pytest.mark.slow
def test_file_content_and_names_are_echoed_as_they_are(warehouse, tmp_path):
    """A refused file's name and content are printed literally, not as rich markup or emoji."""
    path = tmp_path / "prices :x: [red]sheet.csv"
    path.write_text("Country,Year,Value\n:x: [bold]Atlantis[/bold],2020,5\n")
    r = _tungsten("ingest", "bgs", str(path))
    assert r.returncode == 1, r.stderr
    assert "prices :x: [red]sheet.csv" in r.stderr and "Traceback" not in r.stderr, r.stderr
    # a refusal that quotes the file's cell prints the cell as it is
    cell = tmp_path / "mcs2023-tungs_world.csv"
    cell.write_text('Source,Country,Type,Prod_t_2021\nMCS2023,China,"Mine production, contained tungsten",'
                    ':x: [bold]seventy[/bold]\n')
    r = _tungsten("ingest", "usgs", str(cell))
    assert r.returncode == 1 and "':x: [bold]seventy[/bold]'" in r.stderr and "\u274c" not in r.stderr, r.stderr


@pytest.mark.slow
def test_a_negative_claimed_share_is_refused(warehouse, tmp_path):
    from helpers import edited

    p = edited(tmp_path, "claims.csv", "PB-CHN-SHARE-2024,country,CHN,mine_supply_share,2024,81,",
               "PB-CHN-SHARE-2024,country,CHN,mine_supply_share,2024,-81,")
    for args in (["ingest", "claims", str(p)], ["ingest", "claims", str(p), "--no-publish"]):
        r = _tungsten(*args)
        assert r.returncode == 1 and "expect_column_values_to_be_between on value" in r.stderr, r.stderr
        assert "loaded into the build" not in r.stdout + r.stderr, r.stdout  # nothing was, so it must not say so


def test_an_unwritable_serving_folder_is_named(warehouse, monkeypatch):
    """A serving path where no file can be made (/proc refuses even root): the refresh fails with
    the cause (the folder and the OS's reason), not a traceback, and leaves no temporary file."""
    target = "/proc/tungsten-serving-test/tungsten.duckdb"
    monkeypatch.setenv("TUNGSTEN_SERVING_PATH", target)
    r = _tungsten("refresh", "--force")
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "/proc/tungsten-serving-test" in r.stderr, r.stderr
