"""`kill -9` at any moment: a refresh or an ingest killed at named points of its run (a stage
started, as the run prints it on stderr) leaves a warehouse the next refresh recovers: it
succeeds, the served file opens with its marts, and no temporary file survives it (publish
copies, landing partials). The tests wait for those points, never for fixed delays, so a loaded
machine only makes them slower."""

import os
import signal
import subprocess
import sys
import threading

import duckdb
import pytest
from integration_helpers import BGS

pytestmark = pytest.mark.slow

TEMP_PATTERNS = (".*.tmp", ".*.tmp.wal", "*.partial", ".*.partial")
# the named points of a run: the lines tungsten_cli.progress prints on stderr as stages start
LOADS = "load and validate files: started"
DBT = "dbt build: started"
PUBLISH = "publish: started"
REPORT = "report: started"


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
                            start_new_session=True)


def _kill_at(proc: subprocess.Popen, point: str, timeout: float = 600) -> None:
    """SIGKILL the run's whole process group (dbt's subprocess included) as soon as it prints
    `point` on stderr; the test fails when the run ends or times out before it."""
    seen = threading.Event()
    said: list[str] = []

    def read() -> None:
        for line in proc.stderr:
            said.append(line)
            if point in line:
                seen.set()
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reached = seen.wait(timeout)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert reached, f"the run never reached {point!r}; it said: {''.join(said)[-2000:]}"


def _leftovers(warehouse) -> list[str]:
    found = []
    for folder in (warehouse.serving.parent, warehouse.landing):
        if folder.exists():
            for pattern in TEMP_PATTERNS:
                found += [str(p) for p in folder.rglob(pattern)]
    return found


def _recovers(warehouse) -> None:
    r = subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "refresh"],
                       capture_output=True, text=True, env=dict(os.environ), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "Warning" not in r.stderr, r.stderr
    assert _leftovers(warehouse) == []
    _still_served(warehouse)


def _still_served(warehouse) -> None:
    """The served file opens, with its marts (between kills: the last good one)."""
    con = duckdb.connect(str(warehouse.serving), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.supply_share").fetchone()[0] > 0
    finally:
        con.close()


def test_refresh_killed_at_each_stage_then_recovered(warehouse, monkeypatch):
    """One run killed at each stage in turn: each next run starts from what the kill before left
    and gets past the stage where that run died (so each kill is recovered from); then a whole
    run succeeds, no temporary file is left, and Dagster holds no run left started."""
    from dagster import DagsterInstance, DagsterRunStatus

    for point in (LOADS, DBT, PUBLISH, REPORT):
        _kill_at(_start("refresh", "--force"), point)
        _still_served(warehouse)
    _recovers(warehouse)
    monkeypatch.setenv("DAGSTER_HOME", str(warehouse.home / "dagster"))
    with DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert not [r.run_id for r in runs if r.status in (DagsterRunStatus.STARTED, DagsterRunStatus.STARTING,
                                                            DagsterRunStatus.NOT_STARTED)]
        assert len([r for r in runs if r.status == DagsterRunStatus.FAILURE]) == 4, [r.status for r in runs]


def test_ingest_killed_at_each_stage_then_recovered(warehouse, tmp_path):
    text = (BGS / "BGS_tungsten_production.csv").read_text()
    path = tmp_path / "BGS_tungsten_production.csv"
    path.write_text(text.replace(",59,Mine production", ",60,Mine production", 1))  # a changed file: it loads
    for point in (LOADS, DBT):
        _kill_at(_start("ingest", "bgs", str(path)), point)
        _still_served(warehouse)
    _recovers(warehouse)


def test_a_publish_killed_after_the_marts_were_served_leaves_nothing(warehouse):
    """The kill may land after the served file is already current (a forced republish of an
    unchanged build): the next refresh has nothing to publish, yet removes the orphan copy."""
    orphan = warehouse.serving.parent / f".{warehouse.serving.name}.0badc0de.tmp"
    orphan.write_bytes(b"\0" * 4096)
    _recovers(warehouse)
    assert not orphan.exists()


def test_a_run_killed_before_it_started_is_ended_by_the_next_run(tmp_path, monkeypatch):
    """A kill between the run's creation and its start leaves a NOT_STARTED run; once its
    process is gone the next run marks it failed, like a run killed after starting."""
    from dagster import DagsterInstance, DagsterRunStatus, job, op

    from tungsten_cli.daily import PID_TAG, _end_orphaned_runs

    @op
    def nothing() -> None:
        pass

    @job
    def daily_refresh() -> None:
        nothing()

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with DagsterInstance.get() as instance:
        tags = {"tungsten/launched_by": "cli", PID_TAG: str(dead.pid)}
        orphan = instance.create_run_for_job(daily_refresh, status=DagsterRunStatus.NOT_STARTED, tags=tags)
        mine = instance.create_run_for_job(daily_refresh, status=DagsterRunStatus.NOT_STARTED,
                                           tags={**tags, PID_TAG: str(os.getpid())})
        _end_orphaned_runs(instance)
        assert instance.get_run_by_id(orphan.run_id).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(mine.run_id).status == DagsterRunStatus.NOT_STARTED  # its process is alive
