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
    finally:
        worker.stop()
    assert not worker.active()
    assert [_outcome(o) for o in there] == [_outcome(o) for o in here]
    assert not here[1].success


def test_files_validated_ahead_are_collected_by_their_loads(tmp_path, monkeypatch):
    """`tungsten refresh` has the worker validate the files it will load while Dagster is imported
    (warehouse.plan.files_to_load): a load collects that outcome without validating again, for a
    snapshot file and for each table of a curated file; one whose bytes are not its manifest's
    is validated again as the load reads it."""
    from dataclasses import replace

    from helpers import warehouse_env

    from ingest.families import raw_table
    from ingest.snapshot import load_manifest
    from ingest.sources import get as source_of
    from warehouse.paths import current
    from warehouse.plan import FilesToLoad, files_to_load

    for k, v in warehouse_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    paths = current()
    files = files_to_load(paths)  # no build yet: every file
    assert len(files.snapshots) == len(load_manifest(paths.snapshot)) and files.curated and not files.damaged
    snap = next(s for s in files.snapshots if s.source_id == "usgs_mcs" and s.dataset == "world")
    frame = snap.read()
    here = validate_frame(frame, snap.table, snap.source_id, snap.vintage, snap.dataset)
    edited = tmp_path / snap.path.name  # the same rows and columns, one value negative: it fails validation
    frame.with_columns(pl.when(pl.col("source_line") == frame["source_line"][0]).then(-1.0)
                       .otherwise(pl.col("value")).alias("value")).write_csv(edited)
    curated = files.curated[0]
    parsed = parse_file(curated.cli_name, curated.path)
    tables = {ds: raw_table(source_of(parsed.source_id).family, ds) for ds in parsed.frames}
    worker.start()
    try:
        worker.validate_ahead(FilesToLoad(snapshots=[replace(snap, path=edited)]))
        not_its_bytes = worker.validate(frame, snap.table, snap.source_id, snap.vintage, snap.dataset,
                                        sha256=snap.sha256)
        worker.validate_ahead(FilesToLoad(snapshots=[snap], curated=[curated]))
        submitted = []
        submit = worker._POOL.submit
        monkeypatch.setattr(worker._POOL, "submit", lambda *a, **k: submitted.append(a[0]) or submit(*a, **k))
        ahead = worker.validate(frame, snap.table, snap.source_id, snap.vintage, snap.dataset, sha256=snap.sha256)
        curated_ahead = {ds: worker.validate(f, tables[ds], parsed.source_id, parsed.vintage, ds, sha256=parsed.sha256)
                         for ds, f in parsed.frames.items()}
    finally:
        worker.stop()
    assert here.success and _outcome(not_its_bytes) == _outcome(here)
    assert submitted == [] and _outcome(ahead) == _outcome(here)
    assert {ds: _outcome(o) for ds, o in curated_ahead.items()} == {
        ds: _outcome(validate_frame(f, tables[ds], parsed.source_id, parsed.vintage, ds)) for ds, f in parsed.frames.items()}


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
