"""The only way the CLI runs a user's SQL: on the serving file, read-only, with DuckDB's
access to anything else switched off and the settings locked.

`enable_external_access = false` stops reading or writing any other file (read_csv,
read_text, glob, COPY ... TO, EXPORT DATABASE, ATTACH, URLs) and installing or loading
extensions; `lock_configuration` stops a query from setting it back (or raising its memory
and threads). What a user wants out of the warehouse goes through the CLI's own --format.
"""

from __future__ import annotations

import os
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


class QueryRefused(Exception):
    """A query that tried to do more than read the served tables, or that DuckDB rejected."""


def connect_serving(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True, config=dict(SETTINGS))


def run(path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of one query on the serving file; QueryRefused with the reason."""
    con = connect_serving(path)
    try:
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description] if cur.description else []
        return cols, cur.fetchall()
    except duckdb.PermissionException as exc:
        raise QueryRefused("refused: `tungsten sql` reads the served tables only (no other files, no ATTACH, "
                           "COPY or EXPORT, no INSTALL or LOAD); export with --format csv or json. DuckDB said: "
                           f"{exc}") from None
    except duckdb.InvalidInputException as exc:
        if "configuration" in str(exc) or "read-only" in str(exc) or "read_only" in str(exc):
            raise QueryRefused(f"refused: the serving file is read-only and its settings are locked. DuckDB said: {exc}") from None
        raise QueryRefused(str(exc)) from None
    except duckdb.Error as exc:
        raise QueryRefused(str(exc)) from None
    finally:
        con.close()
