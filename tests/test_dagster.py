"""The Dagster definitions load, wire the same assets and checks, and run the daily job."""

from dagster import AssetKey, DagsterInstance

from conftest import warehouse_env


def test_definitions_and_schedule():
    from dagster_project.definitions import defs

    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"raw/usgs_mcs_world", "raw/usgs_mcs_salient", "raw/bgs_wms_production", "serving_file",
            "marts/supply_share", "marts/reserves", "marts/supply_concentration",
            "marts/production_source_comparison"} <= keys
    schedule = defs.resolve_schedule_def("daily_refresh_0600_utc")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.execution_timezone == "UTC"
    checks = {c.name for c in repo.asset_graph.asset_check_keys}
    assert "gx_suite" in checks


def test_daily_job_runs_in_process(tmp_path, monkeypatch):
    for k, v in warehouse_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    from dagster_project.definitions import defs

    result = defs.resolve_job_def("daily_refresh").execute_in_process(instance=DagsterInstance.ephemeral())
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    gx = [e for e in evaluations if e.check_name == "gx_suite"]
    assert len(gx) == 15 and all(e.passed for e in gx)  # 4 figure tables, 3 trade tables, claims, 7 project tables
    assert all(e.passed for e in evaluations)
    assert result.asset_materializations_for_node("serving_file")
    assert (tmp_path / "serving" / "tungsten.duckdb").exists()
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert AssetKey(["raw", "usgs_mcs_world"]) in materialized and AssetKey(["marts", "supply_share"]) in materialized
