"""SQLite settings for the Dagster instance's files while `tungsten refresh` writes to them,
and the check that makes those settings safe.

Dagster's default storage commits every event in its own transaction on a fresh SQLite
connection, and with SQLite's default (synchronous=FULL) each commit waits for the disk: a
cold daily run stores about 260 events, and those waits were 0.8 s of its 12 s. With
synchronous=OFF a commit returns once the operating system has the data: a process killed
mid-run (kill -9) loses nothing it committed, but a power cut or OS crash during a run can
leave a run-history file damaged. So before each run the history files written since the last
good check are checked (SQLite's quick_check, milliseconds), and a damaged instance is moved
aside with a warning and started anew: the run history is lost, never the warehouse (DuckDB
files are not affected by any of this), and the daily job never refuses to start because of it.
WAL mode was measured too: Dagster opens and closes a connection per event, and each close
checkpoints the log to disk, so it saved almost nothing.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

STAMP = ".tungsten-checked"
_INSTALLED: set[str] = set()


def unsynced_commits_for(dagster_home: Path) -> None:
    """From now on, in this process, SQLite files under dagster_home are written with
    synchronous=OFF (other SQLite files are left as they are)."""
    root = str(dagster_home.resolve())
    if root in _INSTALLED:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    resolved: dict[str, str] = {}

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        files = [row[2] for row in dbapi_connection.execute("PRAGMA database_list").fetchall()]
        for f in files:
            if f and f not in resolved:
                resolved[f] = str(Path(f).resolve())
        if any(f and resolved[f].startswith(root) for f in files):
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    _INSTALLED.add(root)


def reuse_engines() -> None:
    """Dagster's SQLite storages make a new SQLAlchemy engine for every event they store (about
    600 in a cold run), and SQLAlchemy sets each new engine up on its first connection (it asks
    SQLite its version and settings): a second of a cold run. From now on, in this process, they
    get the engine made before for the same database and options (still one SQLite connection
    per use: the engines keep no connection open between uses). Nothing is changed when Dagster's
    modules no longer look as this expects."""
    import importlib

    import sqlalchemy

    engines: dict[tuple, object] = {}

    def create_engine(url, **kwargs):
        key = (str(url), repr(sorted(kwargs.items(), key=lambda kv: kv[0])))
        if key not in engines:
            engines[key] = sqlalchemy.create_engine(url, **kwargs)
        return engines[key]

    for name in ("dagster._core.storage.event_log.sqlite.sqlite_event_log",
                 "dagster._core.storage.runs.sqlite.sqlite_run_storage",
                 "dagster._core.storage.schedules.sqlite.sqlite_schedule_storage"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "create_engine", None) is sqlalchemy.create_engine:
            module.create_engine = create_engine


def damaged_files(dagster_home: Path) -> list[Path]:
    """The instance's SQLite files written since the last good check that fail quick_check."""
    stamp = dagster_home / STAMP
    since = stamp.stat().st_mtime if stamp.exists() else 0.0
    bad = []
    for path in sorted(dagster_home.rglob("*.db")):
        if path.stat().st_mtime < since:
            continue
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                ok = con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            finally:
                con.close()
        except sqlite3.DatabaseError:
            ok = False
        if not ok:
            bad.append(path)
    return bad


def ensure_usable(dagster_home: Path, warn) -> None:
    """Move a damaged instance's history aside (named with the time) so the run can start;
    record a good check otherwise."""
    bad = damaged_files(dagster_home)
    if bad:
        aside = dagster_home.with_name(f"{dagster_home.name}.damaged-{dt.datetime.now():%Y%m%dT%H%M%S}")
        dagster_home.rename(aside)
        dagster_home.mkdir(parents=True)
        for name in ("dagster.yaml",):
            if (aside / name).exists():
                (dagster_home / name).write_bytes((aside / name).read_bytes())
        warn(f"the Dagster run history was damaged ({', '.join(p.name for p in bad)}; a power cut or crash "
             f"during a run?): moved to {aside}, starting a new one. The warehouse is not affected.")
    (dagster_home / STAMP).touch()
