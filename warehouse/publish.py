"""Publish the serving file: copy the build's tables to a new file, then atomically rename.

Readers never wait and never see half a run: a reader that has the old file open keeps
reading the old inode; new readers open the new one. The copy is written with DuckDB's
v1.0.0 storage format, so DuckDB 1.x clients (and the BI drivers that embed them) can open
what a DuckDB 2.x pipeline builds.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

from warehouse.paths import apply_duckdb_settings

PUBLISHED_SCHEMAS = ("raw", "meta", "ref", "marts")
STORAGE_VERSION = "v1.0.0"


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def leftovers(serving_path: Path) -> list[Path]:
    """Temporary copies a publish writes beside the serving file (a killed one leaves them)."""
    return sorted(serving_path.parent.glob(f".{serving_path.name}.*.tmp*"))


def remove_leftovers(serving_path: Path) -> list[Path]:
    """Delete the temporary copies a killed publish left beside the serving file (they can be
    as large as the warehouse). Publishing runs under the writer lock, so any such file is an
    orphan when the lock is taken."""
    removed = leftovers(serving_path)
    for orphan in removed:
        orphan.unlink(missing_ok=True)
    return removed


def publish(build_path: Path, serving_path: Path, fingerprints: dict[str, str] | None = None) -> dict[str, int]:
    """Replace serving_path with a copy of the build's published schemas; returns rows per table.

    `fingerprints` (what the marts were built from) is written into meta.published of the
    new file, so a later run can tell from the served file itself whether it is current.
    """
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(serving_path)
    tmp = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex[:8]}.tmp")
    counts: dict[str, int] = {}
    # Connect to the build file itself (not ATTACH): dbt-duckdb may still hold it open in this
    # process, and DuckDB refuses to attach one file twice; connect() shares that instance.
    con = duckdb.connect(str(build_path))
    apply_duckdb_settings(con)
    try:
        build = con.execute("SELECT current_database()").fetchone()[0]
        con.execute(f"ATTACH {_quote_path(tmp)} AS serving (STORAGE_VERSION '{STORAGE_VERSION}')")
        tables = con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name IN (SELECT unnest(?)) ORDER BY 1, 2",
            [build, list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        columns = con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = ? AND comment IS NOT NULL AND comment <> ''",
            [build],
        ).fetchall()
        con.execute("BEGIN")
        for schema in sorted({t[0] for t in tables}):
            con.execute(f'CREATE SCHEMA serving."{schema}"')
        for schema, table, comment in tables:
            con.execute(f'CREATE TABLE serving."{schema}"."{table}" AS SELECT * FROM "{build}"."{schema}"."{table}"')
            if comment:
                con.execute(f'COMMENT ON TABLE serving."{schema}"."{table}" IS {_sql_literal(comment)}')
            counts[f"{schema}.{table}"] = con.execute(f'SELECT count(*) FROM serving."{schema}"."{table}"').fetchone()[0]
        published = {(s, t) for s, t, _ in tables}
        for schema, table, column, comment in columns:
            if (schema, table) in published:
                con.execute(f'COMMENT ON COLUMN serving."{schema}"."{table}"."{column}" IS {_sql_literal(comment)}')
        con.execute("CREATE TABLE serving.meta.published (published_at TIMESTAMPTZ, raw_fingerprint VARCHAR, dbt_fingerprint VARCHAR)")
        fp = fingerprints or {}
        con.execute("INSERT INTO serving.meta.published VALUES (now(), ?, ?)", [fp.get("raw"), fp.get("dbt")])
        con.execute("COMMIT")
        con.execute("DETACH serving")
    except BaseException:
        # clean up without letting a second error (a read-only folder, a full disk) hide the first
        for cleanup in (lambda: con.execute("DETACH DATABASE IF EXISTS serving"), con.close,
                        lambda: tmp.unlink(missing_ok=True)):
            try:
                cleanup()
            except Exception:
                pass
        raise
    con.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, serving_path)
    return counts


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def served_fingerprints(serving_path: Path) -> dict[str, str] | None:
    """What the serving file was built from, or None if there is no (readable) serving file."""
    if not serving_path.exists():
        return None
    try:
        con = duckdb.connect(str(serving_path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT raw_fingerprint, dbt_fingerprint FROM meta.published").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return {"raw": row[0], "dbt": row[1]} if row else None
