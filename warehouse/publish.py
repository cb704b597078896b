"""Publish the serving file: copy the build's tables to a new file, then atomically rename.

Readers never wait and never see half a run: a reader that has the old file open keeps
reading the old inode; new readers open the new one. The copy is written with DuckDB's
v1.0.0 storage format, so DuckDB 1.x clients (and the BI drivers that embed them) can open
what a DuckDB 2.x pipeline builds.

Each table is also written as Parquet beside it (warehouse/parquet_export.py: a version folder
per build, `tungsten.parquet` swapped to it by rename right after the serving file), so engines
without a DuckDB driver read the same build. meta.published names the build (build_id).
"""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse import interrupts, parquet_export
from warehouse.paths import apply_duckdb_settings

PUBLISHED_SCHEMAS = ("raw", "meta", "ref", "marts")
STORAGE_VERSION = "v1.0.0"


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def leftovers(serving_path: Path) -> list[Path]:
    """Temporary copies a publish writes beside the serving file (a killed one leaves them),
    and a killed publish's partial Parquet version or link."""
    return sorted(serving_path.parent.glob(f".{serving_path.name}.*.tmp*")) + parquet_export.leftovers(serving_path)


def remove_leftovers(serving_path: Path) -> list[Path]:
    """Delete the temporary copies a killed publish left beside the serving file (they can be
    as large as the warehouse). Publishing runs under the writer lock, so any such file is an
    orphan when the lock is taken."""
    removed = leftovers(serving_path)
    for orphan in removed:
        parquet_export.remove(orphan)
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
    build_id = parquet_export.new_build_id()
    version = None
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
        comments = [f'COMMENT ON COLUMN serving."{schema}"."{table}"."{column}" IS {_sql_literal(comment)}'
                    for schema, table, column, comment in columns if (schema, table) in published]
        comments += _comments_from_column_docs(con, published, {(s, t, c) for s, t, c, _ in columns})
        con.execute("CREATE TABLE serving.meta.published (published_at TIMESTAMPTZ, raw_fingerprint VARCHAR, "
                    "dbt_fingerprint VARCHAR, build_id VARCHAR)")
        fp = fingerprints or {}
        con.execute("INSERT INTO serving.meta.published VALUES (now(), ?, ?, ?)", [fp.get("raw"), fp.get("dbt"), build_id])
        comments += [f'COMMENT ON COLUMN serving.meta.published."{column}" IS {_sql_literal(comment)}'
                     for column, comment in PUBLISHED_COMMENTS.items()]
        con.execute(";\n".join(comments))  # some 900 statements: one call, not one each
        _create_views(con)
        con.execute("COMMIT")
        published_at = con.execute("SELECT published_at FROM serving.meta.published").fetchone()[0]
        version = parquet_export.publish_version(
            con, "serving", [*sorted(published), ("meta", "published")], serving_path,
            {"build_id": build_id, "published_at": published_at, "raw_fingerprint": fp.get("raw"),
             "dbt_fingerprint": fp.get("dbt"), "serving_file": serving_path.name})
        con.execute("DETACH serving")
    except BaseException:
        # clean up without letting a second error (a read-only folder, a full disk) hide the first
        for cleanup in (lambda: con.execute("DETACH DATABASE IF EXISTS serving"), con.close,
                        lambda: tmp.unlink(missing_ok=True),
                        lambda: version is not None and parquet_export.remove(version)):
            try:
                cleanup()
            except Exception:
                pass
        raise
    con.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    with _signals_deferred():  # the serving file and the Parquet folder switch together
        if interrupts.interrupted():  # a Ctrl-C earlier in the run that the code running then swallowed
            tmp.unlink(missing_ok=True)
            parquet_export.remove(version)
            raise KeyboardInterrupt
        os.replace(tmp, serving_path)
        parquet_export.swap(serving_path, version)
    return counts


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM wait until the block is done, then act as they would have:
    a run stopped between the two switches would serve a build whose Parquet folder is the
    previous one. Only the main thread can set handlers; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, _frame: received.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if received:
            signal.raise_signal(received[0])


PUBLISHED_COMMENTS = {
    "published_at": "When this serving file was written (UTC).",
    "raw_fingerprint": "Hash of the raw files and reference tables the marts were built from.",
    "dbt_fingerprint": "Hash of the dbt project the marts were built with.",
    "build_id": "This build's id; the Parquet folder beside the serving file (tungsten.parquet) names the same one.",
}


def _provenance_sql() -> str:
    from warehouse.provenance_view import provenance_sql  # the raw tables' registry: not for a no-op run

    return provenance_sql()


VIEWS = {"meta.provenance": _provenance_sql}  # view -> its SQL


def _create_views(con) -> None:
    """Views of the serving file (their SQL names tables without a catalog, so they read the
    serving file's own tables wherever it is opened), described from warehouse/column_docs.yml
    (the pipeline's own meta tables, which dbt neither reads nor builds)."""
    import re

    from warehouse import dictionary

    served = {f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                                                  "WHERE database_name = 'serving'").fetchall()}
    docs = dictionary.dbt_docs()
    for name, sql in VIEWS.items():
        schema, view = name.split(".")
        text = sql()
        code = re.sub(r"--[^\n]*", "", text)
        if not set(re.findall(r"\b((?:raw|meta|ref|marts)\.\w+)", code)) <= served:
            continue  # a build without those tables (a test's minimal warehouse)
        con.execute(f'CREATE VIEW serving."{schema}"."{view}" AS {text}')
        if text := dictionary.table_description(schema, view, docs):
            con.execute(f'COMMENT ON VIEW serving."{schema}"."{view}" IS {_sql_literal(text)}')
        cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = 'serving' "
                                          "AND schema_name = ? AND table_name = ?", [schema, view]).fetchall()]
        for column, text in dictionary.column_comments(schema, view, cols, docs).items():
            con.execute(f'COMMENT ON COLUMN serving."{schema}"."{view}"."{column}" IS {_sql_literal(text)}')


def _comments_from_column_docs(con, published: set[tuple[str, str]], commented: set[tuple[str, str, str]]) -> list[str]:
    """Descriptions of the served tables dbt did not comment (dbt persists its models' and seeds'
    docs itself): from warehouse.dictionary, which reads dbt's yml for sources and
    warehouse/column_docs.yml for the pipeline's own meta tables; the COMMENT statements that give them."""
    from warehouse import dictionary

    all_columns = con.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns() "
                              "WHERE database_name = 'serving'").fetchall()
    by_table: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in all_columns:
        if (schema, table) in published and (schema, table, column) not in commented:
            by_table.setdefault((schema, table), []).append(column)
    docs = dictionary.dbt_docs()
    statements = [f'COMMENT ON COLUMN serving."{schema}"."{table}"."{column}" IS {_sql_literal(text)}'
                  for (schema, table), cols in by_table.items()
                  for column, text in dictionary.column_comments(schema, table, cols, docs).items()]
    statements += [f'COMMENT ON TABLE serving."{schema}"."{table}" IS {_sql_literal(text)}'
                   for schema, table in sorted(published)
                   if schema != "marts" and (text := dictionary.table_description(schema, table, docs))]
    return statements


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
