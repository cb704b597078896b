"""Run the daily job, the Dagster job the schedule runs, from the command line, and read back
what it did. The run goes through Dagster's public `execute_job` on the reconstructable job, into
the Dagster instance (DAGSTER_HOME, else TUNGSTEN_HOME/dagster), so the UI (`./bin/dagster-dev`)
shows it like a scheduled run. Files a user gives are the load step's run configuration. A run
with nothing changed is settled before Dagster is imported (warehouse.plan)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from warehouse import interrupts
from warehouse.paths import Paths
from warehouse.refresh import RefreshSummary

# telemetry off; nux off: no "Join the Dagster community" sign-up dialog in the UI
# Step output is not captured into files: the run's events hold what steps say (dbt's included),
# and the capture's helper processes (a tail and an orphan watcher in the terminal's process group)
# would print tracebacks of their own at Ctrl-C.
DAGSTER_YAML = ("telemetry:\n  enabled: false\nnux:\n  enabled: false\ncompute_logs:\n"
                "  module: dagster.core.storage.noop_compute_log_manager\n  class: NoOpComputeLogManager\n")
EARLIER_YAMLS = ("telemetry:\n  enabled: false\nnux:\n  enabled: false\n",)  # what earlier versions wrote

PID_TAG = "tungsten/pid"
INVOCATION_TAG = "tungsten/invocation"
RUNNING_MARKER = ".tungsten-running-"  # + pid: a CLI run in progress (checked without importing Dagster)


def _orphan_markers(home: Path) -> list[Path]:
    """Markers of CLI runs whose process is gone: a killed run the instance still shows started."""
    return [m for m in home.glob(f"{RUNNING_MARKER}*")
            if not m.name[len(RUNNING_MARKER):].isdigit() or not _alive(int(m.name[len(RUNNING_MARKER):]))]


def dagster_home(paths: Paths) -> Path:
    """The Dagster instance's folder, made with telemetry and the sign-up prompt off if it is new."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths.home / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() in EARLIER_YAMLS:  # a file the user edited stays theirs
        config.write_text(DAGSTER_YAML)
    _check_instance_config(config)
    return home


def _refuse_instance_config(exc: Exception, config: Path) -> None:
    """Dagster's refusal of the instance's settings, said as one message naming the file."""
    from dagster import DagsterInvalidConfigError

    from warehouse.refresh import RefreshError

    if isinstance(exc, DagsterInvalidConfigError):
        errors = [line.strip()[:200] for line in str(exc).splitlines() if line.strip().startswith("Error ")]
        raise RefreshError(f"{config}: Dagster refuses these instance settings: {' '.join(errors) or str(exc)[:300]}; "
                           "fix it, or delete it and the next run writes the default") from None


def _check_instance_config(config: Path) -> None:
    """A dagster.yaml that is not YAML (or not a mapping) is named, with the way out, before
    Dagster reads it and fails with a parser's traceback."""
    import yaml

    from warehouse.refresh import RefreshError

    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise RefreshError(f"{config}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc}); fix it, or "
                           "delete it and the next run writes the default") from None
    if doc is not None and not isinstance(doc, dict):
        raise RefreshError(f"{config}: expected a mapping of Dagster instance settings; fix it, or delete it and "
                           "the next run writes the default")


def run_daily(paths: Paths, *, force: bool = False, executor: str = "in_process", summary: RefreshSummary | None = None,
              files: list[dict] | None = None, load_only: bool = False,
              on_event: Callable[[object], None] | None = None) -> RefreshSummary:
    """The daily job through Dagster; the summary is read from the run's events and the build
    file. files: user files for the load step (`tungsten ingest`, `tungsten fetch`), each a dict
    of dagster_project.raw_assets.UserFile's fields; load_only: run only the loads (ingest
    --no-publish). on_event: called with each of the run's event log entries as they are stored."""
    from warehouse.plan import up_to_date

    t0 = time.perf_counter()
    summary = summary or RefreshSummary()
    summary.serving_path = paths.serving
    summary.deferred = load_only
    home = dagster_home(paths)
    if not force and not files and not _orphan_markers(home) and up_to_date(paths):
        summary.duration_s += time.perf_counter() - t0
        return summary
    _prepare_dbt()
    started = dt.datetime.now(dt.UTC)
    previous_home = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    marker = home / f"{RUNNING_MARKER}{os.getpid()}"
    marker.touch()
    try:
        _execute(paths, summary, started, force=force, executor=executor, files=files or [], load_only=load_only,
                 on_event=on_event)
    except Exception as exc:
        _refuse_instance_config(exc, home / "dagster.yaml")
        raise
    finally:
        marker.unlink(missing_ok=True)
        if previous_home is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous_home
    summary.duration_s += time.perf_counter() - t0
    return summary


def _prepare_dbt() -> None:
    """The dbt manifest the definitions load, made current first (dagster-dbt's preparation)."""
    from dagster_project.dbt_project import manifest_is_current, prepare

    if not manifest_is_current():
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            prepare()


def run_config(paths: Paths, executor: str, files: list[dict]) -> dict:
    """The daily job's run configuration: executor, the warehouse's locations, the user's files."""
    from dagster_project.resources import WarehouseResource

    config: dict = {"execution": {"config": {executor: {}}},
                    "loggers": {"console": {"config": {"log_level": os.environ.get("TUNGSTEN_DAGSTER_LOG_LEVEL", "CRITICAL")}}},
                    "resources": {"warehouse": WarehouseResource.from_paths(paths).run_config()}}
    if files:
        config["ops"] = {"load_sources": {"config": {"files": files}}}
    return config


def _execute(paths: Paths, summary: RefreshSummary, started: dt.datetime, *, force: bool, executor: str,
             files: list[dict], load_only: bool, on_event) -> None:
    """Execute the job into the instance DAGSTER_HOME names, and read back what it did."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    from dagster import DagsterInstance, execute_job, reconstructable

    from dagster_project.dbt_assets import FORCE_TAG
    from dagster_project.definitions import daily_refresh_job
    from dagster_project.raw_assets import load_sources

    job = reconstructable(daily_refresh_job)
    invocation = uuid.uuid4().hex
    tags = {FORCE_TAG: "true" if force else "false", "tungsten/launched_by": "cli", PID_TAG: str(os.getpid()),
            INVOCATION_TAG: invocation}
    selection = list(load_sources.keys) if load_only else None
    log = paths.home / "logs" / f"daily-{started:%Y%m%dT%H%M%S}-{os.getpid()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with DagsterInstance.get() as instance:
        _end_orphaned_runs(instance)
    for orphan in _orphan_markers(Path(os.environ["DAGSTER_HOME"])):
        orphan.unlink(missing_ok=True)
    # Dagster and dbt write their own progress to stdout; the CLI prints a summary instead and
    # keeps theirs in a log file under TUNGSTEN_HOME/logs (and in the Dagster instance).
    events = []
    with open(log, "w") as fh, contextlib.redirect_stdout(fh), DagsterInstance.get() as instance, \
            interrupts.record_signals():
        try:
            with _RunWatcher(instance, invocation, on_event), \
                    execute_job(job, instance=instance, run_config=run_config(paths, executor, files), tags=tags,
                                asset_selection=selection) as result:
                summary.run_id = result.run_id
                events = result.all_events
        except KeyboardInterrupt:  # Ctrl-C outside a step (Dagster turns it into a step failure inside one)
            summary.cancelled = True
        # a Ctrl-C that code inside a step swallowed counts too (warehouse.interrupts says why)
        summary.cancelled = summary.cancelled or interrupts.interrupted() or any(
            e.is_step_failure and e.step_failure_data.error is not None and _is_interrupt(e.step_failure_data.error)
            for e in events)
        if summary.cancelled:
            summary.run_id = _cancel_run(instance, invocation)
            return
    summary.dbt_models = sum(1 for e in events if e.is_step_materialization and e.step_key == "tungsten_dbt")
    summary.dbt_tests = sum(1 for e in events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                            and e.step_key == "tungsten_dbt" and e.asset_check_evaluation_data.passed)
    summary.errors += [_failure_text(e.step_failure_data.error) if e.step_failure_data.error
                       else f"step {e.step_key} failed" for e in events if e.is_step_failure]
    _read_back(paths, summary, started)


class _RunWatcher:
    """Hands each event the run stores to on_event while the run goes on, read with the
    instance's public event API (a thread polls the run's records; nothing when on_event is None)."""

    def __init__(self, instance, invocation: str, on_event) -> None:
        self.instance, self.invocation, self.on_event = instance, invocation, on_event
        self.run_id: str | None = None
        self.cursor: str | None = None

    def __enter__(self):
        import threading

        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="tungsten-progress", daemon=True)
        if self.on_event is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
            self._poll()

    def _loop(self) -> None:
        while not self.stop.wait(0.25):
            try:
                self._poll()
            except Exception:  # progress is a courtesy: never fail the run for it
                pass

    def _poll(self) -> None:
        from dagster import RunsFilter

        if self.run_id is None:
            records = self.instance.get_run_records(RunsFilter(tags={INVOCATION_TAG: self.invocation}), limit=1)
            if not records:
                return
            self.run_id = records[0].dagster_run.run_id
        while True:
            conn = self.instance.get_records_for_run(self.run_id, cursor=self.cursor, limit=200)
            for record in conn.records:
                self.on_event(record.event_log_entry)
            self.cursor = conn.cursor
            if not conn.has_more:
                return


INTERRUPTED = ("DagsterExecutionInterruptedError", "KeyboardInterrupt")


def _is_interrupt(err) -> bool:
    """A step ended by Ctrl-C: Dagster's interrupt, or a DuckDB query the signal stopped
    ("Query interrupted"), anywhere in the error's chain."""
    while err is not None:
        name = (err.cls_name or "").rsplit(".", 1)[-1]
        if name in INTERRUPTED or ("interrupted" in (err.message or "").lower()
                                   and name in ("RuntimeError", "InterruptException")):
            return True
        err = err.cause or err.context
    return False


def _cancel_run(instance, invocation: str) -> str | None:
    """Mark this invocation's run cancelled (it may have ended as failed by the interrupt, or not
    have ended at all); returns its id."""
    from dagster import DagsterRunStatus, RunsFilter

    records = instance.get_run_records(RunsFilter(tags={INVOCATION_TAG: invocation}), limit=1)
    if not records:
        return None
    run = records[0].dagster_run
    if run.status != DagsterRunStatus.CANCELED:
        instance.report_run_canceled(run, "cancelled by Ctrl-C (SIGINT) in `tungsten`: nothing was published "
                                          "halfway; the next refresh goes on from the loads that counted")
    return run.run_id


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
    """The message a step failed with: a dagster Failure's description, or the error's own line;
    for Dagster's wrapper ("Error occurred while executing op ..."), the error it wraps (a full
    disk says so, not only which step failed)."""
    while err.cause is not None and (err.cls_name or "").endswith("DagsterExecutionStepExecutionError"):
        err = err.cause
    text = err.message or ""
    if "Failure" in (err.cls_name or "") and "description" not in text:
        return text.split(": ", 1)[-1].strip()
    return text.strip()


def _read_back(paths: Paths, summary: RefreshSummary, started: dt.datetime) -> None:
    """Loads attempted and the build made since the run started, from the build file (under the
    writer lock: another writer may have started since this run's last step, and a reader of
    the file would stop it from opening it)."""
    import duckdb

    from warehouse.build_file import damage_message, is_damage
    from warehouse.refresh import writer_lock

    if not paths.build.exists():
        return
    try:
        with writer_lock(paths):
            loads, build = _loads_and_build(paths, started)
    except duckdb.Error as exc:
        if not is_damage(exc):
            raise
        summary.errors.append(damage_message(paths.build, exc))
        return
    summary.loads += loads
    if build and build[0] == "published":
        summary.built = summary.published = True
        summary.table_rows = _serving_counts(paths)


def _loads_and_build(paths: Paths, started: dt.datetime):
    import duckdb

    from warehouse.load import LoadResult

    con = duckdb.connect(str(paths.build), read_only=True)
    try:
        loads = [LoadResult(*[("" if v is None and i == 1 else v) for i, v in enumerate(row)]) for row in con.execute("""
                SELECT raw_table, vintage, file_name, status, rows, load_id, duration_s, message, report_path,
                       expectations_evaluated, expectations_failed
                FROM meta.loads WHERE started_at >= ? ORDER BY started_at""", [started]).fetchall()]
        build = con.execute("SELECT status FROM meta.builds WHERE finished_at >= ? ORDER BY finished_at DESC LIMIT 1",
                            [started]).fetchone()
    finally:
        con.close()
    return loads, build


def _serving_counts(paths: Paths) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(paths.serving), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name, estimated_size FROM duckdb_tables()").fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t, _ in tables}
    finally:
        con.close()
