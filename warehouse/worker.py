"""A second process for the daily run's CPU-bound library work: the Great Expectations
validations, the dbt build and the report's Vega bundle.

A run's own process is busy with Dagster (its events, the run history in SQLite) and the
loads; GX and dbt are pure Python too, so in one process they take turns on one core. `tungsten
refresh` starts this worker before it imports Dagster: it imports GX and dbt and reads the parsed
dbt project while Dagster starts, then works beside the run on the second core. Where no worker
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
_RETIRED: list[Any] = []  # stopped pools and queues, see stop()
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
    for pool in (_POOL, _DBT):
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
    for fut in _PIDS:
        try:
            os.kill(fut.result(timeout=5), signal.SIGTERM)
        except Exception:  # never started, already gone, or broken
            pass
    for pool in (_POOL, _DBT):
        if pool is not None:
            pool.shutdown(wait=True)  # the pool's thread has seen its worker end
    # Kept until this process exits: their named semaphores are then released by multiprocessing's
    # exit handler in this thread. Left to the garbage collector, another thread may be releasing
    # one when `tungsten` ends the process, and the resource tracker warns of a leaked semaphore.
    _RETIRED.extend(x for x in (_POOL, _DBT, _EVENTS) if x is not None)
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


def _validation_key(frame, raw_table: str, source_id: str, vintage: str, dataset: str, sha256: str) -> tuple:
    return ("validation", sha256, raw_table, source_id, vintage, dataset, frame.height, tuple(frame.columns))


def prefetch_validation(req) -> None:
    """Start the GX validation of a load request's whole frame in the worker now, ahead of its
    load (which then collects it through `validate`), so validations run while this process
    loads earlier files. Nothing without a worker, or for a frame read in chunks."""
    import polars as pl

    from warehouse.validate import validate_frame

    if _POOL is None or not isinstance(req.frame, pl.DataFrame):
        return
    key = _validation_key(req.frame, req.raw_table, req.source_id, req.vintage, req.dataset, req.sha256)
    if key not in _PREFETCHED:
        try:
            _PREFETCHED[key] = _POOL.submit(validate_frame, req.frame, req.raw_table, req.source_id, req.vintage,
                                            req.dataset)
        except BrokenProcessPool:
            _broken()


def validate(frame, raw_table: str, source_id: str, vintage: str, dataset: str, *,
             key_checked_apart: tuple[str, ...] = (), sha256: str | None = None):
    """warehouse.validate.validate_frame, in the worker when there is one: the result of its
    prefetch when the same frame of the same file (sha256) was validated ahead."""
    from warehouse.validate import validate_frame

    if _POOL is not None:
        key = _validation_key(frame, raw_table, source_id, vintage, dataset, sha256) if sha256 else None
        future = _PREFETCHED.pop(key, None) if key and not key_checked_apart else None
        try:
            return (future or _POOL.submit(validate_frame, frame, raw_table, source_id, vintage, dataset,
                                           key_checked_apart=key_checked_apart)).result()
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


def _warm_up_dbt() -> int:
    """Import dbt and read the parsed project; the worker's pid."""
    from warehouse.dbt_build import parsed_project

    parsed_project()
    return os.getpid()


def _build_in_worker(paths):
    from warehouse.dbt_build import build

    try:
        return build(paths, _EVENTS.put)
    finally:
        _EVENTS.put(_DONE)
