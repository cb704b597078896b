"""Taking back the loads a failed dbt build was run over, so that the dbt tests are part of
the audit: a file's rows count only once both its GX suite and the dbt build over them passed.

The serving file holds raw.* and meta.source_files exactly as they were when the marts last
passed and were published, so it is the state to return to: the raw tables and
meta.source_files that differ are copied back from it, and the loads that are taken back are
marked failed in meta.loads with the reason. The build then matches the served file again,
and the next refresh is not blocked: a file a user ingested is simply gone from the build
(still in landing/), and a bad snapshot file is refused again, with the same message, each run.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.paths import Paths
from warehouse.tables import REGISTRY

KEY = ["raw_table", "source_id", "vintage", "dataset", "sha256"]


@dataclass
class TakenBack:
    files: list[str]  # "file (source edition)" of each load taken back
    tables: list[str]  # raw tables restored


def take_back_unpublished(paths: Paths, reason: str) -> TakenBack:
    """Return raw.* and meta.source_files to what the serving file holds; mark the loads that
    are taken back as failed with `reason`. Called under the writer lock."""
    from warehouse.refresh import connect_build

    con = connect_build(paths)
    began = False
    try:
        served = paths.serving.exists() and _attach(con, paths)
        src = "served.meta.source_files" if served else "(SELECT * FROM meta.source_files WHERE false)"
        cols = ", ".join(KEY)
        added = con.execute(f"""SELECT raw_table, source_id, vintage, dataset, file_name, load_id FROM meta.source_files
                                WHERE ({cols}) NOT IN (SELECT ({cols}) FROM {src})""").fetchall()
        removed = con.execute(f"""SELECT raw_table FROM {src}
                                  WHERE ({cols}) NOT IN (SELECT ({cols}) FROM meta.source_files)""").fetchall()
        tables = sorted({r[0] for r in added} | {r[0] for r in removed})
        con.execute("BEGIN")
        began = True
        for table in tables:
            if table not in REGISTRY:
                continue
            con.execute(f"DELETE FROM raw.{table}")
            if served and _has_table(con, "served", "raw", table):
                con.execute(f"INSERT INTO raw.{table} SELECT * FROM served.raw.{table}")
        if tables:
            con.execute("DELETE FROM meta.source_files")
            if served:
                con.execute("INSERT INTO meta.source_files SELECT * FROM served.meta.source_files")
        for *_, load_id in added:
            con.execute("UPDATE meta.loads SET status = 'failed', message = ? WHERE load_id = ? AND status = 'passed'",
                        [f"taken back: {reason}", load_id])
        con.execute("COMMIT")
        return TakenBack([f"{file} ({sid} {vintage} {dataset})" for _t, sid, vintage, dataset, file, _l in added], tables)
    except Exception:
        if began:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _attach(con: duckdb.DuckDBPyConnection, paths: Paths) -> bool:
    try:
        con.execute(f"ATTACH '{str(paths.serving).replace(chr(39), chr(39) * 2)}' AS served (READ_ONLY)")
    except duckdb.Error:
        return False  # no readable served file: there is no published state, so nothing counts yet
    return _has_table(con, "served", "meta", "source_files")


def _has_table(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
                       [database, schema, table]).fetchone()[0] > 0
