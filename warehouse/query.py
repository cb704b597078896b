"""The only way the CLI runs a user's SQL: on the serving file, read-only, with DuckDB's
access to anything else switched off and the settings locked, a time limit, Ctrl-C, and a
spill folder of its own.

`enable_external_access = false` stops reading or writing any other file (read_csv,
read_text, glob, COPY ... TO, EXPORT DATABASE, ATTACH, URLs) and installing or loading
extensions; `lock_configuration` stops a query from setting it back (or raising its memory
and threads). What a user wants out of the warehouse goes through the CLI's own --format.

A query that outgrows its memory spills into TUNGSTEN_HOME/tmp/sql-<pid> (never beside the
serving file, whose folder belongs to the readers); the folder goes when the query ends, and
one left by a killed process goes at the next query (see spill_folder).
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

SETTINGS = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "memory_limit": os.environ.get("TUNGSTEN_SQL_MEMORY", "2GB"),
    "threads": 2,
    "lock_configuration": True,  # last: nothing after it can change the others
}

DEFAULT_TIMEOUT_S = 300.0  # a query of the served marts takes seconds; five minutes is a runaway
BATCH_ROWS = 10_000  # rows fetched at a time: a result is streamed, never held whole in memory


class QueryRefused(Exception):
    """A query that tried to do more than read the served tables, or that DuckDB rejected."""


class QueryStopped(QueryRefused):
    """A query stopped before it ended: by its time limit (exit 1) or by Ctrl-C (exit 130)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def connect_serving(path: Path, temp_directory: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The serving file read-only with SETTINGS; temp_directory: where DuckDB may spill (set
    before the configuration is locked)."""
    config = {k: v for k, v in SETTINGS.items() if k != "lock_configuration"}
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    config["lock_configuration"] = True
    return duckdb.connect(str(path), read_only=True, config=config)


def has_statement(sql: str) -> bool:
    """Whether sql holds a statement at all: "", blanks, a lone comment or ";;;" do not (DuckDB
    would fail on them with no useful message). A syntax error is QueryRefused with DuckDB's words."""
    try:
        with duckdb.connect() as parser:  # in memory: only its parser is used
            return bool(parser.extract_statements(sql))
    except duckdb.Error as exc:
        raise QueryRefused(str(exc)) from None


def spill_folder(home: Path) -> Path:
    """This process's spill folder, home/tmp/sql-<pid>, made empty; first removes the folders of
    processes that no longer run (a query killed with kill -9 could not remove its own)."""
    root = home / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("sql-*"):
        pid = old.name.removeprefix("sql-")
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    mine = root / f"sql-{os.getpid()}"
    shutil.rmtree(mine, ignore_errors=True)
    mine.mkdir(mode=0o700)
    return mine


def _running(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: not ours to judge, keep its folder
    return True


class _Stopper:
    """Stops the running query with DuckDB's public con.interrupt(): from a timer thread when the
    time limit passes, and from a SIGINT handler (Ctrl-C) in the main thread. Remembers which."""

    def __init__(self, con: duckdb.DuckDBPyConnection, timeout: float | None) -> None:
        self.con, self.timeout, self.why = con, timeout, None
        self.timer = threading.Timer(timeout, self.stop, args=("timeout",)) if timeout else None
        self.previous = None

    def stop(self, why: str) -> None:
        self.why = self.why or why
        self.con.interrupt()

    def __enter__(self) -> _Stopper:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, lambda *_: self.stop("interrupt"))
        if self.timer is not None:
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    def raise_if_stopped(self) -> None:
        """QueryStopped when the timer or Ctrl-C stopped the query (called on DuckDB's error and
        between batches, so a Ctrl-C while output is written stops it too)."""
        if self.why == "interrupt":
            raise QueryStopped("interrupted (Ctrl-C): the query was stopped", 130)
        if self.why == "timeout":
            raise QueryStopped(f"stopped: the query ran past its time limit of {self.timeout:g} s "
                               "(raise it with --timeout SECONDS)", 1)


@dataclass
class Result:
    """A running query's column names, DuckDB types (as text) and its rows, batch by batch."""
    columns: list[str]
    types: list[str]
    batches: Iterator[list[tuple]]


@contextmanager
def open_query(path: Path, sql: str, *, home: Path | None = None, timeout: float | None = DEFAULT_TIMEOUT_S,
               arrow: bool = False, connector=None) -> Iterator[Result]:
    """Run one query on the serving file and yield its Result while it streams (arrow: batches
    are Arrow record batches, typed by DuckDB, for Parquet); QueryRefused with
    the reason, QueryStopped when the time limit or Ctrl-C stopped it. The spill folder (under
    home, default TUNGSTEN_HOME) is gone when this returns, whatever happened. connector: a
    function of the spill folder giving the locked-down connection instead of the serving
    file's (the lake's, warehouse.lake.query)."""
    if not has_statement(sql):
        raise QueryRefused("the query is empty (no statement: only blanks, comments or semicolons)")
    if home is None:
        from warehouse.paths import current

        home = current().home
    tmp = spill_folder(home)
    con = None
    try:
        con = connector(tmp) if connector is not None else connect_serving(path, tmp)
        with _Stopper(con, timeout) as stopper:
            try:
                if arrow:
                    rel = con.sql(sql)
                    reader = rel.to_arrow_reader(BATCH_ROWS) if rel is not None else None
                else:
                    cur = con.execute(sql)
            except duckdb.Error as exc:
                stopper.raise_if_stopped()
                raise _refusal(exc) from None
            if arrow:
                names = reader.schema.names if reader is not None else []
                yield Result(names, [str(t) for t in rel.types] if rel is not None else [],
                             _arrow_batches(reader, stopper))
            else:
                desc = cur.description or []
                yield Result([d[0] for d in desc], [str(d[1]) for d in desc], _batches(cur, stopper))
            stopper.raise_if_stopped()
    finally:
        if con is not None:
            con.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _batches(cur: duckdb.DuckDBPyConnection, stopper: _Stopper) -> Iterator[list[tuple]]:
    """The result in batches of BATCH_ROWS (fetchmany), stopping with QueryStopped or QueryRefused."""
    if cur.description is None:
        return
    while True:
        stopper.raise_if_stopped()
        try:
            batch = cur.fetchmany(BATCH_ROWS)
        except duckdb.Error as exc:
            stopper.raise_if_stopped()
            raise _refusal(exc) from None
        if not batch:
            return
        yield batch


def _arrow_batches(reader, stopper: _Stopper) -> Iterator:
    """An Arrow reader's record batches; an interrupted read surfaces as an OSError from Arrow."""
    if reader is None:
        return
    while True:
        stopper.raise_if_stopped()
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except (duckdb.Error, OSError) as exc:
            stopper.raise_if_stopped()
            raise QueryRefused(str(exc)) from None
        yield batch


def _refusal(exc: duckdb.Error) -> QueryRefused:
    """DuckDB's error as a QueryRefused, saying why a refused operation is refused."""
    if isinstance(exc, duckdb.PermissionException):
        return QueryRefused("refused: `tungsten sql` reads the served tables only (no other files, no ATTACH, "
                            "COPY or EXPORT, no INSTALL or LOAD); export with --format csv or json. DuckDB said: "
                            f"{exc}")
    if isinstance(exc, duckdb.InvalidInputException) and (
            "configuration" in str(exc) or "read-only" in str(exc) or "read_only" in str(exc)):
        return QueryRefused(f"refused: the serving file is read-only and its settings are locked. DuckDB said: {exc}")
    return QueryRefused(str(exc))


def run(path: Path, sql: str, *, home: Path | None = None, timeout: float | None = DEFAULT_TIMEOUT_S) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of one small query, all rows in memory (for tests and callers that
    know the result is small; the CLI streams with open_query)."""
    with open_query(path, sql, home=home, timeout=timeout) as res:
        return res.columns, [r for b in res.batches for r in b]
