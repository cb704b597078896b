"""Ctrl-C (SIGINT) during a run: recorded, and acted on where the code can stop cleanly.

Inside a step, Dagster turns Ctrl-C into an exception raised wherever the step's code happens to
be. Two things went wrong with that here. Raised inside an extension module's import (pyarrow's),
the exception became a RuntimeError that the importing library caught, and the run went on to
publish. Raised between the interpreter taking its import lock and the `try` that releases it, it
left the lock held, and DuckDB's worker threads, importing pyarrow to scan a frame, waited for it
forever. So the steps that load and publish set a handler of their own (`checkpoints`): Ctrl-C is
recorded, and the step stops at its next `stop_if_interrupted()` (between sources, files and
chunks, while waiting for the writer lock, before the publish switch). And the interpreter's
wakeup file descriptor, which receives every signal whatever handler is set, lets the CLI and
the steps see a Ctrl-C that other code swallowed (`record_signals`, in the CLI's process)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_read_fd: int | None = None
_seen: set[int] = set()


@contextmanager
def record_signals() -> Iterator[None]:
    """Record the signals this process receives until the block ends (main thread only: the
    interpreter lets only it set the wakeup fd; elsewhere nothing is recorded)."""
    global _read_fd
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    os.set_blocking(write_fd, False)
    previous = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    _read_fd = read_fd
    _seen.clear()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        _read_fd = None
        _seen.clear()  # the record is this run's: a later run in the process starts without it
        os.close(read_fd)
        os.close(write_fd)


def interrupted() -> bool:
    """Ctrl-C (or SIGTERM) came in this run (since `record_signals` began, or in a `checkpoints`
    block), whether or not any code saw it."""
    if _read_fd is not None:
        while True:
            try:
                chunk = os.read(_read_fd, 512)
            except BlockingIOError:
                break
            if not chunk:
                break
            _seen.update(chunk)
    return bool(_seen & {signal.SIGINT, signal.SIGTERM})


@contextmanager
def checkpoints() -> Iterator[None]:
    """Within the block, Ctrl-C is recorded instead of raised where the code happens to be; the
    block stops at its next `stop_if_interrupted()`, or at its end (main thread only, where
    handlers are set; elsewhere the block runs as it is). The block must not yield to code that
    sets handlers of its own (a Dagster op's generator yielding its events)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda number, _frame: _seen.add(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    stop = interrupted()
    if _read_fd is None:
        _seen.clear()  # no run records signals: this block's Ctrl-C is acted on here, and not again later
    if stop:
        raise KeyboardInterrupt


def stop_if_interrupted() -> None:
    """Raise KeyboardInterrupt when a Ctrl-C came that the code running then did not act on."""
    if interrupted():
        raise KeyboardInterrupt
