"""The Dagster daily job runs: in process (the session's cold build), with the multiprocess
executor (cold, then again with nothing changed), and on a snapshot file that its manifest
vouches for but the gate refuses. What each run did is read back from the Dagster instance
(TUNGSTEN_HOME/dagster)."""

import json
import shutil

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance
from helpers import warehouse_env
from integration_helpers import digest, expected_loads, query

from ingest.families import table_schemas
from ingest.sources import all_sources

MARTS = ("supply_share", "reserves", "supply_concentration", "production_source_comparison")


def source_key(source_id: str) -> AssetKey:
    return AssetKey(["raw", source_id])


def daily_sources() -> set[str]:
    """The sources the daily job has files of: snapshot files, or curated files in the repo
    (the others, such as un_comtrade and itc_trademap, are loaded only from files users give)."""
    from ingest.snapshot import load_manifest

    return {f.source_id for f in load_manifest()} | {
        s.id for s in all_sources().values() if any(i.curated_file for i in s.inputs)}


def instance_of(paths, monkeypatch) -> DagsterInstance:
    """The warehouse's Dagster instance, as run_daily uses it (DAGSTER_HOME=TUNGSTEN_HOME/dagster)."""
    monkeypatch.setenv("DAGSTER_HOME", str(paths.home / "dagster"))
    return DagsterInstance.get()


def check_evaluations(instance: DagsterInstance, run_id: str) -> list:
    """(asset key, check name, passed, metadata) of every asset check the run evaluated."""
    out = []
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        e = entry.dagster_event.event_specific_data
        out.append((e.asset_key, e.check_name, e.passed, e.metadata))
    return out


def materialized(instance: DagsterInstance, run_id: str) -> set[AssetKey]:
    return {entry.dagster_event.asset_key
            for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}


def test_daily_job_runs_in_process(built_run, monkeypatch):
    """The session's warehouse was built cold by run_daily(executor="in_process"): every source
    was loaded and passed its GX suite, the marts were built and the serving file published."""
    from warehouse.paths import current

    root, summary = built_run
    for k, v in warehouse_env(root).items():
        monkeypatch.setenv(k, v)
    paths = current()
    assert summary.ok and summary.published and summary.run_id
    assert len(summary.loads) == expected_loads() and {r.status for r in summary.loads} == {"passed"}
    assert paths.serving.exists()
    with instance_of(paths, monkeypatch) as instance:
        run = instance.get_run_by_id(summary.run_id)
        assert run.is_success and run.job_name == "daily_refresh"
        for sid in daily_sources():
            event = instance.get_latest_materialization_event(source_key(sid))
            assert event is not None and event.run_id == summary.run_id, sid
        done = materialized(instance, summary.run_id)
        assert {source_key(sid) for sid in all_sources()} & done == {source_key(sid) for sid in daily_sources()}
        assert {AssetKey(["raw", t]) for t in table_schemas()} <= done
        assert {AssetKey(["serving_file"]), *(AssetKey(["marts", m]) for m in MARTS)} <= done
        evaluations = check_evaluations(instance, summary.run_id)
    gx = {key: (passed, meta) for key, name, passed, meta in evaluations if name == "gx_suite"}
    assert set(gx) == {source_key(sid) for sid in daily_sources()}
    for key, (passed, meta) in gx.items():
        assert passed and meta["expectations_evaluated"].value > 0, (key, meta)
    assert {key for key, name, _, _ in evaluations if name == "freshness"} == {source_key(sid) for sid in all_sources()}
    # every other check (each dbt test, on the model it tests) passed; freshness warns by the calendar, not the data
    others = [(key, name) for key, name, passed, _ in evaluations if name != "freshness" and not passed]
    assert others == []
    # the lake snapshot holds the build's rows (its own check); every other check is a dbt test
    assert [(key, passed) for key, name, passed, _ in evaluations if name == "snapshot_row_counts"] == [
        (AssetKey(["lake_snapshot"]), True)]
    dbt_checks = {(key, name) for key, name, _, _ in evaluations
                  if name not in ("gx_suite", "freshness", "snapshot_row_counts")}
    assert {name for _, name in dbt_checks} == dbt_tests_on_models()  # every dbt test on a model reported once
    assert len(dbt_checks) == len(dbt_tests_on_models())


def dbt_tests_on_models() -> set[str]:
    """The names of the dbt tests attached to a model or a seed, from the manifest dagster-dbt loads."""
    from dagster_project.dbt_project import MANIFEST_PATH

    manifest = json.loads(MANIFEST_PATH.read_text())
    return {n["name"] for n in manifest["nodes"].values()
            if n["resource_type"] == "test" and (n.get("attached_node") or "").startswith(("model.", "seed."))}


def _dagster_job_execute(paths) -> tuple[bool, str]:
    """`dagster job execute -m dagster_project.definitions -j daily_refresh`, as a user types it
    (Dagster's default executor; the resources' locations from the environment), without the
    CLI's shortcut for a run with nothing changed. Returns (success, run_id of the new run)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from dagster import DagsterRunStatus

    assert os.environ.get("DAGSTER_HOME")
    with DagsterInstance.get() as instance:
        before = {r.run_id for r in instance.get_runs()}
    done = subprocess.run([str(Path(sys.prefix) / "bin" / "dagster"), "job", "execute", "-m", "dagster_project.definitions",
                           "-j", "daily_refresh"], capture_output=True, text=True, env=dict(os.environ), timeout=900)
    with DagsterInstance.get() as instance:
        (run,) = [r for r in instance.get_runs() if r.run_id not in before]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return run.status == DagsterRunStatus.SUCCESS, run.run_id


@pytest.mark.slow
def test_daily_job_multiprocess_cold_then_unchanged(tmp_path, monkeypatch):
    """Dagster's default executor (a process per step): a cold run builds and publishes; a second
    run of the job with nothing changed succeeds, loads nothing and leaves the serving file's bytes."""
    from tungsten_cli.daily import run_daily
    from warehouse.paths import current

    for k, v in warehouse_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    paths = current()
    summary = run_daily(paths, executor="multiprocess")
    assert summary.ok, summary.errors
    assert summary.published and summary.built
    assert len(summary.loads) == expected_loads() and {r.status for r in summary.loads} == {"passed"}
    before = digest(paths.serving)
    loads_before = query(paths.build, "SELECT count(*) FROM meta.loads WHERE status = 'passed'")

    with instance_of(paths, monkeypatch) as instance:
        for sid in daily_sources():
            event = instance.get_latest_materialization_event(source_key(sid))
            assert event is not None and event.run_id == summary.run_id, sid
    success, run_id = _dagster_job_execute(paths)
    assert success
    assert digest(paths.serving) == before
    assert query(paths.build, "SELECT count(*) FROM meta.loads WHERE status = 'passed'") == loads_before
    with instance_of(paths, monkeypatch) as instance:
        done = materialized(instance, run_id)
        assert not {source_key(sid) for sid in all_sources()} & done  # every source unchanged: none loaded
        assert AssetKey(["serving_file"]) not in done  # nothing republished
        for sid in daily_sources():
            assert instance.get_latest_materialization_event(source_key(sid)).run_id == summary.run_id
    assert query(paths.build, "SELECT status FROM meta.builds ORDER BY finished_at DESC LIMIT 1") == [("published",)]


def test_refused_snapshot_file_fails_the_run_and_keeps_the_serving_file(warehouse, tmp_path, monkeypatch):
    """A snapshot file its manifest vouches for (sha256 updated) but holding a negative production:
    the GX suite of raw/bgs_wms fails naming the expectation, the run fails, nothing is published."""
    from ingest.locations import SNAPSHOT_DIR
    from ingest.provenance import sha256_file
    from tungsten_cli.daily import run_daily
    from warehouse.paths import current

    snap = tmp_path / "snap"
    shutil.copytree(SNAPSHOT_DIR, snap)
    manifest_path = snap / "bgs_wms" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = next(f for f in manifest["files"] if f["dataset"] == "production")
    target = snap / "bgs_wms" / entry["path"]
    text = target.read_text()
    row = "Austria,AUT,false,,1971,1971,mine_production,59.0,59,tonnes (metal content),t_w,59.0,"
    assert text.count(row) == 1
    target.write_text(text.replace(row, "Austria,AUT,false,,1971,1971,mine_production,-5.0,-5,tonnes (metal content),t_w,-5.0,"))
    entry["sha256"] = sha256_file(target)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    monkeypatch.setenv("TUNGSTEN_SNAPSHOT_DIR", str(snap))
    paths = current()
    assert paths.home == warehouse.home

    before = digest(paths.serving)
    raw_before = query(paths.build, "SELECT count(*), sum(value) FROM raw.figures WHERE source_id = 'bgs_wms'")
    summary = run_daily(paths)
    assert summary.errors and not summary.published
    assert any("expect_column_values_to_be_between" in e for e in summary.errors), summary.errors
    assert digest(paths.serving) == before
    assert query(paths.build, "SELECT count(*), sum(value) FROM raw.figures WHERE source_id = 'bgs_wms'") == raw_before
    with instance_of(paths, monkeypatch) as instance:
        assert not instance.get_run_by_id(summary.run_id).is_success
        evaluations = check_evaluations(instance, summary.run_id)
        assert AssetKey(["serving_file"]) not in materialized(instance, summary.run_id)
    gx = {key: (passed, meta) for key, name, passed, meta in evaluations if name == "gx_suite"}
    passed, meta = gx[source_key("bgs_wms")]
    assert passed is False
    assert meta["expectations_failed"].value > 0 and meta["expectations_evaluated"].value > 0
    assert "expect_column_values_to_be_between" in meta["failures"].value
    assert entry["path"] in meta["failures"].value


@pytest.mark.slow
def test_failing_dbt_test_fails_its_check_and_keeps_the_serving_file(warehouse, monkeypatch):
    """A negative reserves figure in the build file (it passed no gate: written behind the loader's
    back) makes dbt's range test on marts.reserves fail: that test's asset check on marts/reserves
    fails, the run fails with it in the summary, and the serving file keeps its bytes."""
    import duckdb

    from tungsten_cli.daily import run_daily

    con = duckdb.connect(str(warehouse.build))
    con.execute("""UPDATE raw.figures SET value = -1, value_t_w = -1 WHERE source_id = 'usgs_mcs' AND metric = 'reserves'
                   AND country_iso3 = 'CHN'""")
    con.close()
    before = digest(warehouse.serving)
    summary = run_daily(warehouse, force=True)
    assert summary.errors and not summary.published
    # the model's range test names the column in its example rows
    assert any("in_ranges_reserves" in e for e in summary.errors), summary.errors
    assert any("reserves_t_w" in e and "-1" in e for e in summary.errors), summary.errors
    assert digest(warehouse.serving) == before
    with instance_of(warehouse, monkeypatch) as instance:
        assert not instance.get_run_by_id(summary.run_id).is_success
        evaluations = check_evaluations(instance, summary.run_id)
        assert AssetKey(["serving_file"]) not in materialized(instance, summary.run_id)
    dbt_checks = {(key, name): passed for key, name, passed, _ in evaluations if name not in ("gx_suite", "freshness")}
    failed = {(key, name) for (key, name), passed in dbt_checks.items() if not passed}
    assert failed and all(key == AssetKey(["marts", "reserves"]) and name.startswith("in_ranges_reserves")
                          for key, name in failed), failed


@pytest.mark.slow
def test_ingested_file_is_a_dagster_run_with_its_gx_check(warehouse, monkeypatch):
    """`tungsten ingest itc FILE` runs the daily job with the file as the load step's run config:
    the run is in the instance, raw/itc_trademap is materialized by it with the file's rows, and
    its gx_suite check is evaluated on that file; the marts are rebuilt and published."""
    import os
    import subprocess
    import sys

    from integration_helpers import REAL

    export = REAL / "trade" / "Trade_Map_-_List_of_products_exported_by_China.txt"
    r = subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "ingest", "itc", str(export)],
                       capture_output=True, text=True, env=dict(os.environ), timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "published" in r.stdout
    with instance_of(warehouse, monkeypatch) as instance:
        run = instance.get_runs(limit=1)[0]
        assert run.is_success and run.job_name == "daily_refresh" and run.tags["tungsten/launched_by"] == "cli"
        assert run.run_config["ops"]["load_sources"]["config"]["files"][0]["path"] == str(export)
        event = instance.get_latest_materialization_event(source_key("itc_trademap"))
        assert event is not None and event.run_id == run.run_id
        meta = event.asset_materialization.metadata
        assert meta["files_loaded"].value == 1 and meta["rows_loaded"].value > 0
        gx = [(passed, meta) for key, name, passed, meta in check_evaluations(instance, run.run_id)
              if key == source_key("itc_trademap") and name == "gx_suite"]
    assert len(gx) == 1
    passed, meta = gx[0]
    assert passed and meta["expectations_evaluated"].value > 0 and export.name in meta["files"].value
    assert AssetKey(["serving_file"]) in materialized(instance_of(warehouse, monkeypatch), run.run_id)


@pytest.mark.slow
def test_a_run_with_nothing_new_shows_the_validations_behind_the_served_rows(warehouse, monkeypatch):
    """A forced run with every file unchanged validates nothing, yet each source's gx_suite check
    is evaluated with the validations that let in the rows it serves (when, how many
    expectations), not left "skipped"."""
    from tungsten_cli.daily import run_daily

    summary = run_daily(warehouse, force=True)
    assert summary.ok, summary.errors
    assert all(r.status == "skipped" for r in summary.loads)
    with instance_of(warehouse, monkeypatch) as instance:
        gx = {key: (passed, meta) for key, name, passed, meta in check_evaluations(instance, summary.run_id)
              if name == "gx_suite"}
    assert set(gx) == {source_key(sid) for sid in daily_sources()}
    for key, (passed, meta) in gx.items():
        assert passed and meta["validated_in_this_run"].value is False, key
        assert meta["files_served"].value > 0 and meta["expectations_evaluated"].value > 0, key
        assert "validated 20" in meta["files"].value, key  # each file with the date it was validated
