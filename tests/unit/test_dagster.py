"""The Dagster definitions load and wire an asset and the checks for every source folder and raw
table (the daily job's runs: tests/integration/test_dagster.py)."""

from dagster import AssetKey

from ingest.families import table_schemas
from ingest.sources import all_sources

MARTS = ("supply_share", "reserves", "supply_concentration", "production_source_comparison")


def source_key(source_id: str) -> AssetKey:
    return AssetKey(["raw", source_id])


def test_definitions_and_schedule():
    from dagster_project.definitions import defs

    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {f"raw/{sid}" for sid in all_sources()} <= keys  # one asset per source folder
    assert {f"raw/{table}" for table in table_schemas()} <= keys  # one per raw table (by family)
    assert {"serving_file", *(f"marts/{m}" for m in MARTS)} <= keys
    schedule = defs.resolve_schedule_def("daily_refresh_0600_utc")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.execution_timezone == "UTC"
    checks = {(c.asset_key, c.name) for c in repo.asset_graph.asset_check_keys}
    for sid in all_sources():
        assert (source_key(sid), "gx_suite") in checks and (source_key(sid), "freshness") in checks
