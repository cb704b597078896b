"""Dagster definitions of the daily job, the one pipeline both the schedule and `tungsten
refresh` run: the loads (one asset per source, with GX and freshness checks), the dbt models
grouped by layer (dagster-dbt, each dbt test an asset check), the serving file, the lake snapshot (history for a team), the report, and
the 06:00 UTC schedule. Resources: the warehouse's locations (from the environment unless a run
configures them) and dbt."""

from dagster import Definitions

from dagster_project.dbt_assets import dbt_resource, tungsten_dbt
from dagster_project.jobs import daily_refresh, daily_schedule
from dagster_project.lake_asset import lake_snapshot
from dagster_project.raw_assets import load_sources
from dagster_project.report_asset import report
from dagster_project.resources import WarehouseResource
from dagster_project.serving import serving_file

defs = Definitions(
    assets=[load_sources, tungsten_dbt, serving_file, lake_snapshot, report],
    jobs=[daily_refresh],
    schedules=[daily_schedule],
    resources={"warehouse": WarehouseResource.from_env(), "dbt": dbt_resource()},
)


def daily_refresh_job():
    """The daily job, resolved, for `dagster.reconstructable` (how `tungsten refresh` and
    `tungsten ingest` run it with `execute_job`)."""
    return defs.resolve_job_def(daily_refresh.name)
