"""End the `tungsten` process without Python's object-by-object shutdown.

After a bulk load the interpreter holds millions of objects (Great Expectations, pandas,
scipy, altair are imported); its shutdown garbage collection walks them all and took about
0.9 s of a 19 s ingest. exit_now does what a normal exit does for the program's own state
(runs the atexit handlers, so libraries flush and clean up, and flushes stdout and stderr),
then ends the process; the operating system frees the memory at once. Files and databases
are closed by the commands themselves before this point.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading


def exit_code(code: object) -> int:
    """SystemExit's code as the process exit status, as Python maps it (None 0, an int
    itself, anything else printed to stderr and 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def exit_now(code: object = 0) -> None:
    """Exit with `code` (SystemExit's code), skipping the interpreter's teardown.

    With a non-daemon thread still running, Python's own exit is used, which waits for it.
    """
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if others:
        raise SystemExit(code)
    status = exit_code(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing left to flush
            pass
    os._exit(status)
