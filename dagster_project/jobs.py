"""The daily job and its 06:00 UTC schedule. The schedule starts stopped (Dagster's default):
turn it on in the UI (Automation), with `dagster schedule start daily_refresh_0600_utc`, or by
setting TUNGSTEN_SCHEDULE_RUNNING=1 before `./bin/dagster-dev`; `dagster dev` runs the daemon
that launches it."""


import os

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

DAILY_JOB = "daily_refresh"

daily_refresh = define_asset_job(DAILY_JOB, selection=AssetSelection.all(),
                                 description="The daily job: load and validate each source, build the marts, publish, write the report.")

daily_schedule = ScheduleDefinition(
    name="daily_refresh_0600_utc", job=daily_refresh, cron_schedule="0 6 * * *", execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING if os.environ.get("TUNGSTEN_SCHEDULE_RUNNING") == "1"
    else DefaultScheduleStatus.STOPPED,
)
