"""`kill -9` at any moment: a refresh or an ingest killed at points along its run (a bounded
set of delays) leaves a warehouse the next refresh recovers: it succeeds, the served file
opens with its marts, and no temporary file survives it (publish copies, landing partials)."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from integration_helpers import BGS

TEMP_PATTERNS = (".*.tmp", ".*.tmp.wal", "*.partial", ".*.partial")


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
                            start_new_session=True)


def _kill_after(proc: subprocess.Popen, seconds: float) -> None:
    time.sleep(seconds)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _leftovers(warehouse) -> list[str]:
    found = []
    for folder in (warehouse.serving.parent, warehouse.landing):
        if folder.exists():
            for pattern in TEMP_PATTERNS:
                found += [str(p) for p in folder.rglob(pattern)]
    return found


def _recovers(warehouse) -> None:
    r = subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "refresh"],
                       capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "Warning" not in r.stderr, r.stderr  # e.g. semaphores the worker processes leaked
    assert _leftovers(warehouse) == []
    con = duckdb.connect(str(warehouse.serving), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.supply_share").fetchone()[0] > 0
    finally:
        con.close()


@pytest.mark.parametrize("delay", [1.0, 3.5, 6.0, 9.0])
def test_refresh_killed_then_recovered(warehouse, delay):
    _kill_after(_start("refresh", "--force"), delay)
    _recovers(warehouse)


@pytest.mark.parametrize("delay", [0.8, 2.5])
def test_ingest_killed_then_recovered(warehouse, tmp_path, delay):
    text = (BGS / "BGS_tungsten_production.csv").read_text()
    path = tmp_path / "BGS_tungsten_production.csv"
    path.write_text(text.replace(",59,Mine production", ",60,Mine production", 1))  # a changed file: it loads
    _kill_after(_start("ingest", "bgs", str(path)), delay)
    _recovers(warehouse)


def test_a_killed_run_is_not_left_started_in_dagster(warehouse, monkeypatch):
    from dagster import DagsterInstance, DagsterRunStatus

    _kill_after(_start("refresh", "--force"), 4.0)
    _recovers(warehouse)
    monkeypatch.setenv("DAGSTER_HOME", str(warehouse.home / "dagster"))
    with DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert not [r.run_id for r in runs if r.status in (DagsterRunStatus.STARTED, DagsterRunStatus.STARTING,
                                                            DagsterRunStatus.NOT_STARTED)]
        failed = [r for r in runs if r.status == DagsterRunStatus.FAILURE]
        assert failed, [r.status for r in runs]


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
    from dagster import DagsterInstance, DagsterRunStatus
    from dagster._core.test_utils import create_run_for_test

    from tungsten_cli.daily import PID_TAG, _end_orphaned_runs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with DagsterInstance.get() as instance:
        tags = {"tungsten/launched_by": "cli", PID_TAG: str(dead.pid)}
        orphan = create_run_for_test(instance, job_name="daily_refresh", status=DagsterRunStatus.NOT_STARTED, tags=tags)
        mine = create_run_for_test(instance, job_name="daily_refresh", status=DagsterRunStatus.NOT_STARTED,
                                   tags={**tags, PID_TAG: str(os.getpid())})
        _end_orphaned_runs(instance)
        assert instance.get_run_by_id(orphan.run_id).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(mine.run_id).status == DagsterRunStatus.NOT_STARTED  # its process is alive
