"""The data dictionary: every schema, table and column served, with type, description, unit
and grain, so an analyst (or the HTML report, which renders it as a page) can read what each
figure means without opening the dbt project.

Where each part comes from:
  description  the column's comment in the DuckDB file (dbt writes the marts' and the seeds' from
               their yml, persist_docs; publishing writes the other tables' from what follows),
               else dbt's own documentation of the table: the manifest's source, seed or model of
               that schema and name (dbt/models/staging/_sources.yml, dbt/seeds/_seeds.yml, the
               models' yml), else warehouse/column_docs.yml, which describes only the pipeline's
               own meta tables that dbt neither reads nor builds (table entry, then `common`)
  type         DuckDB's data type of the column
  unit         the column's `unit` (config.meta.unit in dbt yml, or column_docs.yml) where given,
               else the ending of the column's name (warehouse/column_units.csv: _t_w -> t W,
               _usd -> US$, _pct -> % ...), else ''
  grain        the table's `grain` (config.meta.grain in dbt yml, or column_docs.yml), else the
               columns of the model's unique_combination test (or its column tested unique)

dbt's manifest is dbt/target/manifest.json when it was made from the project's files as they are
(the stamp beside it, written by dagster_project/dbt_project.py, holds their hash); otherwise
`dbt parse` writes one to a temporary folder (a few seconds, once per process).

Use:
    import duckdb
    from warehouse.dictionary import data_dictionary
    con = duckdb.connect("warehouse/tungsten.duckdb", read_only=True)
    for row in data_dictionary(con):
        print(row.schema, row.table, row.column, row.type, row.unit, row.grain, row.description)
"""

from __future__ import annotations

import csv
import functools
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from warehouse.dbt_build import MANIFEST_PATH as MANIFEST
from warehouse.dbt_build import MANIFEST_STAMP
from warehouse.paths import DBT_PROJECT_DIR

HERE = Path(__file__).resolve().parent
COLUMN_DOCS = HERE / "column_docs.yml"
COLUMN_UNITS = HERE / "column_units.csv"
SCHEMAS = ("marts", "raw", "ref", "meta")  # the served schemas, in the order the dictionary lists them


@dataclass(frozen=True)
class Column:
    """One row of the data dictionary."""
    schema: str
    table: str
    column: str
    type: str
    description: str
    unit: str
    grain: str  # e.g. "source_id, country_iso3, year", the same on every column of a table


@dataclass(frozen=True)
class Table:
    schema: str
    table: str
    description: str
    grain: str
    rows: int


def data_dictionary(con, schemas: tuple[str, ...] = SCHEMAS) -> list[Column]:
    """Every column of every table of `schemas` in the database `con` is connected to (the
    serving file or the build file), ordered by schema (as given), table and column position."""
    docs = dbt_docs()
    tables = {(t.schema, t.table): t for t in table_list(con, schemas, docs)}
    rows = con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name IN (SELECT unnest(?)) "
        "ORDER BY schema_name, table_name, column_index", [list(schemas)]).fetchall()
    out = []
    for schema, table, column, dtype, comment in rows:
        if (schema, table) not in tables:
            continue
        out.append(Column(schema, table, column, dtype,
                          (comment or "").strip() or column_description(schema, table, column, docs),
                          column_unit(schema, table, column, docs), tables[(schema, table)].grain))
    order = {s: i for i, s in enumerate(schemas)}
    return sorted(out, key=lambda c: order[c.schema])  # stable: keeps table and column order


def table_list(con, schemas: tuple[str, ...] = SCHEMAS, docs: Docs | None = None) -> list[Table]:
    """Each table (and view, such as meta.provenance) with its description, grain and row count."""
    docs = dbt_docs() if docs is None else docs
    rows = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name IN (SELECT unnest(?)) UNION ALL "
        "SELECT schema_name, view_name, comment FROM duckdb_views() WHERE database_name = current_database() "
        "AND NOT internal AND schema_name IN (SELECT unnest(?)) ORDER BY 1, 2", [list(schemas), list(schemas)]).fetchall()
    out = []
    for schema, table, comment in rows:
        n = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchall()[0][0]
        out.append(Table(schema, table, (comment or "").strip() or table_description(schema, table, docs),
                         table_grain(schema, table, docs), n))
    order = {s: i for i, s in enumerate(schemas)}
    return sorted(out, key=lambda t: order[t.schema])


def undocumented(con, schemas: tuple[str, ...] = SCHEMAS) -> list[str]:
    """'schema.table.column' of every served column without a description."""
    return [f"{c.schema}.{c.table}.{c.column}" for c in data_dictionary(con, schemas) if not c.description]


# --- where the parts come from --------------------------------------------------------------

@dataclass(frozen=True)
class DbtDoc:
    """What dbt's yml says of one relation (a source, seed or model)."""
    description: str = ""
    columns: dict[str, dict] = field(default_factory=dict)  # column -> {"description", "unit"}
    grain: list[str] | str | None = None


Docs = dict[tuple[str, str], DbtDoc]


def dbt_docs() -> Docs:
    """(schema, relation name) -> its DbtDoc, for every source, seed and model of the dbt project
    as its files are now (hashed on each call: a caller that looks up many tables or columns
    reads this once and passes it on as `docs`)."""
    from warehouse.dbt_build import fingerprint

    return _dbt_docs(fingerprint())


@functools.cache
def _dbt_docs(project_fingerprint: str) -> dict[tuple[str, str], DbtDoc]:
    return docs_from_manifest(_manifest(project_fingerprint))


def _manifest(project_fingerprint: str) -> dict:
    """dbt/target/manifest.json if made from the project as it is, else a fresh `dbt parse`'s."""
    try:
        if MANIFEST_STAMP.read_text() == project_fingerprint:
            return json.loads(MANIFEST.read_text())
    except (OSError, ValueError):  # none yet, or being rewritten
        pass
    dbt = Path(sys.executable).parent / "dbt"
    with tempfile.TemporaryDirectory(prefix="tungsten-dbt-parse-") as tmp:
        subprocess.run([str(dbt), "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                        "--target-path", tmp, "--log-path", tmp, "--no-partial-parse", "--quiet"],
                       check=True, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
        return json.loads((Path(tmp) / "manifest.json").read_text())


def docs_from_manifest(manifest: dict) -> dict[tuple[str, str], DbtDoc]:
    """The descriptions, units and grains of a dbt manifest's sources, seeds and models."""
    out: dict[tuple[str, str], DbtDoc] = {}
    grains = _test_grains(manifest)
    for uid, node in [*manifest.get("sources", {}).items(), *manifest.get("nodes", {}).items()]:
        if node.get("resource_type") not in ("source", "seed", "model", "snapshot"):
            continue
        name = node.get("identifier") if node["resource_type"] == "source" else node.get("alias")
        columns = {c: {"description": (col.get("description") or "").strip(), "unit": _meta(col).get("unit")}
                   for c, col in (node.get("columns") or {}).items()}
        out[(node["schema"], name or node["name"])] = DbtDoc((node.get("description") or "").strip(), columns,
                                                             _meta(node).get("grain") or grains.get(uid))
    return out


def _meta(node: dict) -> dict:
    return {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}


def _test_grains(manifest: dict) -> dict[str, list[str]]:
    """node id -> the columns of its unique_combination test, else its column tested unique."""
    combos: dict[str, list[str]] = {}
    uniques: dict[str, list[str]] = {}
    for node in sorted(manifest.get("nodes", {}).values(), key=lambda n: n.get("original_file_path", "")):
        test = node.get("test_metadata") or {}
        attached, kwargs = node.get("attached_node"), test.get("kwargs") or {}
        if node.get("resource_type") != "test" or not attached:
            continue
        if test.get("name") == "unique_combination":
            cols = kwargs.get("columns") or kwargs.get("combination_of_columns")
            if cols:
                combos.setdefault(attached, list(cols))
        elif test.get("name") == "unique" and (col := node.get("column_name") or kwargs.get("column_name")):
            uniques.setdefault(attached, [col])
    return {**uniques, **combos}


def _dbt_doc(schema: str, table: str, docs: Docs | None) -> DbtDoc:
    return (dbt_docs() if docs is None else docs).get((schema, table)) or DbtDoc()


@functools.cache
def _docs() -> dict:
    return yaml.safe_load(COLUMN_DOCS.read_text())


def _entry(value) -> dict:
    return value if isinstance(value, dict) else {"description": value}


def _own_docs(schema: str, table: str) -> dict:
    """column_docs.yml's entry of a table ({} when it has none)."""
    return _docs()["tables"].get(f"{schema}.{table}", {})


def column_description(schema: str, table: str, column: str, docs: Docs | None = None) -> str:
    """A column's description in dbt's yml, else in column_docs.yml ('' when none)."""
    if text := _dbt_doc(schema, table, docs).columns.get(column, {}).get("description"):
        return text
    own = _own_docs(schema, table).get("columns", {})
    if column in own:
        return str(_entry(own[column]).get("description") or "").strip()
    if schema in ("raw", "meta", "ref") and column in _docs()["common"]:
        return str(_docs()["common"][column]).strip()
    return ""


def column_comments(schema: str, table: str, columns: list[str], docs: Docs | None = None) -> dict[str, str]:
    """Descriptions to write as comments on a published table's columns (those that have one)."""
    docs = dbt_docs() if docs is None else docs
    return {c: d for c in columns if (d := column_description(schema, table, c, docs))}


def table_description(schema: str, table: str, docs: Docs | None = None) -> str:
    """A table's description in dbt's yml, else in column_docs.yml ('' when none)."""
    return _dbt_doc(schema, table, docs).description or str(_own_docs(schema, table).get("description") or "").strip()


@functools.cache
def _unit_suffixes() -> list[tuple[str, str]]:
    with open(COLUMN_UNITS, newline="") as fh:
        rows = [(r["suffix"], r["unit"]) for r in csv.DictReader(fh)]
    return sorted(rows, key=lambda r: -len(r[0]))  # the longest ending first: _usd_per_t before _t


def column_unit(schema: str, table: str, column: str, docs: Docs | None = None) -> str:
    if unit := _dbt_doc(schema, table, docs).columns.get(column, {}).get("unit"):
        return str(unit)
    own = _own_docs(schema, table).get("columns", {})
    if column in own and _entry(own[column]).get("unit"):
        return str(_entry(own[column])["unit"])
    for suffix, unit in _unit_suffixes():
        if column.endswith(suffix) and column != suffix.lstrip("_"):
            return unit
    return ""


def table_grain(schema: str, table: str, docs: Docs | None = None) -> str:
    grain = _dbt_doc(schema, table, docs).grain or _own_docs(schema, table).get("grain")
    if isinstance(grain, list):
        return ", ".join(grain)
    return str(grain or "")
