"""The worker process of a daily run (warehouse.worker): same validation results as in the run's
own process, and no worker left behind when the run's process is killed."""

import os
import signal
import subprocess
import sys
import time

import polars as pl
from integration_helpers import USGS

from ingest.registry import parse_file
from warehouse import worker
from warehouse.load import LoadRequest
from warehouse.validate import validate_frame


def _outcome(o) -> tuple:
    return o.success, o.evaluated, sorted((f.expectation, f.column, f.unexpected_count, str(f.examples)) for f in o.failures)


def test_the_worker_validates_as_the_run_process_does():
    world = parse_file("usgs", USGS / "MCS2025_World_Data.csv").frames["world"]
    bad = world.with_columns(pl.when(pl.col("country_published") == "Spain").then(-pl.col("value"))
                             .otherwise(pl.col("value")).alias("value"))
    here = [validate_frame(f, "figures", "usgs_mcs", "MCS2025", "world") for f in (world, bad)]
    worker.start()
    try:
        assert worker.active()
        there = [worker.validate(f, "figures", "usgs_mcs", "MCS2025", "world") for f in (world, bad)]
        # a validation handed over ahead of its load is collected by that load, and only by it
        req = LoadRequest("figures", "usgs_mcs", "MCS2025", "world", bad, "f.csv", "sha-of-f")
        worker.prefetch_validation(req)
        assert len(worker._PREFETCHED) == 1
        ahead = worker.validate(bad, "figures", "usgs_mcs", "MCS2025", "world", sha256="sha-of-f")
        assert not worker._PREFETCHED
    finally:
        worker.stop()
    assert not worker.active()
    assert [_outcome(o) for o in there] == [_outcome(o) for o in here]
    assert _outcome(ahead) == _outcome(here[1]) and not ahead.success


STARTS_A_WORKER = """
import time
from warehouse import worker
worker.start()
print(*(f.result(timeout=120) for f in worker._PIDS), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its new parent) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_end_when_the_run_process_is_killed():
    proc = subprocess.Popen([sys.executable, "-c", STARTS_A_WORKER], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids), "a worker outlived the killed run"
