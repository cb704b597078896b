"""A damaged build file, told apart from other database errors and set aside.

The build file is the pipeline's private state: everything in it can be made again from the
embedded snapshot, the curated files and the files users gave (kept in landing/ with a journal
of the loads that counted, warehouse.landing). So a build file DuckDB can no longer read (a
checksum that does not match, bytes that are not a database) is moved aside, never deleted,
and the writer that found it starts a new one and loads everything again.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

# What DuckDB says of a file it cannot trust; other errors (a lock held, a full disk) are not damage.
# A file written by a newer DuckDB (the pin moved back to 1.5 for DuckLake) cannot be read either: set
# aside and rebuilt the same way, nothing lost.
DAMAGE = re.compile(r"Corrupt database file|not a valid DuckDB database file|does not match stored checksum|"
                    r"Serialization Error|Failed to read database header|block at location|"
                    r"created with an? newer version of DuckDB", re.IGNORECASE)


class BuildFileDamaged(Exception):
    """The build file cannot be read; str() says what DuckDB found and what happens next."""


def is_damage(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and not isinstance(exc, duckdb.InterruptException) and bool(
        DAMAGE.search(str(exc)))


def set_aside(build: Path) -> Path:
    """Move the damaged file (and its write-ahead log) to <name>.damaged-<UTC time>, kept for a post-mortem."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    aside = build.with_name(f"{build.name}.damaged-{stamp}")
    build.replace(aside)
    wal = build.with_name(build.name + ".wal")
    if wal.exists():
        wal.replace(aside.with_name(aside.name + ".wal"))
    return aside


def damage_message(build: Path, exc: BaseException) -> str:
    return (f"the build file {build} is damaged ({str(exc).splitlines()[0]}); the next `tungsten refresh` sets it "
            "aside and rebuilds it from landing/ and the snapshot (the serving file stays as it is)")
