"""A whole refresh in a temporary directory, and the gate's promise that refused files
change nothing: not raw.*, not the serving file's bytes."""

import shutil

import duckdb
import pytest
from integration_helpers import BGS, USGS, digest, expected_loads
from integration_helpers import query as q

from ingest.sources import all_sources, cited_sources
from tungsten_cli.daily import run_daily
from warehouse.plan import files_to_load
from warehouse.refresh import ingest_file

USGS_WORLD = "raw.figures WHERE source_id = 'usgs_mcs' AND dataset = 'world'"

def test_cold_refresh_answers_the_questions(serving_con):
    share = serving_con.execute(
        "SELECT vintage, share_pct FROM marts.supply_share WHERE source_id = 'usgs_mcs' AND country_iso3 = 'CHN' AND year = 2024"
    ).fetchone()
    assert share[0] == "MCS2026" and share[1] == pytest.approx(100 * 67000 / 82000)
    world = serving_con.execute(
        "SELECT world_reserves_t_w, world_reserves_published, qualifier FROM marts.reserves_world WHERE is_latest_vintage"
    ).fetchone()
    assert world == (4_700_000, ">4,700,000", "greater_than")
    assert serving_con.execute("SELECT min(year), count(*) FROM raw.figures "
                               "WHERE source_id = 'bgs_wms' AND dataset = 'production'").fetchone() == (1971, 1301)
    loads = serving_con.execute("SELECT count(*) FROM meta.loads WHERE status = 'passed'").fetchone()[0]
    assert loads == expected_loads()  # every snapshot file (one the trade aggregate), claims, the tables of projects.yml
    # every source folder, and every source the curated figures cite
    assert serving_con.execute("SELECT count(*) FROM meta.sources").fetchone()[0] == len(all_sources()) + len(cited_sources())


def test_serving_file_is_readable_by_duckdb_1x(built_warehouse):
    """Storage version 64 in the header is the format DuckDB 1.0 onwards reads (2.0 writes 999)."""
    path = built_warehouse / "serving" / "tungsten.duckdb"
    header = path.read_bytes()[:64]
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == 64


def test_noop_refresh_reloads_nothing(warehouse):
    before = digest(warehouse.serving)
    loads_before = q(warehouse.build, "SELECT count(*) FROM meta.loads")
    summary = run_daily(warehouse)
    assert summary.ok
    # nothing changed: settled before the job runs, so no file is loaded (or even recorded as skipped)
    assert not [r for r in summary.loads if r.status != "skipped"]
    assert summary.run_id is None
    assert not summary.built and not summary.published
    assert q(warehouse.build, "SELECT count(*) FROM meta.loads") == loads_before
    assert digest(warehouse.serving) == before
    assert not files_to_load(warehouse)  # nothing for the worker to validate ahead either


def test_files_to_load_lists_what_the_build_lacks(warehouse, tmp_path, monkeypatch):
    """What `tungsten refresh` has validated ahead: a curated file edited since its load, not
    a snapshot edition a user's own file holds."""
    from helpers import edited

    from ingest.locations import CURATED_DIR
    from warehouse.paths import current

    text = (BGS / "BGS_tungsten_production.csv").read_text(encoding="utf-8-sig")
    p = tmp_path / "bgs_corrected.csv"
    p.write_text(text.replace(",66000,Mine production of tungsten", ",65000,Mine production of tungsten", 1))
    assert ingest_file(warehouse, "bgs", p).ok
    cur = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, cur)
    path = edited(cur, "claims.csv", "2029", "2030")
    monkeypatch.setenv("TUNGSTEN_CURATED_DIR", str(cur))
    files = files_to_load(current())
    assert files.snapshots == [] and not files.damaged
    assert [(c.path, c.sha256) for c in files.curated] == [(path, digest(path))]


@pytest.mark.slow
def test_changed_model_rebuilds(warehouse, monkeypatch):
    monkeypatch.setattr("warehouse.dbt_build.fingerprint", lambda: "changed")
    summary = run_daily(warehouse)
    assert summary.ok, summary.errors
    assert summary.built and summary.published


def _refused(warehouse, source, path):
    before = digest(warehouse.serving)
    raw_before = q(warehouse.build, "SELECT count(*), sum(value) FROM " + USGS_WORLD)
    summary = ingest_file(warehouse, source, path)
    assert not summary.ok and {r.status for r in summary.loads} == {"failed"}
    assert digest(warehouse.serving) == before
    assert q(warehouse.build, "SELECT count(*), sum(value) FROM " + USGS_WORLD) == raw_before
    failed = q(warehouse.build, "SELECT file_name, report_path FROM meta.loads WHERE status = 'failed'")
    assert failed and failed[0][0] == path.name
    from pathlib import Path

    assert Path(failed[0][1]).exists()
    landed = list(warehouse.landing.rglob(path.name))
    assert landed and landed[0].read_bytes() == path.read_bytes()
    return summary.errors[0]


def test_negative_value_is_refused(warehouse, tmp_path):
    text = (USGS / "MCS2025_World_Data.csv").read_text(encoding="utf-8-sig")
    p = tmp_path / "MCS2025_World_Data.csv"
    p.write_text(text.replace("China,\"Mine production, tungsten content\",metric tons,66000", "China,\"Mine production, tungsten content\",metric tons,-66000"))
    msg = _refused(warehouse, "usgs", p)
    assert "MCS2025_World_Data.csv" in msg and "expect_column_values_to_be_between on value" in msg and '"China"' in msg


def test_duplicated_row_is_refused(warehouse, tmp_path):
    lines = (USGS / "mcs2024-tungs_world.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    p = tmp_path / "mcs2024-tungs_world.csv"
    p.write_text("".join(lines[:6] + [lines[5]] + lines[6:]))
    msg = _refused(warehouse, "usgs", p)
    assert "expect_compound_columns_to_be_unique" in msg


def test_wrong_header_is_refused_before_loading(warehouse, tmp_path):
    from ingest.errors import ParseError

    p = tmp_path / "mcs2024-tungs_world.csv"
    p.write_text((USGS / "mcs2024-tungs_world.csv").read_text(encoding="utf-8-sig").replace("Reserves_t,", "Reserves_kt,", 1))
    before = digest(warehouse.serving)
    with pytest.raises(ParseError, match="Reserves_kt"):
        ingest_file(warehouse, "usgs", p)
    assert digest(warehouse.serving) == before
    failed = q(warehouse.build, "SELECT file_name, status, message FROM meta.loads WHERE status = 'failed'")
    assert failed[0][:2] == ("mcs2024-tungs_world.csv", "failed") and "Reserves_kt" in failed[0][2]
    assert list(warehouse.landing.rglob("mcs2024-tungs_world.csv"))[0].read_bytes() == p.read_bytes()


@pytest.mark.slow
def test_user_file_loads_and_is_kept_over_the_snapshot(warehouse, tmp_path):
    text = (BGS / "BGS_tungsten_production.csv").read_text(encoding="utf-8-sig")
    p = tmp_path / "bgs_corrected.csv"
    p.write_text(text.replace(",66000,Mine production of tungsten", ",65000,Mine production of tungsten", 1))
    summary = ingest_file(warehouse, "bgs", p)
    assert summary.ok and not summary.published  # ingest_file only loads; the daily job publishes
    summary = run_daily(warehouse)
    assert summary.ok and summary.published
    china = q(warehouse.serving, "SELECT production_t_w FROM marts.supply_share WHERE source_id='bgs_wms' AND country_iso3='CHN' AND year=2023")
    assert china == [(65000.0,)]
    # the daily job must not revert the user's newer file: not a plain run (nothing to do) ...
    again = run_daily(warehouse)
    assert again.ok and not again.published
    assert q(warehouse.serving, "SELECT production_t_w FROM marts.supply_share WHERE source_id='bgs_wms' AND country_iso3='CHN' AND year=2023") == [(65000.0,)]
    # ... nor one forced through the job, which meets the snapshot's BGS file and keeps the user's
    again = run_daily(warehouse, force=True)
    assert again.ok, again.errors
    assert any("kept bgs_corrected.csv" in (r.message or "") for r in again.loads)
    assert q(warehouse.serving, "SELECT production_t_w FROM marts.supply_share WHERE source_id='bgs_wms' AND country_iso3='CHN' AND year=2023") == [(65000.0,)]


def test_hand_edited_snapshot_is_refused(warehouse, tmp_path, monkeypatch):
    snap = tmp_path / "snap"
    from ingest.locations import SNAPSHOT_DIR

    shutil.copytree(SNAPSHOT_DIR, snap)
    target = snap / "usgs_mcs" / "MCS2025.world.csv"
    text = target.read_text()
    assert "67000.0" in text
    target.write_text(text.replace("67000.0", "97000.0"))
    monkeypatch.setenv("TUNGSTEN_SNAPSHOT_DIR", str(snap))
    from warehouse.paths import current

    before = digest(warehouse.serving)
    summary = run_daily(current())
    assert not summary.ok and "does not match the manifest" in summary.errors[0]
    assert "MCS2025.world.csv" in summary.errors[0]
    assert digest(warehouse.serving) == before


def test_duckdb_1x_client_opens_the_serving_file(built_warehouse, tmp_path):
    """Open the serving file with a real DuckDB 1.x client, installed into a scratch folder."""
    import shutil
    import subprocess
    import sys

    from helpers import PROJECT

    target = tmp_path / "duckdb1"
    uv = PROJECT / ".tools" / "bin" / "uv"
    uv = str(uv) if uv.exists() else shutil.which("uv")
    if uv is None:
        pytest.skip("uv (installed by bin/bootstrap) is not available")
    pip = subprocess.run([uv, "pip", "install", "-q", "--python", sys.executable, "--target", str(target), "duckdb==1.4.4"],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        pytest.skip(f"could not install duckdb 1.4.4 from the package index: {pip.stderr[-300:]}")
    path = built_warehouse / "serving" / "tungsten.duckdb"
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import duckdb; assert duckdb.__version__.startswith('1.'); "
            "c = duckdb.connect(sys.argv[2], read_only=True); "
            "print(c.execute(\"SELECT count(*) FROM marts.supply_share WHERE country_iso3 = 'CHN'\").fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", code, str(target), str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 50


@pytest.mark.slow
def test_failing_dbt_test_blocks_publishing(warehouse):
    """A row that passes the raw gate but breaks a mart's dbt test (China listed twice under
    two spellings) stops the build: the serving file keeps its bytes and the build is recorded failed."""
    con = duckdb.connect(str(warehouse.build))
    con.execute("""
        INSERT INTO raw.figures
        SELECT * REPLACE ('People''s Republic of China' AS country_published)
        FROM raw.figures WHERE source_id = 'usgs_mcs' AND dataset = 'world' AND vintage = 'MCS2026'
          AND country_iso3 = 'CHN' AND year = 2024 AND metric = 'mine_production'
    """)
    con.close()
    before = digest(warehouse.serving)
    summary = run_daily(warehouse, force=True)
    assert not summary.ok and not summary.published
    assert digest(warehouse.serving) == before
    assert q(warehouse.build, "SELECT status FROM meta.builds ORDER BY finished_at DESC LIMIT 1") == [("failed",)]
    # the failure names the dbt test that failed
    assert any("unique_combination_int_production_by_edition_year" in e for e in summary.errors), summary.errors


@pytest.mark.slow
def test_a_file_that_breaks_a_dbt_test_is_taken_back_and_does_not_block(warehouse, tmp_path):
    """A BGS file that passes its GX suite (its key is the country name as printed) but names
    Austria twice for 1971 ("Austria", "Republic of Austria"): dbt's uniqueness test of production by
    country and year fails. The failure names the test, example rows and the file; its rows are taken
    back (the build is as at the last publish), the serving file keeps its bytes, the load is
    marked failed, and the next refresh runs clean instead of failing on the same rows."""
    from integration_helpers import BGS, digest
    from integration_helpers import query as q

    from tungsten_cli.daily import run_daily
    from warehouse.refresh import ingest_file

    text = (BGS / "BGS_tungsten_production.csv").read_text()
    row = text.splitlines(keepends=True)[1]
    path = tmp_path / "BGS_tungsten_production.csv"
    path.write_text(text + row.replace(",Austria,", ",Republic of Austria,"))
    served = digest(warehouse.serving)
    raw_before = q(warehouse.build, "SELECT count(*), sum(value) FROM raw.figures WHERE source_id = 'bgs_wms'")
    files_before = q(warehouse.build, "SELECT * FROM meta.source_files ORDER BY ALL")

    loaded = ingest_file(warehouse, "bgs", path)
    assert loaded.ok, loaded.errors  # the GX suite passes it
    summary = run_daily(warehouse)
    assert not summary.ok and not summary.published
    text_of = "\n".join(summary.errors)
    assert "unique_combination_int_production_by_edition_year" in text_of and '"country_key": "AUT"' in text_of, text_of
    assert "BGS_tungsten_production.csv (bgs_wms BGS2023 production)" in text_of, text_of
    assert digest(warehouse.serving) == served
    assert q(warehouse.build, "SELECT count(*), sum(value) FROM raw.figures WHERE source_id = 'bgs_wms'") == raw_before
    assert q(warehouse.build, "SELECT * FROM meta.source_files ORDER BY ALL") == files_before
    assert q(warehouse.build, "SELECT status, message LIKE 'taken back: the dbt build over these rows failed%' "
                              "FROM meta.loads WHERE file_name = ? AND rows > 0", [path.name]) == [("failed", True)]
    again = run_daily(warehouse)
    assert again.ok, again.errors
