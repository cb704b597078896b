"""Publish a build to the lake: every table of the serving file (raw, meta, ref, marts) in one
DuckLake transaction, so one snapshot per build, all tables or none, tagged with the build id.

A table is diffed against the lake's copy row by row (a row's hash and its occurrence among
equal rows): only the rows that left are deleted and only the new ones inserted, so an
unchanged table gets no new file and the lake's change feed (ducklake_table_changes) names
exactly the rows that changed. The same diff, matched on the table's grain (dbt's
config.meta.grain or its unique_combination test), is written to meta.build_changes in the same
snapshot: per table rows added, removed and changed, and which keys and columns changed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.lake.config import LakeConfig, redact
from warehouse.lake.connect import ALIAS, LakeUnreachable, connect

PUBLISHED_SCHEMAS = ("raw", "meta", "ref", "marts")
CHANGES_TABLE = ("meta", "build_changes")
MAX_KEYS = 200  # changed keys listed per table in meta.build_changes (the change feed has them all)
ROW = "__tungsten_row"  # the alias a row is hashed by (no served column is called that)


@dataclass
class TableChange:
    table: str
    rows: int
    added: int
    removed: int
    changed: int = 0
    changed_keys: list[str] = field(default_factory=list)
    changed_columns: list[str] = field(default_factory=list)
    grain: str = ""


@dataclass
class LakePublish:
    build_id: str
    snapshot_id: int
    published: bool  # False: this build was already in the lake (nothing committed)
    counts: dict[str, int] = field(default_factory=dict)  # rows per table at the snapshot
    changes: list[TableChange] = field(default_factory=list)  # tables that changed
    expired: int = 0  # snapshots expired by TUNGSTEN_LAKE_KEEP
    seconds: float = 0.0

    @property
    def rows_added(self) -> int:
        return sum(c.added for c in self.changes)

    @property
    def rows_removed(self) -> int:
        return sum(c.removed for c in self.changes)

    @property
    def rows_changed(self) -> int:
        return sum(c.changed for c in self.changes)


def _q(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def snapshot_of_build(con: duckdb.DuckDBPyConnection, build_id: str) -> int | None:
    """The lake snapshot that holds build_id, or None."""
    row = con.execute(f"SELECT max(snapshot_id) FROM ducklake_snapshots('{ALIAS}') "
                      "WHERE json_extract_string(commit_extra_info, '$.build_id') = ?", [build_id]).fetchone()
    return row[0] if row else None


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"SELECT max(snapshot_id) FROM ducklake_snapshots('{ALIAS}')").fetchone()[0]


def publish(serving: Path, config: LakeConfig) -> LakePublish:
    """Commit the serving file's tables to the lake as one snapshot (unless its build is there
    already), check the snapshot's row counts, and apply TUNGSTEN_LAKE_KEEP.
    LakeUnreachable when the lake cannot be opened or written; the lake is then as it was."""
    start = time.perf_counter()
    con = connect(config)
    try:
        con.execute(f"ATTACH {_literal(str(serving))} AS build (READ_ONLY)")
        build_id = con.execute("SELECT build_id FROM build.meta.published").fetchone()[0]
        done = snapshot_of_build(con, build_id)
        if done is not None:
            return LakePublish(build_id, done, False, counts=snapshot_counts(con, done),
                               seconds=time.perf_counter() - start)
        changes, expected = _commit(con, build_id)
        snapshot = snapshot_of_build(con, build_id)
        counts = snapshot_counts(con, snapshot)
        wrong = {t: (counts.get(t), n) for t, n in expected.items() if counts.get(t) != n}
        if wrong:
            raise LakeUnreachable(f"the lake's snapshot {snapshot} does not hold the build's rows: "
                                  + ", ".join(f"{t} {got} rows, build {n}" for t, (got, n) in sorted(wrong.items())))
        expired = apply_keep(con, config)
        return LakePublish(build_id, snapshot, True, counts, changes, expired, time.perf_counter() - start)
    except duckdb.Error as exc:
        raise LakeUnreachable(f"publishing to the lake ({config.describe()}) failed: {redact(str(exc))}") from None
    finally:
        con.close()


def _columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute("SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
                       "WHERE database_name = ? AND schema_name IN (SELECT unnest(?)) "
                       "AND table_name IN (SELECT table_name FROM duckdb_tables() t WHERE t.database_name = ? "
                       "AND t.schema_name = duckdb_columns.schema_name) ORDER BY schema_name, table_name, column_index",
                       [database, list(PUBLISHED_SCHEMAS), database]).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
    return out


def _commit(con: duckdb.DuckDBPyConnection, build_id: str) -> tuple[list[TableChange], dict[str, int]]:
    """One transaction: each build table created, replaced (columns changed) or diffed; tables
    gone from the build dropped; meta.build_changes appended; committed with the build id."""
    from warehouse import dictionary

    build_tables = _columns(con, "build")
    lake_tables = _columns(con, ALIAS)
    changes_name = ".".join(CHANGES_TABLE)
    first = not lake_tables
    previous = con.execute(f"SELECT json_extract_string(commit_extra_info, '$.build_id') FROM ducklake_snapshots('{ALIAS}') "
                           "WHERE commit_extra_info IS NOT NULL ORDER BY snapshot_id DESC LIMIT 1").fetchone()
    changes: list[TableChange] = []
    expected: dict[str, int] = {}
    con.execute("BEGIN")
    try:
        if first:  # every row in Parquet files, so engines without DuckLake read them all
            con.execute(f"CALL {ALIAS}.set_option('data_inlining_row_limit', 0)")
        for schema in sorted({t.split(".")[0] for t in build_tables} | {CHANGES_TABLE[0]}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{_q(schema)}")
        docs = dictionary.dbt_docs()
        for table, columns in build_tables.items():
            schema, name = table.split(".")
            grain = dictionary.table_grain(schema, name, docs)
            change = _publish_table(con, schema, name, columns, lake_tables.get(table), grain)
            expected[table] = change.rows
            if change.added or change.removed or change.changed:
                changes.append(change)
        for table in sorted(set(lake_tables) - set(build_tables) - {changes_name}):
            n = con.execute(f"SELECT count(*) FROM {ALIAS}.{_q(*table.split('.'))}").fetchone()[0]
            con.execute(f"DROP TABLE {ALIAS}.{_q(*table.split('.'))}")
            changes.append(TableChange(table, 0, 0, n))
        _record_changes(con, build_id, previous[0] if previous else None, changes, changes_name not in lake_tables)
        info = json.dumps({"build_id": build_id, "tables": len(build_tables)})
        con.execute(f"CALL {ALIAS}.set_commit_message('tungsten', ?, extra_info => ?)", [f"build {build_id}", info])
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    return changes, expected


def _publish_table(con, schema: str, name: str, columns: list[tuple[str, str]],
                   lake_columns: list[tuple[str, str]] | None, grain: str) -> TableChange:
    src, dst = f"build.{_q(schema, name)}", f"{ALIAS}.{_q(schema, name)}"
    rows = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    if lake_columns is None or lake_columns != columns:
        removed = 0
        if lake_columns is not None:  # its columns changed: the table is replaced whole
            removed = con.execute(f"SELECT count(*) FROM {dst}").fetchone()[0]
            con.execute(f"DROP TABLE {dst}")
        con.execute(f"CREATE TABLE {dst} AS SELECT * FROM {src}")
        return TableChange(f"{schema}.{name}", rows, rows, removed, grain=grain)
    change = diff_table(con, f"{schema}.{name}", src, dst, [c for c, _ in columns], grain)
    removed = change.removed + change.changed
    added = change.added + change.changed
    if removed:
        con.execute(f"DELETE FROM {dst} WHERE rowid IN (SELECT rid FROM lake_gone)")
    if added:
        con.execute(f"INSERT INTO {dst} SELECT * FROM lake_added")
    return change


def diff_table(con, table: str, src: str, dst: str, columns: list[str], grain: str, at: str = "") -> TableChange:
    """The rows of dst (the lake's table, or its state at a snapshot) that src (the build's) no
    longer has, as temp table lake_gone (their rowids), and the rows src adds, as lake_added; the
    counts, with rows whose grain key left and came back counted as changed. at: an AT (VERSION
    => n) clause to read dst as it was at a snapshot."""
    rows = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE lake_old AS SELECT rowid AS rid, hash({ROW}) AS h, "
                f"row_number() OVER (PARTITION BY hash({ROW})) AS n FROM {dst} AS {ROW}{at}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE lake_new AS SELECT {ROW}.*, hash({ROW}) AS __h, "
                f"row_number() OVER (PARTITION BY hash({ROW})) AS __n FROM {src} AS {ROW}")
    con.execute("CREATE OR REPLACE TEMP TABLE lake_gone AS SELECT rid FROM lake_old o "
                "ANTI JOIN lake_new w ON o.h = w.__h AND o.n = w.__n")
    con.execute("CREATE OR REPLACE TEMP TABLE lake_added AS SELECT w.* EXCLUDE (__h, __n) FROM lake_new w "
                "ANTI JOIN lake_old o ON o.h = w.__h AND o.n = w.__n")
    added = con.execute("SELECT count(*) FROM lake_added").fetchone()[0]
    removed = con.execute("SELECT count(*) FROM lake_gone").fetchone()[0]
    change = TableChange(table, rows, added, removed, grain=grain)
    keys = [k.strip() for k in grain.split(",") if k.strip()]
    if keys and added and removed and set(keys) <= set(columns):
        con.execute(f"CREATE OR REPLACE TEMP TABLE lake_removed AS SELECT {ROW}.* FROM {dst} AS {ROW}{at} "
                    "WHERE rowid IN (SELECT rid FROM lake_gone)")
        _changed_keys(con, change, keys, [c for c in columns if c not in keys])
    return change


def _changed_keys(con, change: TableChange, keys: list[str], others: list[str]) -> None:
    """Rows whose key left and came back are changed (not added and removed): their keys and
    the columns that differ."""
    on = " AND ".join(f"a.{_q(k)} IS NOT DISTINCT FROM r.{_q(k)}" for k in keys)
    key_text = " || ' | ' || ".join(f"coalesce(CAST(a.{_q(k)} AS VARCHAR), 'NULL')" for k in keys)
    differs = ", ".join(f"bool_or(a.{_q(c)} IS DISTINCT FROM r.{_q(c)})" for c in others) or "NULL"
    con.execute(f"CREATE OR REPLACE TEMP TABLE lake_pairs AS SELECT DISTINCT {key_text} AS k FROM lake_added a "
                f"JOIN lake_removed r ON {on}")
    n = con.execute("SELECT count(*) FROM lake_pairs").fetchone()[0]
    if not n:
        return
    change.changed = n
    change.added -= n
    change.removed -= n
    change.changed_keys = [r[0] for r in con.execute(f"SELECT k FROM lake_pairs ORDER BY k LIMIT {MAX_KEYS}").fetchall()]
    flags = con.execute(f"SELECT {differs} FROM lake_added a JOIN lake_removed r ON {on}").fetchone()
    change.changed_columns = [c for c, f in zip(others, flags, strict=False) if f]


def _record_changes(con, build_id: str, previous: str | None, changes: list[TableChange], create: bool) -> None:
    table = f"{ALIAS}.{_q(*CHANGES_TABLE)}"
    if create:
        con.execute(f"CREATE TABLE {table} (build_id VARCHAR, previous_build_id VARCHAR, published_at TIMESTAMPTZ, "
                    "table_name VARCHAR, rows_after BIGINT, rows_added BIGINT, rows_removed BIGINT, rows_changed BIGINT, "
                    "grain VARCHAR, changed_keys VARCHAR[], changed_columns VARCHAR[])")
    for c in changes:
        con.execute(f"INSERT INTO {table} VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?)",
                    [build_id, previous, c.table, c.rows, c.added, c.removed, c.changed, c.grain or None,
                     c.changed_keys, c.changed_columns])


def snapshot_counts(con: duckdb.DuckDBPyConnection, snapshot: int) -> dict[str, int]:
    """Rows per table (but meta.build_changes) at one snapshot."""
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
                         "ORDER BY 1, 2", [ALIAS]).fetchall()
    counts = {}
    for schema, name in tables:
        if (schema, name) == CHANGES_TABLE:
            continue
        counts[f"{schema}.{name}"] = con.execute(
            f"SELECT count(*) FROM {ALIAS}.{_q(schema, name)} AT (VERSION => {int(snapshot)})").fetchone()[0]
    return counts


def apply_keep(con: duckdb.DuckDBPyConnection, config: LakeConfig) -> int:
    """Expire the snapshots TUNGSTEN_LAKE_KEEP no longer keeps (DuckLake's ducklake_expire_snapshots)
    and delete the files only they used (ducklake_cleanup_old_files); returns how many expired."""
    keep = config.keep
    if keep is None:
        return 0
    if keep.builds:
        ids = [r[0] for r in con.execute(
            f"SELECT snapshot_id FROM ducklake_snapshots('{ALIAS}') ORDER BY snapshot_id DESC OFFSET ?",
            [_snapshots_for_builds(con, keep.builds)]).fetchall()]
        if not ids:
            return 0
        expired = con.execute(f"CALL ducklake_expire_snapshots('{ALIAS}', versions => ?)", [ids]).fetchall()
    else:
        expired = con.execute(f"CALL ducklake_expire_snapshots('{ALIAS}', older_than => now() - to_days(?))",
                              [keep.days]).fetchall()
    con.execute(f"CALL ducklake_cleanup_old_files('{ALIAS}', cleanup_all => true)")
    return len(expired)


def _snapshots_for_builds(con, builds: int) -> int:
    """How many of the newest snapshots hold the last `builds` builds (older ones are expired)."""
    ids = [r[0] for r in con.execute(f"SELECT snapshot_id FROM ducklake_snapshots('{ALIAS}') "
                                     "WHERE json_extract_string(commit_extra_info, '$.build_id') IS NOT NULL "
                                     "ORDER BY snapshot_id DESC LIMIT ?", [builds]).fetchall()]
    oldest = min(ids)
    return con.execute(f"SELECT count(*) FROM ducklake_snapshots('{ALIAS}') WHERE snapshot_id >= ?",
                       [oldest]).fetchone()[0]


def serving_counts(serving: Path) -> dict[str, int]:
    """Rows per table of the serving file's published schemas (what the lake's snapshot must hold)."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN (SELECT unnest(?))",
                             [list(PUBLISHED_SCHEMAS)]).fetchall()
        return {f"{s}.{t}": con.execute(f"SELECT count(*) FROM {_q(s, t)}").fetchone()[0] for s, t in tables}
    finally:
        con.close()
