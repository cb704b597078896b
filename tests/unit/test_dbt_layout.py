"""The dbt project is laid out as dbt Labs lays one out (dbt/): only staging models read sources, one
staging model per source table; the parameters models read are seeds with column types; raw, ref and
meta tables are described in _sources.yml; exposures name what reads the marts; the models with
logic have unit tests. Read from the project's files (no dbt run)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from helpers import PROJECT

DBT = PROJECT / "dbt"
MODELS = DBT / "models"
SOURCE_CALL = re.compile(r"""\{\{\s*source\(\s*['"](\w+)['"]\s*,\s*['"](\w+)['"]\s*\)\s*\}\}""")
REF_CALL = re.compile(r"""\bref\(\s*['"](\w+)['"]\s*\)""")


def _yml(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def _all_yml(key: str) -> list[dict]:
    """Every entry of `key` (models, sources, seeds, exposures, unit_tests) in the project's yml."""
    paths = sorted([*MODELS.rglob("*.yml"), *(DBT / "seeds").rglob("*.yml")])
    return [e for p in paths for e in (_yml(p).get(key) or [])]


def _models() -> dict[str, Path]:
    return {p.stem: p for p in MODELS.rglob("*.sql")}


def _source_tables() -> list[tuple[str, str]]:
    return [(s["name"], t["name"]) for s in _all_yml("sources") for t in s.get("tables") or []]


def _seeds() -> dict[str, Path]:
    return {p.stem: p for p in (DBT / "seeds").glob("*.csv")}


def test_only_staging_models_read_sources():
    readers = {name: SOURCE_CALL.findall(p.read_text()) for name, p in _models().items()}
    outside = sorted(name for name, calls in readers.items()
                     if calls and _models()[name].relative_to(MODELS).parts[0] != "staging")
    assert outside == [], f"models outside models/staging that read source(): {outside}; read ref('stg_<table>')"


def test_every_source_table_has_its_own_staging_model_and_only_it_reads_the_source():
    models = _models()
    missing, others = [], []
    for source, table in _source_tables():
        stg = models.get(f"stg_{table}")
        if stg is None or (source, table) not in SOURCE_CALL.findall(stg.read_text()):
            missing.append(f"{source}.{table}")
        others += [f"{name} reads {source}.{table}" for name, p in models.items()
                   if name != f"stg_{table}" and (source, table) in SOURCE_CALL.findall(p.read_text())]
    assert missing == [], f"source tables without a staging model stg_<table> reading them: {missing}"
    assert others == []


def test_every_raw_table_is_a_source_with_every_column_described():
    from ingest.families import table_schemas

    sources = {(s["name"], t["name"]): t for s in _all_yml("sources") for t in s.get("tables") or []}
    for table, schema in table_schemas().items():
        entry = sources.get(("raw", table))
        assert entry is not None, f"raw.{table} is not a source in models/staging/_sources.yml"
        assert [c["name"] for c in entry.get("columns") or []] == [*schema, "load_id"], f"raw.{table}'s columns"


def test_every_source_table_and_column_is_described_and_every_doc_block_exists():
    docs = set(re.findall(r"\{%\s*docs\s+(\w+)\s*%\}", "".join(p.read_text() for p in MODELS.rglob("*.md"))))
    for source in _all_yml("sources"):
        for table in source.get("tables") or []:
            name = f"{source['name']}.{table['name']}"
            assert (table.get("description") or "").strip(), f"{name} has no description"
            assert table.get("columns"), f"{name} lists no columns"
            for col in table["columns"]:
                text = (col.get("description") or "").strip()
                assert text, f"{name}.{col['name']} has no description"
                assert set(re.findall(r"doc\(\s*['\"](\w+)['\"]\s*\)", text)) <= docs, f"{name}.{col['name']}: {text}"


def test_the_ref_sources_are_the_tables_python_writes_and_the_parameters_are_seeds():
    from warehouse.reference_tables import REFERENCE_TABLES

    written = set(REFERENCE_TABLES)
    declared = {f"{s}.{t}" for s, t in _source_tables() if s in ("ref", "meta")}
    assert declared == written, "ref and meta sources are exactly what warehouse/reference_tables.py writes"
    assert not {f"ref.{name}" for name in _seeds()} & written, "a table is either a seed or written by Python"
    assert not list((PROJECT / "ingest" / "reference").glob("outlook_*.csv")), "outlook parameters are seeds"
    assert not list((PROJECT / "ingest" / "reference").glob("claim_*.csv")), "claim parameters are seeds"


def test_every_seed_is_described_with_its_column_types():
    seeds = {s["name"]: s for s in _all_yml("seeds")}
    assert {"outlook_stage_factors", "outlook_ramp_up", "outlook_parameters", "outlook_china_cases",
            "claim_checks", "claim_tolerances", "claim_trend_terms"} <= set(_seeds())
    assert set(seeds) == set(_seeds()), "each seed CSV has one entry in seeds/_seeds.yml"
    for name, path in _seeds().items():
        with open(path, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        entry = seeds[name]
        assert (entry.get("description") or "").strip(), f"seed {name} has no description"
        types = (entry.get("config") or {}).get("column_types") or {}
        assert list(types) == header, f"seed {name}: column_types must give every column of the CSV, in order"
        described = {c["name"]: (c.get("description") or "").strip() for c in entry.get("columns") or []}
        assert [c for c in header if not described.get(c)] == [], f"seed {name}: undescribed columns"


def test_seeds_land_in_the_ref_schema():
    seeds = (_yml(DBT / "dbt_project.yml").get("seeds") or {}).get("tungsten") or {}
    assert seeds.get("+schema") == "ref"
    assert "custom_schema_name | trim" in (DBT / "macros" / "generate_schema_name.sql").read_text()


def _exposures() -> dict[str, dict]:
    return {e["name"]: e for e in _all_yml("exposures")}


def _depends(exposure: dict) -> set[str]:
    return {m for d in exposure.get("depends_on") or [] for m in REF_CALL.findall(d)}


def test_exposures_name_the_report_and_the_parquet_export_with_what_they_read():
    exposures = _exposures()
    assert {"report", "parquet_export"} <= set(exposures)
    for e in exposures.values():
        assert (e.get("owner") or {}).get("name") or (e.get("owner") or {}).get("email"), e["name"]
        assert (e.get("description") or "").strip() or e.get("url"), e["name"]
    marts = {n for n, p in _models().items() if p.relative_to(MODELS).parts[0] == "marts"}
    assert _depends(exposures["parquet_export"]) == marts, "the Parquet export holds every mart"
    charts = (PROJECT / "warehouse" / "report" / "charts.yml").read_text()
    read = set(re.findall(r"\bmarts\.(\w+)", charts)) & marts
    assert _depends(exposures["report"]) == read, "the report reads the marts warehouse/report/charts.yml names"


@pytest.mark.parametrize("models", [("int_claim_evidence", "claims_reconciliation"),
                                    ("mine_supply_projection_units", "mine_supply_projection", "int_unit_timeline")])
def test_the_claim_and_outlook_models_have_unit_tests(models):
    tests = _all_yml("unit_tests")
    assert len(tests) >= 5
    tested = {t["model"] for t in tests}
    assert set(models) <= tested, f"without a dbt unit test: {sorted(set(models) - tested)}"
    for t in tests:
        assert t.get("given") and (t.get("expect") or {}).get("rows"), t["name"]


def test_column_docs_keeps_only_tables_dbt_neither_reads_nor_builds():
    """One documentation system: what dbt reads or builds is described in its yml, and
    warehouse/column_docs.yml only the pipeline's own meta tables."""
    docs = _yml(PROJECT / "warehouse" / "column_docs.yml")["tables"]
    dbt_tables = {f"{s}.{t}" for s, t in _source_tables()} | {f"ref.{name}" for name in _seeds()}
    assert not set(docs) & dbt_tables, f"described twice: {sorted(set(docs) & dbt_tables)}"
    assert all(name.startswith("meta.") for name in docs)


def test_the_dictionary_takes_descriptions_units_and_grains_from_dbts_manifest():
    from warehouse.dictionary import docs_from_manifest

    manifest = {
        "sources": {"source.t.raw.figures": {
            "resource_type": "source", "schema": "raw", "name": "figures", "identifier": "figures",
            "description": "Figures.", "config": {"meta": {"grain": ["source_id", "year"]}},
            "columns": {"value": {"description": "The figure.", "config": {"meta": {"unit": "given by column unit"}}}}}},
        "nodes": {
            "model.t.supply_share": {"resource_type": "model", "schema": "marts", "name": "supply_share",
                                     "alias": "supply_share", "description": "Shares.",
                                     "columns": {"share_pct": {"description": "Share."}}},
            "test.t.uc": {"resource_type": "test", "attached_node": "model.t.supply_share",
                          "test_metadata": {"name": "unique_combination", "kwargs": {"columns": ["source_id", "year"]}}},
        },
    }
    docs = docs_from_manifest(manifest)
    figures, share = docs[("raw", "figures")], docs[("marts", "supply_share")]
    assert figures.description == "Figures." and figures.grain == ["source_id", "year"]
    assert figures.columns["value"] == {"description": "The figure.", "unit": "given by column unit"}
    assert share.grain == ["source_id", "year"] and share.columns["share_pct"]["description"] == "Share."
