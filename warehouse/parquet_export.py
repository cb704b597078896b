"""Parquet for every engine: each published table as Parquet beside the serving file, swapped
in atomically with it, and a user's own copy of chosen tables (Parquet, CSV or Excel).

Why: pandas, polars, Spark, Trino or a BI tool without a DuckDB driver should read the same
build the serving file holds. Layout beside `tungsten.duckdb`:

    tungsten.parquet -> .tungsten.parquet.versions/<build_id>      (a symlink, swapped by rename)
    .tungsten.parquet.versions/<build_id>/manifest.json            (build, tables, columns, rows, sha256)
    .tungsten.parquet.versions/<build_id>/<schema>/<table>/data.parquet

A version folder is written as `<build_id>.partial` and renamed when complete; the symlink is
then replaced by rename(2), so `tungsten.parquet` always names one complete build. A reader
that resolves the link once (os.path.realpath, or the folder manifest.json names) reads one
build to the end even while publishes go on: the previous version is kept (KEEP versions in
all), older ones are removed. Every data file also carries the build id in its Parquet
key-value metadata (`tungsten_build_id`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb

from ingest.provenance import sha256_file
from warehouse.safe_csv import neutralised_select

KEEP = 2  # version folders kept: the current one and the one before (for readers that resolved it)
DATA_FILE = "data.parquet"
MANIFEST = "manifest.json"
EXPORT_FORMATS = ("parquet", "csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row


class ExportError(Exception):
    """A user's export that cannot be made (unknown table, too many rows for Excel, a folder
    that cannot be written); the message names the table or path."""


def parquet_link(serving: Path) -> Path:
    """The path readers use: `tungsten.parquet` beside `tungsten.duckdb`."""
    return serving.with_name(serving.stem + ".parquet")


def versions_dir(serving: Path) -> Path:
    return serving.with_name(f".{serving.stem}.parquet.versions")


def new_build_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"


def leftovers(serving: Path) -> list[Path]:
    """What a killed publish leaves of the Parquet folder: a partial version, a new link not yet
    renamed into place."""
    found = sorted(versions_dir(serving).glob("*.partial")) if versions_dir(serving).exists() else []
    link = parquet_link(serving)
    return found + sorted(link.parent.glob(f".{link.name}.*.partial"))


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)



def table_columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[tuple[str, str], list[dict]]:
    """Each table's columns in `catalog` (one query: one per table took 4 ms each)."""
    out: dict[tuple[str, str], list[dict]] = {}
    for s, t, n, typ, c in con.execute(
            "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
            "WHERE database_name = ? ORDER BY schema_name, table_name, column_index", [catalog]).fetchall():
        out.setdefault((s, t), []).append({"name": n, "type": typ, "description": c or ""})
    return out


def write_tables(con: duckdb.DuckDBPyConnection, catalog: str, tables: Iterable[tuple[str, str]], folder: Path,
                 build: dict) -> dict:
    """Write each (schema, table) of `catalog` as folder/<schema>/<table>/data.parquet, and
    folder/manifest.json; returns the manifest. Files are fsynced (they replace a served build)."""
    entries = []
    columns = table_columns(con, catalog)
    kv = "{tungsten_build_id: " + "'" + str(build.get("build_id", "")).replace("'", "''") + "'}"
    for schema, table in tables:
        target = folder / schema / table
        target.mkdir(parents=True, exist_ok=True)
        path = target / DATA_FILE
        con.execute(f"COPY {_ident(catalog, schema, table)} TO {_quote(path)} "
                    f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {kv})")
        rows = con.execute(f"SELECT count(*) FROM {_ident(catalog, schema, table)}").fetchone()[0]
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
        entries.append({"schema": schema, "table": table, "path": f"{schema}/{table}/{DATA_FILE}", "rows": rows,
                        "bytes": path.stat().st_size, "sha256": sha256_file(path),
                        "columns": columns.get((schema, table), [])})
    manifest = {"build": build, "format": "parquet", "tables": entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str) + "\n")
    return manifest


def publish_version(con: duckdb.DuckDBPyConnection, catalog: str, tables: Iterable[tuple[str, str]], serving: Path,
                    build: dict) -> Path:
    """Write a complete version folder for this build (not yet served); returns its path.
    Call swap() once the serving file itself is in place."""
    versions = versions_dir(serving)
    versions.mkdir(parents=True, exist_ok=True)
    name = build.get("version") or build["build_id"]  # a repair may write the same build under a new name
    partial = versions / f"{name}.partial"
    remove(partial)
    try:
        write_tables(con, catalog, tables, partial, build)
        final = versions / name
        os.rename(partial, final)
    except BaseException:
        remove(partial)
        raise
    return final


def swap(serving: Path, version: Path) -> None:
    """Point tungsten.parquet at `version` by renaming a new symlink over it (atomic), then
    remove versions older than the KEEP newest."""
    link = parquet_link(serving)
    tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}.partial")
    os.symlink(os.path.relpath(version, link.parent), tmp)
    if link.is_dir() and not link.is_symlink():
        # a copy of the warehouse folder made without keeping links (cp -r, shutil.copytree):
        # a whole version of ours becomes a real folder; set it aside, then link
        if not (link / MANIFEST).exists():
            tmp.unlink(missing_ok=True)
            raise ExportError(f"{link} is a folder that publishing did not write; move it away")
        aside = versions_dir(serving) / f"{link.name}.{uuid.uuid4().hex[:8]}.replaced"
        os.rename(link, aside)
        remove(aside)
    os.replace(tmp, link)
    prune(serving, keep={version.name})


def prune(serving: Path, keep: set[str] = frozenset()) -> None:
    versions = versions_dir(serving)
    done = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.endswith(".partial")),
                  key=lambda p: p.name, reverse=True)
    for old in done[KEEP:]:
        if old.name not in keep:
            remove(old)


def current_version(serving: Path) -> Path | None:
    """The version folder tungsten.parquet names now (resolved once), or None."""
    link = parquet_link(serving)
    if not link.exists():
        return None
    return Path(os.path.realpath(link))


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text())


# --- a user's own copy --------------------------------------------------------------------

def served_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return [tuple(r) for r in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND NOT internal ORDER BY 1, 2").fetchall()]


def resolve_tables(con: duckdb.DuckDBPyConnection, wanted: list[str] | None) -> list[tuple[str, str]]:
    """'marts.supply_share', or a bare table name when only one schema has it; None: every table."""
    served = served_tables(con)
    if not wanted:
        return served
    out = []
    for name in wanted:
        parts = name.split(".")
        hits = [t for t in served if (list(t) == parts if len(parts) == 2 else t[1] == name)]
        if len(hits) != 1:
            why = "is not served" if not hits else f"is in several schemas ({', '.join(s for s, _ in hits)}): name one"
            raise ExportError(f"table {name!r} {why}; `tungsten sql \"SHOW ALL TABLES\"` lists them")
        out.append(hits[0])
    return out


def export(serving: Path, fmt: str, folder: Path, tables: list[str] | None = None) -> list[tuple[str, Path, int]]:
    """Copy served tables into `folder` as Parquet (the served layout, with a manifest), CSV or
    Excel (one file per table, `<schema>.<table>.csv|xlsx`); returns (table, path, rows)."""
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"format {fmt!r} unknown; one of {', '.join(EXPORT_FORMATS)}")
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is a file, not a folder")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        chosen = resolve_tables(con, tables)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot create {folder}: {exc.strerror}") from None
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        if fmt == "parquet":
            build = _served_build(con)
            manifest = write_tables(con, catalog, chosen, folder, build)
            return [(f"{e['schema']}.{e['table']}", folder / e["path"], e["rows"]) for e in manifest["tables"]]
        out = []
        for schema, table in chosen:
            path = folder / f"{schema}.{table}.{fmt}"
            rel = _ident(catalog, schema, table)
            rows = con.execute(f"SELECT count(*) FROM {rel}").fetchall()[0][0]
            if fmt == "csv":  # for people: cells a spreadsheet would run as formulas are neutralised
                cols = con.execute(f"SELECT * FROM {rel} LIMIT 0").description
                select = neutralised_select(rel, [(d[0], str(d[1])) for d in cols])
                con.execute(f"COPY ({select}) TO {_quote(path)} (FORMAT csv, HEADER)")
            else:
                if rows > XLSX_MAX_ROWS:
                    raise ExportError(f"{schema}.{table} has {rows:,} rows, more than an Excel sheet holds "
                                      f"({XLSX_MAX_ROWS:,}); export it as parquet or csv")
                write_xlsx(con.sql(f"SELECT * FROM {rel}").pl(), path, f"{schema}.{table}")
            out.append((f"{schema}.{table}", path, rows))
        return out
    except OSError as exc:
        raise ExportError(f"cannot write into {folder}: {exc.strerror or exc}") from None
    finally:
        con.close()


def write_xlsx(frame, path: Path, title: str) -> None:
    """One sheet; times with a zone are written as UTC (Excel has no time zones)."""
    import polars as pl

    frame = frame.with_columns([pl.col(c).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
                                for c, t in frame.schema.items() if isinstance(t, pl.Datetime) and t.time_zone])
    frame.write_excel(path, worksheet=title[:31], autofit=False)


def _served_build(con: duckdb.DuckDBPyConnection) -> dict:
    try:
        row = con.execute("SELECT * FROM meta.published").fetchone()
        cols = [d[0] for d in con.description]
    except duckdb.Error:
        return {}
    return dict(zip(cols, row, strict=True)) if row else {}


# --- the served Parquet folder checked against the serving file ----------------------------


def problem(serving: Path) -> str | None:
    """Why `tungsten.parquet` does not hold exactly the serving file's build (another build, a
    table missing or added, a file changed or put there), or None when it does. Every run asks,
    so a folder a kill left a build behind, or one someone wrote into, is written again."""
    link = parquet_link(serving)
    if not serving.exists():
        return None  # nothing served yet: the first publish writes both
    if not link.exists():
        return f"{link} is missing"
    version = current_version(serving)
    try:
        manifest = read_manifest(version)
        entries = {e["path"]: e for e in manifest["tables"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{link} has no readable {MANIFEST} ({exc})"
    con = duckdb.connect(str(serving), read_only=True)
    try:
        build_id = _served_build(con).get("build_id")
        tables = {f"{s}/{t}/{DATA_FILE}" for s, t in served_tables(con)}
    finally:
        con.close()
    held = manifest.get("build", {}).get("build_id")
    if held != build_id:
        return f"{link} holds build {held}, the serving file build {build_id}"
    if set(entries) != tables:
        return f"{link} lists {len(entries)} tables, the serving file has {len(tables)}"
    found = {p.relative_to(version).as_posix() for p in version.rglob("*") if not p.is_dir()}
    if extra := sorted(found - set(entries) - {MANIFEST}):
        return f"{link} holds files publishing did not write: {', '.join(extra[:3])}"
    for path, e in entries.items():
        f = version / path
        if not f.is_file() or f.stat().st_size != e["bytes"] or sha256_file(f) != e["sha256"]:
            return f"{link}/{path} is not the file publishing wrote"
    return None


def repair(serving: Path) -> Path:
    """Write the serving file's build as a new Parquet version and switch tungsten.parquet to it."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        build = {**_served_build(con), "serving_file": serving.name}
        build.setdefault("build_id", new_build_id())
        stale = versions_dir(serving) / build["build_id"]
        if stale.exists() and Path(os.path.realpath(parquet_link(serving))) != stale:
            remove(stale)  # a version a kill left unswitched (or one written into): made again whole
        elif stale.exists():  # the served version itself was changed: write beside it under a new name
            build = {**build, "version": new_build_id()}
        version = publish_version(con, catalog, served_tables(con), serving, build)
    finally:
        con.close()
    swap(serving, version)
    return version
