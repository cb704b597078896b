"""Run the daily job, the Dagster job the schedule runs, from the command line, and read back
what it did. The run is recorded in the Dagster instance (DAGSTER_HOME, else
TUNGSTEN_HOME/dagster), so `./bin/dagster-dev` shows it like a scheduled run. A run with nothing
changed is settled before Dagster is imported (warehouse.plan)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from pathlib import Path

from warehouse.paths import PROJECT_ROOT, Paths
from warehouse.refresh import RefreshSummary

DAGSTER_YAML = "telemetry:\n  enabled: false\n"


PID_TAG = "tungsten/pid"
RUNNING_MARKER = ".tungsten-running-"  # + pid: a CLI run in progress (checked without importing Dagster)


def _orphan_markers(home: Path) -> list[Path]:
    """Markers of CLI runs whose process is gone: a killed run the instance still shows started."""
    return [m for m in home.glob(f"{RUNNING_MARKER}*")
            if not m.name[len(RUNNING_MARKER):].isdigit() or not _alive(int(m.name[len(RUNNING_MARKER):]))]


def dagster_home(paths: Paths) -> Path:
    """The Dagster instance's folder, made with telemetry off if it is new."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths.home / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(DAGSTER_YAML)
    return home


def run_daily(paths: Paths, *, force: bool = False, executor: str = "in_process",
              summary: RefreshSummary | None = None) -> RefreshSummary:
    """The daily job through Dagster; the summary is read from the build file (loads and builds
    of this run) and the run's outcome. summary: loads already made (tungsten ingest) to report too."""
    from warehouse.plan import files_to_load, up_to_date

    t0 = time.perf_counter()
    summary = summary or RefreshSummary()
    summary.serving_path = paths.serving
    summary.deferred = False
    home = dagster_home(paths)
    if not force and not _orphan_markers(home) and up_to_date(paths):
        summary.duration_s += time.perf_counter() - t0
        return summary
    started = dt.datetime.now(dt.UTC)
    previous_home = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    marker = home / f"{RUNNING_MARKER}{os.getpid()}"
    marker.touch()
    from warehouse import worker

    if executor == "in_process":
        worker.start()  # GX and dbt warm up in a second process while Dagster is imported
        worker.validate_ahead(files_to_load(paths))
    try:
        _execute(paths, summary, started, force, executor)
    finally:
        worker.stop()
        marker.unlink(missing_ok=True)
        if previous_home is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous_home
    summary.duration_s += time.perf_counter() - t0
    return summary


def _execute(paths: Paths, summary: RefreshSummary, started: dt.datetime, force: bool, executor: str) -> None:
    """Execute the job into the instance DAGSTER_HOME names, and read back what it did."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    from tungsten_cli import instance_sqlite

    instance_sqlite.ensure_usable(Path(os.environ["DAGSTER_HOME"]), summary.warnings.append)
    instance_sqlite.unsynced_commits_for(Path(os.environ["DAGSTER_HOME"]))
    instance_sqlite.reuse_engines()
    from dagster import DagsterInstance, execute_job
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    from dagster_project.dbt_assets import FORCE_TAG
    from dagster_project.jobs import DAILY_JOB

    repo = ReconstructableRepository.for_module("dagster_project.definitions", "defs", working_directory=str(PROJECT_ROOT))
    job = repo.get_reconstructable_job(DAILY_JOB)
    run_config = {"execution": {"config": {executor: {}}},
                  "loggers": {"console": {"config": {"log_level": os.environ.get("TUNGSTEN_DAGSTER_LOG_LEVEL", "CRITICAL")}}}}
    log = paths.home / "logs" / f"daily-{started:%Y%m%dT%H%M%S}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # Dagster and dbt write their own progress to stdout; the CLI prints a summary instead and
    # keeps theirs in a log file under TUNGSTEN_HOME/logs (and in the Dagster instance).
    with DagsterInstance.get() as instance:
        _end_orphaned_runs(instance)
    for orphan in _orphan_markers(Path(os.environ["DAGSTER_HOME"])):
        orphan.unlink(missing_ok=True)
    with open(log, "w") as fh, contextlib.redirect_stdout(fh), DagsterInstance.get() as instance, \
            execute_job(job, instance=instance, run_config=run_config,
                        tags={FORCE_TAG: "true" if force else "false", "tungsten/launched_by": "cli",
                              PID_TAG: str(os.getpid())}) as result:
        summary.run_id = result.run_id
        dbt_steps = {e.step_key for e in result.all_events if e.step_key and "tungsten_dbt" in e.step_key}
        summary.dbt_models = sum(1 for e in result.all_events if e.is_step_materialization and e.step_key in dbt_steps)
        # each model's dbt_tests check counts the tests on it that passed
        summary.dbt_tests = sum(int(e.event_specific_data.metadata["passed"].value) for e in result.all_events
                                if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.step_key in dbt_steps
                                and "passed" in e.event_specific_data.metadata)
        failed_steps = [e for e in result.all_events if e.is_step_failure]
        messages = []
        for e in failed_steps:
            err = e.event_specific_data.error if e.event_specific_data else None
            messages.append(_failure_text(err) if err else f"step {e.step_key} failed")
    _read_back(paths, summary, started)
    summary.errors += messages


def _end_orphaned_runs(instance) -> None:
    """Runs a killed `tungsten refresh` left "started" (no daemon watches in-process runs), or
    only created when the kill came before they started, are marked failed, saying so, once
    their process is gone."""
    from dagster import DagsterRunStatus, RunsFilter

    for run in instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING,
                                                      DagsterRunStatus.NOT_STARTED],
                                            tags={"tungsten/launched_by": "cli"})):
        pid = run.tags.get(PID_TAG, "")
        if pid.isdigit() and not _alive(int(pid)):
            instance.report_run_failed(run, f"the tungsten process running it (pid {pid}) ended before the run did "
                                            "(killed?); the next run recovered the warehouse")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _failure_text(err) -> str:
    """The message a step failed with: a dagster Failure's description, or the error's own line."""
    text = err.message or ""
    if "Failure" in (err.cls_name or "") and "description" not in text:
        return text.split(": ", 1)[-1].strip()
    return text.strip()


def _read_back(paths: Paths, summary: RefreshSummary, started: dt.datetime) -> None:
    """Loads attempted and the build made since the run started, from the build file."""
    import duckdb

    from warehouse.load import LoadResult

    con = duckdb.connect(str(paths.build), read_only=True)
    try:
        for row in con.execute("""
                SELECT raw_table, vintage, file_name, status, rows, load_id, duration_s, message, report_path,
                       expectations_evaluated, expectations_failed
                FROM meta.loads WHERE started_at >= ? ORDER BY started_at""", [started]).fetchall():
            summary.loads.append(LoadResult(*[("" if v is None and i == 1 else v) for i, v in enumerate(row)]))
        build = con.execute("SELECT status FROM meta.builds WHERE finished_at >= ? ORDER BY finished_at DESC LIMIT 1",
                            [started]).fetchone()
    finally:
        con.close()
    if build and build[0] == "published":
        summary.built = summary.published = True
        summary.table_rows = _serving_counts(paths)


def _serving_counts(paths: Paths) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(paths.serving), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name, estimated_size FROM duckdb_tables()").fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t, _ in tables}
    finally:
        con.close()
