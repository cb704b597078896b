"""DDL of the build file: raw.* (one table per entry of warehouse.tables), meta.*, ref.*.

Raw tables take their registered schema plus the load that wrote each row, so every raw
row knows its file (sha256), line and load attempt.
"""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.tables import REGISTRY

DUCK_TYPES = {pl.String: "VARCHAR", pl.Boolean: "BOOLEAN", pl.Int32: "INTEGER", pl.Float64: "DOUBLE", pl.Int64: "BIGINT"}

META_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE SCHEMA IF NOT EXISTS ref;
CREATE SCHEMA IF NOT EXISTS work;
-- loads whose rows are being written (chunk by chunk, each chunk committed): not yet part of raw.*
CREATE TABLE IF NOT EXISTS work.pending_loads (
    load_id VARCHAR NOT NULL,
    raw_table VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS meta.source_files (
    sha256 VARCHAR NOT NULL,
    raw_table VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    vintage VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    original_file_name VARCHAR,
    original_sha256 VARCHAR,
    original_bytes BIGINT,
    original_format VARCHAR,
    title VARCHAR,
    doi VARCHAR,
    url VARCHAR,
    date_published VARCHAR,
    date_accessed VARCHAR,
    licence VARCHAR,
    is_public BOOLEAN,
    rows INTEGER NOT NULL,
    load_id VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,         -- snapshot | user (a file given to `tungsten ingest`)
    PRIMARY KEY (raw_table, source_id, vintage, dataset)
);
CREATE TABLE IF NOT EXISTS meta.loads (
    load_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    duration_s DOUBLE,
    raw_table VARCHAR NOT NULL,
    source_id VARCHAR,
    vintage VARCHAR,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows INTEGER,
    status VARCHAR NOT NULL,          -- passed | failed | skipped
    expectations_evaluated INTEGER,
    expectations_failed INTEGER,
    message VARCHAR,
    report_path VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.builds (
    build_id VARCHAR PRIMARY KEY,
    finished_at TIMESTAMPTZ NOT NULL,
    raw_fingerprint VARCHAR NOT NULL,
    dbt_fingerprint VARCHAR NOT NULL,
    status VARCHAR NOT NULL,          -- published | failed
    serving_path VARCHAR,
    message VARCHAR
);
"""


def raw_columns(schema: dict[str, pl.DataType]) -> dict[str, str]:
    cols = {name: DUCK_TYPES[dtype] for name, dtype in schema.items()}
    cols["load_id"] = "VARCHAR"
    return cols


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)
    for table in REGISTRY.values():
        cols = ", ".join(f'"{name}" {typ}' for name, typ in raw_columns(table.schema).items())
        con.execute(f'CREATE TABLE IF NOT EXISTS raw."{table.name}" ({cols})')
        _add_new_columns(con, table.name, raw_columns(table.schema))


def _add_new_columns(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str]) -> None:
    """A build file made by an earlier version lacks the columns added since: add them (empty),
    so loads, which insert by name, work on it; columns no longer written stay, and stay empty."""
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'raw' AND table_name = ?", [name]).fetchall()}
    for col, typ in columns.items():
        if col not in have:
            con.execute(f'ALTER TABLE raw."{name}" ADD COLUMN "{col}" {typ}')
