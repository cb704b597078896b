"""The data dictionary (warehouse/dictionary.py) and `tungsten docs`: every served column has a
description, a type, a unit where its name or the docs tell one, and its table's grain; dbt's
docs site is built against the build file with a full catalog and leaves nothing in the tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest
from helpers import PROJECT

from warehouse.dictionary import data_dictionary, table_list, undocumented


def test_every_served_column_has_a_description(serving_con):
    missing = undocumented(serving_con)
    assert missing == [], f"{len(missing)} served column(s) without a description (describe them in the model's " \
                          f"or source's dbt yml, dbt/models/staging/_sources.yml for raw/ref/meta.sources, dbt/seeds/_seeds.yml " \
                          f"for seeds, or warehouse/column_docs.yml for the pipeline's own meta tables): {', '.join(missing)}"


def test_the_dictionary_lists_every_served_column_once_with_type_unit_and_grain(serving_con):
    rows = data_dictionary(serving_con)
    served = serving_con.execute(
        "SELECT c.schema_name, c.table_name, c.column_name, c.data_type FROM duckdb_columns() c "
        "WHERE (c.schema_name, c.table_name) IN (SELECT (schema_name, table_name) FROM duckdb_tables() "
        "UNION ALL SELECT (schema_name, view_name) FROM duckdb_views() WHERE NOT internal) AND "
        "c.schema_name IN ('raw', 'meta', 'ref', 'marts')").fetchall()
    assert sorted((r.schema, r.table, r.column, r.type) for r in rows) == sorted(served)
    by = {(r.schema, r.table, r.column): r for r in rows}
    share = by[("marts", "supply_share", "production_t_w")]
    assert share.unit == "t W" and share.grain == "source_id, country_iso3, year" and "tungsten" in share.description
    assert by[("marts", "supply_share", "share_pct")].unit == "%"
    assert by[("marts", "trade_flows", "value_usd")].unit == "US$"
    raw = by[("raw", "figures", "value_t_w")]
    assert raw.grain.startswith("source_id, vintage, dataset") and "tungsten" in raw.description
    assert by[("raw", "figures", "value")].unit == "given by column unit_code"
    assert by[("raw", "sites", "latitude")].unit == "degrees"
    assert by[("meta", "published", "build_id")].description
    # marts first (what analysts read), then raw, ref, meta
    assert [r.schema for r in rows][0] == "marts" and [r.schema for r in rows][-1] == "meta"
    tables = {(t.schema, t.table): t for t in table_list(serving_con)}
    assert all(t.description for t in tables.values()), [k for k, t in tables.items() if not t.description]
    assert tables[("raw", "figures")].rows > 0


def test_the_serving_file_itself_carries_the_descriptions(serving_con):
    """BI tools read DuckDB's comments: raw, meta and ref columns have them, not only the marts."""
    missing = serving_con.execute(
        "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE schema_name IN ('raw', 'meta', 'ref', 'marts') AND coalesce(comment, '') = ''").fetchall()
    assert missing == []


def test_an_undocumented_column_is_reported_by_name():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.new_mart (documented INTEGER, forgotten_t_w DOUBLE)")
    con.execute("COMMENT ON COLUMN marts.new_mart.documented IS 'Has one.'")
    assert undocumented(con) == ["marts.new_mart.forgotten_t_w"]
    row = next(r for r in data_dictionary(con) if r.column == "forgotten_t_w")
    assert row.unit == "t W" and row.description == ""


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).parts[0] not in ("target", "logs"))


@pytest.mark.slow
def test_docs_builds_the_dbt_site_against_the_build_file_and_leaves_no_stray_files(warehouse):
    before = _tree(PROJECT / "dbt")
    r = subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "docs"],
                       capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    site = warehouse.home / "docs"
    assert str(site / "static_index.html") in r.stdout
    catalog = json.loads((site / "catalog.json").read_text())
    nodes = {n["metadata"]["name"]: n for n in catalog["nodes"].values()}
    assert {"supply_share", "trade_flows", "project_pipeline"} <= set(nodes)
    assert "production_t_w" in nodes["supply_share"]["columns"]
    sources = {(s["metadata"]["schema"], s["metadata"]["name"]): s for s in catalog["sources"].values()}
    assert "value_t_w" in sources[("raw", "figures")]["columns"]
    manifest = json.loads((site / "manifest.json").read_text())
    figures = manifest["sources"]["source.tungsten.raw.figures"]
    assert figures["columns"]["value_t_w"]["description"]
    assert set(figures["columns"]) <= set(sources[("raw", "figures")]["columns"])
    page = (site / "static_index.html").read_text()
    assert "tonnes of contained tungsten" in page and "CATALOG.JSON INLINE DATA" not in page
    assert _tree(PROJECT / "dbt") == before, "no stray file (such as dbt/build.duckdb) in the source tree"


def test_column_docs_names_each_table_and_column_once():
    """A second entry for a table would silently replace the first (YAML keeps the last)."""
    import yaml

    from warehouse.dictionary import COLUMN_DOCS

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        assert not twice, f"{COLUMN_DOCS.name} line {node.start_mark.line + 1}: named twice: {twice}"
        return loader.construct_mapping(node, deep=deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    assert yaml.load(COLUMN_DOCS.read_text(), Loader=Strict)["tables"]
