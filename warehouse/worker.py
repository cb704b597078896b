"""A second process for the daily run's CPU-bound library work: the Great Expectations
validations, the dbt build and the report's Vega bundle.

A run's own process is busy with Dagster (its events, the run history in SQLite) and the
loads; GX and dbt are pure Python too, so in one process they take turns on one core. `tungsten
refresh` starts this worker before it imports Dagster: it imports GX and dbt and reads the parsed
dbt project while Dagster starts, and validates the files the run is about to load
(warehouse.plan.files_to_load; their loads collect the outcomes), then works beside the run on
the second core. Where no worker
was started (a step process of Dagster's multiprocess executor, `tungsten ingest`, the Dagster
UI's runs, tests in-process) the same functions run in the calling process, as before. A worker
that dies makes its pending work fail with BrokenProcessPool; validations then fall back to the
calling process. The worker exits when the run's process dies, even by kill -9.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_POOL: ProcessPoolExecutor | None = None  # GX validations, then the Vega bundle
_DBT: ProcessPoolExecutor | None = None  # the dbt build
_EVENTS: Any = None  # the dbt events the worker sends back (a multiprocessing queue)
_PIDS: list[Future] = []
_PREFETCHED: dict[Any, Future] = {}
_DONE = "__tungsten_worker_done__"


def start() -> None:
    """Start the workers (once per process); they warm up in the background: one imports GX for
    the validations, the other dbt and the parsed project for the build (both while the loads run
    would make the first validation wait)."""
    global _POOL, _DBT, _EVENTS
    if _POOL is not None:
        return
    ctx = multiprocessing.get_context("spawn")
    _EVENTS = ctx.Queue()
    _POOL = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init, initargs=(None, os.getpid()))
    _DBT = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init, initargs=(_EVENTS, os.getpid()))
    # each executor starts its process on its first submission
    _PIDS.extend([_POOL.submit(_warm_up_gx), _DBT.submit(_warm_up_dbt)])


def stop() -> None:
    """End the workers. Their work is done or no longer wanted, so they are ended at once (a
    process holding GX and dbt takes over a second to exit normally); a dbt build cut short
    leaves the build file as a kill would, which the next run recovers from."""
    global _POOL, _DBT, _EVENTS
    pools = [p for p in (_POOL, _DBT) if p is not None]
    pids = {pid for pool in pools for pid in (getattr(pool, "_processes", None) or {})}
    for fut in _PIDS if not pids else ():
        try:
            pids.add(fut.result(timeout=5))
        except Exception:  # never started or broken
            pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:  # already gone
            pass
    # Wait for each pool's own thread to see its worker gone; the pool then lets go of its queues
    # here, in this thread, and their named semaphores are released at once. Released later by a
    # garbage collection in another thread, the process's exit could cut that short, and the
    # resource tracker would warn of a leaked semaphore.
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)
    _POOL, _DBT, _EVENTS = None, None, None
    _PIDS.clear()
    _PREFETCHED.clear()


def active() -> bool:
    return _POOL is not None


def _broken() -> None:
    """The validation worker died: later validations run in the calling process."""
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=False, cancel_futures=True)
    _POOL = None


def _ahead_key(sha256: str, raw_table: str, source_id: str, vintage: str, dataset: str) -> tuple:
    return ("ahead", sha256, raw_table, source_id, vintage, dataset)


def validate_ahead(files) -> None:
    """Have the worker read and validate these files (warehouse.plan.FilesToLoad) as soon as it
    has imported GX, before the run's load step asks: the run's process is still importing
    Dagster then. The load of the same file collects the result through `validate`."""
    from ingest.sources import all_sources

    if _POOL is None:
        return
    work = [(_ahead_key(s.sha256, s.table, s.source_id, s.vintage, s.dataset), _validate_snapshot, s)
            for s in files.snapshots]
    work += [(("ahead-file", c.source_id, c.sha256), _validate_file, c) for c in files.curated]
    rank = {source_id: i for i, source_id in enumerate(all_sources())}
    work.sort(key=lambda w: rank.get(w[2].source_id, len(rank)))  # the order the load step loads them in
    for key, fn, item in work:
        if key not in _PREFETCHED:
            try:
                _PREFETCHED[key] = _POOL.submit(fn, item)
            except BrokenProcessPool:
                _broken()
                return


def _validated_ahead(frame, raw_table: str, source_id: str, vintage: str, dataset: str, sha256: str):
    """The outcome the worker found for this frame ahead, if it read the same bytes and frame:
    a snapshot file's, or one table's of a file with several ({(table, vintage, dataset): ...})."""
    key = _ahead_key(sha256, raw_table, source_id, vintage, dataset)
    future = _PREFETCHED.pop(key, None)
    try:
        found = future.result() if future is not None else None
        if future is None and (whole := _PREFETCHED.get(("ahead-file", source_id, sha256))) is not None:
            found = (whole.result() or {}).pop((raw_table, vintage, dataset), None)
    except BrokenProcessPool:
        _broken()
        return None
    except Exception:  # the guess failed (e.g. the file went away): the load validates it itself
        return None
    if found is None or found[0] != (frame.height, tuple(frame.columns)):
        return None
    return found[1]


def validate(frame, raw_table: str, source_id: str, vintage: str, dataset: str, *,
             key_checked_apart: tuple[str, ...] = (), sha256: str | None = None):
    """warehouse.validate.validate_frame, in the worker when there is one: the outcome it found
    ahead (validate_ahead) when it validated the same frame of the same file (sha256)."""
    from warehouse.validate import validate_frame

    if _POOL is not None and sha256 and not key_checked_apart:
        ahead = _validated_ahead(frame, raw_table, source_id, vintage, dataset, sha256)
        if ahead is not None:
            return ahead
    if _POOL is not None:
        try:
            return _POOL.submit(validate_frame, frame, raw_table, source_id, vintage, dataset,
                                key_checked_apart=key_checked_apart).result()
        except BrokenProcessPool:
            _broken()
    return validate_frame(frame, raw_table, source_id, vintage, dataset, key_checked_apart=key_checked_apart)


def prefetch(name: str, fn: Callable, *args) -> None:
    """Start fn(*args) in the worker now, for `prefetched(name)` to collect later (no-op without a worker)."""
    if _POOL is not None and name not in _PREFETCHED:
        try:
            _PREFETCHED[name] = _POOL.submit(fn, *args)
        except BrokenProcessPool:
            _broken()


def prefetched(name: str) -> Any | None:
    """The result of a prefetch, or None when there was none or it failed (the caller does the work)."""
    fut = _PREFETCHED.pop(name, None)
    if fut is None:
        return None
    try:
        return fut.result()
    except Exception:
        return None


def dbt_build(paths) -> Iterator[dict]:
    """The dbt build (warehouse.dbt_build.build): its result events as they arrive, then one last
    item {"summary": BuildSummary}. In the worker when there is one, else in a thread here."""
    from warehouse.dbt_build import build

    if _DBT is None:
        yield from _threaded(lambda put: build(paths, put))
        return
    future = _DBT.submit(_build_in_worker, paths)
    while True:
        try:
            item = _EVENTS.get(timeout=0.2)
        except queue.Empty:
            if future.done():
                future.result()  # raises what killed the build (BrokenProcessPool included)
                return
            continue
        if item == _DONE:
            break
        yield item
    yield {"summary": future.result()}


def _threaded(work: Callable[[Callable[[dict], None]], Any]) -> Iterator[dict]:
    """Run work(put) in a thread, yielding what it puts, then {"summary": its return value}."""
    events: queue.Queue = queue.Queue()
    outcome: dict[str, Any] = {}
    done = object()

    def run() -> None:
        try:
            outcome["summary"] = work(events.put)
        except BaseException as exc:  # re-raised below, never lost in the thread
            outcome["error"] = exc
        finally:
            events.put(done)

    thread = threading.Thread(target=run, name="dbt-build", daemon=True)
    thread.start()
    while (item := events.get()) is not done:
        yield item
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    yield {"summary": outcome["summary"]}


# --- in the worker process ---------------------------------------------------------------

def _init(events, parent_pid: int) -> None:
    global _EVENTS
    _EVENTS = events
    if events is not None:
        # the dbt worker's warm-up is not needed before the loads end: the validations and the
        # run's own start go first on a machine with fewer cores than busy processes
        os.nice(10)
    signal.signal(signal.SIGTERM, lambda *_: _quick_exit())
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _quick_exit() -> None:
    """End the worker without tearing down GX and dbt, but first release the named semaphores
    it made (dbt's adapter locks): unreleased, the resource tracker warns of leaked semaphores
    when the run's process exits."""
    from multiprocessing import util

    try:
        util._run_finalizers(0)  # SemLock's own finalizers: unlink and unregister each name
    finally:
        os._exit(0)


def _exit_with_parent(parent_pid: int) -> None:
    """A worker whose run process is gone (killed) has nobody to work for: it ends itself."""
    import time

    while os.getppid() == parent_pid:
        time.sleep(0.5)
    _quick_exit()


def _warm_up_gx() -> int:
    """Import GX and build its context; the worker's pid."""
    from warehouse import validate

    validate._context()
    return os.getpid()


def _validate_snapshot(snap):
    """((rows, columns), outcome) of a snapshot file, or None when its bytes are not the ones its
    manifest lists (the run's own check then refuses it)."""
    from ingest.provenance import sha256_file
    from warehouse.validate import validate_frame

    if sha256_file(snap.path) != snap.sha256:
        return None
    frame = snap.read()
    if sha256_file(snap.path) != snap.sha256:  # changed while read
        return None
    return (frame.height, tuple(frame.columns)), validate_frame(frame, snap.table, snap.source_id, snap.vintage,
                                                                snap.dataset)


def _validate_file(curated):
    """{(table, vintage, dataset): ((rows, columns), outcome)} of a curated file's tables
    (warehouse.plan.CuratedFile), parsed as its load parses it; {} when it cannot be parsed or
    is no longer the file planned (the load reports that)."""
    from ingest.errors import ParseError
    from ingest.families import raw_table
    from ingest.registry import parse_file
    from ingest.sources import get as source_of
    from warehouse.validate import validate_frame

    data = curated.path.read_bytes()
    try:
        parsed = parse_file(curated.cli_name, curated.path, data=data)
    except (ParseError, ValueError, KeyError):
        return {}
    if parsed.sha256 != curated.sha256:
        return {}
    family = source_of(parsed.source_id).family
    return {(raw_table(family, ds), parsed.vintage, ds):
            ((frame.height, tuple(frame.columns)),
             validate_frame(frame, raw_table(family, ds), parsed.source_id, parsed.vintage, ds))
            for ds, frame in parsed.frames.items()}


def _warm_up_dbt() -> int:
    """Import dbt, read the parsed project and warm dbt up (dbt_build.warm_up); the worker's pid."""
    from warehouse.dbt_build import parsed_project, warm_up

    parsed_project()
    try:
        warm_up()
    except Exception:  # only time is lost: the build does what the warm-up did not
        pass
    return os.getpid()


def _build_in_worker(paths):
    from warehouse.dbt_build import build

    try:
        return build(paths, _EVENTS.put)
    finally:
        _EVENTS.put(_DONE)
