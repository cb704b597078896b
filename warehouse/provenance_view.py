"""meta.provenance's SQL: warehouse/provenance.sql, its `rows` made from the raw tables' schemas
(warehouse.tables), one arm per raw table, so a new raw table is cited without an edit here.

Each arm names where a raw row came from: the file and its line (CSV, sheet, SQLite) or item (a
curated YAML file), the column when a line holds several figures, and for curated rows the
sources the curator cites (their `source_id_file` is the file's source; `source_ids` or
`source_id` the cited ones)."""

from __future__ import annotations

from pathlib import Path

from warehouse.tables import REGISTRY, RawTable

TEMPLATE = Path(__file__).with_name("provenance.sql")
ARMS = "{raw_rows}"


def _arm(table: RawTable) -> str:
    cols = table.schema

    def column(name: str) -> str:
        return name if name in cols else "NULL"

    curated = "source_id_file" in cols
    cited = ("source_ids" if "source_ids" in cols else "source_id") if curated else "NULL"
    return (f"    SELECT '{table.name}' AS raw_table, {'source_id_file' if curated else 'source_id'} AS source_id, "
            f"vintage, {column('dataset')} AS dataset, source_file, source_sha256, {column('source_line')} AS "
            f"source_line, {column('source_item')} AS source_item, {column('source_column')} AS source_column, "
            f"{cited} AS cited_source_ids, load_id\n    FROM raw.{table.name}")


def provenance_sql() -> str:
    template = TEMPLATE.read_text()
    assert ARMS in template, f"{TEMPLATE} lost its {ARMS} placeholder"
    return template.replace(ARMS, "\n    UNION ALL\n".join(_arm(t) for t in REGISTRY.values()))
