"""The data dictionary: every schema, table and column served, with type, description, unit
and grain, so an analyst (or the HTML report, which renders it as a page) can read what each
figure means without opening the dbt project.

Where each part comes from:
  description  the column's comment in the DuckDB file (dbt writes the marts' from their yml
               files, persist_docs; publishing writes raw/meta/ref's from warehouse/column_docs.yml),
               else column_docs.yml itself (table entry, then its `common` section)
  type         DuckDB's data type of the column
  unit         column_docs.yml's `unit` where given, else the ending of the column's name
               (warehouse/column_units.csv: _t_w -> t W, _usd -> US$, _pct -> % ...), else ''
  grain        the columns a row is unique on: column_docs.yml's `grain` (raw, meta, ref), else
               the model's unique_combination or unique test in its dbt yml (marts)

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
from dataclasses import dataclass
from pathlib import Path

import yaml

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
    tables = {(t.schema, t.table): t for t in table_list(con, schemas)}
    rows = con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name IN (SELECT unnest(?)) "
        "ORDER BY schema_name, table_name, column_index", [list(schemas)]).fetchall()
    out = []
    for schema, table, column, dtype, comment in rows:
        if (schema, table) not in tables:
            continue
        out.append(Column(schema, table, column, dtype, (comment or "").strip() or column_description(schema, table, column),
                          column_unit(schema, table, column), tables[(schema, table)].grain))
    order = {s: i for i, s in enumerate(schemas)}
    return sorted(out, key=lambda c: order[c.schema])  # stable: keeps table and column order


def table_list(con, schemas: tuple[str, ...] = SCHEMAS) -> list[Table]:
    """Each table (and view, such as meta.provenance) with its description, grain and row count."""
    rows = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name IN (SELECT unnest(?)) UNION ALL "
        "SELECT schema_name, view_name, comment FROM duckdb_views() WHERE database_name = current_database() "
        "AND NOT internal AND schema_name IN (SELECT unnest(?)) ORDER BY 1, 2", [list(schemas), list(schemas)]).fetchall()
    out = []
    for schema, table, comment in rows:
        n = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchall()[0][0]
        out.append(Table(schema, table, (comment or "").strip() or table_description(schema, table),
                         table_grain(schema, table), n))
    order = {s: i for i, s in enumerate(schemas)}
    return sorted(out, key=lambda t: order[t.schema])


def undocumented(con, schemas: tuple[str, ...] = SCHEMAS) -> list[str]:
    """'schema.table.column' of every served column without a description."""
    return [f"{c.schema}.{c.table}.{c.column}" for c in data_dictionary(con, schemas) if not c.description]


# --- where the parts come from --------------------------------------------------------------

@functools.cache
def _docs() -> dict:
    return yaml.safe_load(COLUMN_DOCS.read_text())


def _entry(value) -> dict:
    return value if isinstance(value, dict) else {"description": value}


def column_description(schema: str, table: str, column: str) -> str:
    """column_docs.yml's description of a raw, meta or ref column ('' when none)."""
    docs = _docs()
    own = docs["tables"].get(f"{schema}.{table}", {}).get("columns", {})
    if column in own:
        return str(_entry(own[column]).get("description") or "").strip()
    if schema in ("raw", "meta", "ref") and column in docs["common"]:
        return str(docs["common"][column]).strip()
    return ""


def column_comments(schema: str, table: str, columns: list[str]) -> dict[str, str]:
    """Descriptions to write as comments on a published table's columns (those column_docs.yml has)."""
    return {c: d for c in columns if (d := column_description(schema, table, c))}


def table_description(schema: str, table: str) -> str:
    entry = _docs()["tables"].get(f"{schema}.{table}", {})
    if entry.get("description"):
        return str(entry["description"]).strip()
    if schema == "raw":
        from warehouse.tables import REGISTRY

        return REGISTRY[table].description if table in REGISTRY else ""
    return ""


@functools.cache
def _unit_suffixes() -> list[tuple[str, str]]:
    with open(COLUMN_UNITS, newline="") as fh:
        rows = [(r["suffix"], r["unit"]) for r in csv.DictReader(fh)]
    return sorted(rows, key=lambda r: -len(r[0]))  # the longest ending first: _usd_per_t before _t


def column_unit(schema: str, table: str, column: str) -> str:
    own = _docs()["tables"].get(f"{schema}.{table}", {}).get("columns", {})
    if column in own and _entry(own[column]).get("unit"):
        return str(_entry(own[column])["unit"])
    for suffix, unit in _unit_suffixes():
        if column.endswith(suffix) and column != suffix.lstrip("_"):
            return unit
    return ""


def table_grain(schema: str, table: str) -> str:
    grain = _docs()["tables"].get(f"{schema}.{table}", {}).get("grain")
    if grain is None and schema == "marts":
        grain = _model_grains().get(table)
    if isinstance(grain, list):
        return ", ".join(grain)
    return str(grain or "")


@functools.cache
def _model_grains() -> dict[str, list[str]]:
    """model name -> the columns of its unique_combination test, or its column tested unique."""
    grains: dict[str, list[str]] = {}
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []) or []:
            for test in (model.get("data_tests") or model.get("tests") or []):
                if isinstance(test, dict) and "unique_combination" in test:
                    args = test["unique_combination"] or {}
                    cols = (args.get("arguments") or args).get("columns") or (args.get("arguments") or args).get(
                        "combination_of_columns")
                    if cols:
                        grains[model["name"]] = list(cols)
            if model["name"] in grains:
                continue
            for col in model.get("columns") or []:
                tests = col.get("data_tests") or col.get("tests") or []
                if any(t == "unique" or (isinstance(t, dict) and "unique" in t) for t in tests):
                    grains[model["name"]] = [col["name"]]
    return grains
