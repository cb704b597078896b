"""Trade through the warehouse: the embedded snapshot answers the top HS 2611 exporters; a
Comtrade file loads into the trade marts; malformed files are refused with nothing lost;
a file read in chunks is validated chunk by chunk and rolled back whole."""


import pytest
from integration_helpers import REAL, digest
from integration_helpers import query as q
from trade_files import BILATERAL, api_body, csv_text, record

from ingest.errors import ParseError
from ingest.sources.un_comtrade import parser as comtrade
from tungsten_cli.daily import run_daily
from warehouse.refresh import ingest_file

CMR = REAL / "trade" / "critical-minerals-replication_docs_data_tungsten.json"
COMTRADE = "raw.trade_flows WHERE source_id = 'un_comtrade'"
CMR_FLOWS = "raw.trade_flows WHERE source_id = 'cmr_comtrade'"


def test_top_hs2611_exporters_2022_from_the_snapshot(serving_con):
    top = serving_con.execute(
        "SELECT reporter_iso3, value_usd, share_pct, rank, world_is_published FROM marts.trade_market_share "
        "WHERE source_id = 'cmr_comtrade' AND hs_code LIKE '2611%' AND flow = 'export' AND year = 2022 ORDER BY rank LIMIT 3").fetchall()
    assert [r[0] for r in top] == ["RWA", "ESP", "BOL"]
    assert top[0][1] == pytest.approx(54.5e6, rel=1e-3) and top[0][3] == 1 and top[0][4] is True
    assert top[0][2] == pytest.approx(28.904279282377708)
    src = serving_con.execute("SELECT publisher, source_type FROM meta.sources WHERE source_id = 'cmr_comtrade'").fetchone()
    assert "UN Comtrade" in src[0] and "critical-minerals-replication" in src[0] and src[1] == "dataset"


def test_cli_sql_answers_top_exporters(built_warehouse, monkeypatch):
    from helpers import warehouse_env
    from typer.testing import CliRunner

    from tungsten_cli.app import app

    for k, v in warehouse_env(built_warehouse).items():
        monkeypatch.setenv(k, v)
    res = CliRunner().invoke(app, ["sql", "-f", "csv", "SELECT reporter_iso3, round(value_usd / 1e6, 1) AS musd "
                                   "FROM marts.trade_market_share WHERE source_id = 'cmr_comtrade' AND hs_code LIKE '2611%' AND flow = 'export' "
                                   "AND year = 2022 ORDER BY rank LIMIT 1"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[1] == "RWA,54.5"


@pytest.mark.slow
def test_comtrade_file_feeds_the_trade_marts(warehouse, tmp_path):
    p = tmp_path / "comtrade_2611_2022.csv"
    p.write_text(csv_text(BILATERAL))
    summary = ingest_file(warehouse, "comtrade", p)
    assert summary.ok, summary.errors
    summary = run_daily(warehouse)
    assert summary.ok and summary.published, summary.errors
    s = warehouse.serving
    # partner shares of the USA's imports: its World row (10 M$) is the total
    shares = q(s, "SELECT partner_iso3, share_pct, rank, total_is_reported FROM marts.trade_partner_share "
                  "WHERE source_id = 'un_comtrade' AND reporter_iso3 = 'USA' AND hs_code = '261100' ORDER BY rank")
    assert [(r[0], round(r[1], 6), r[2], r[3]) for r in shares] == [("CHN", 60.0, 1, True), ("BOL", 30.0, 2, True),
                                                                    ("RWA", 10.0, 3, True)]
    # dependence on China: ores (6 of 10 M$) and metal (8 of 8 M$, the USA reported no World row for 810194)
    dep = dict((r[0], r[1:]) for r in q(s, "SELECT hs_group, imports_usd, from_china_pct, top_partner_iso3 "
                                           "FROM marts.import_dependence WHERE source_id = 'un_comtrade' AND country_iso3 = 'USA' AND year = 2022"))
    assert dep["ores_concentrates"] == (10e6, pytest.approx(60.0), "CHN")
    assert dep["metal_articles"] == (8e6, pytest.approx(100.0), "CHN")
    aut = q(s, "SELECT from_china_pct, top_partner_iso3, top_partner_pct FROM marts.import_dependence "
               "WHERE source_id = 'un_comtrade' AND country_iso3 = 'AUT' AND hs_group = 'ores_concentrates'")
    assert aut == [(0.0, "RWA", 80.0)]
    # mirror: both sides of USA <- CHN; CIF import above FOB export by 300 k$ (5.26 %)
    gap = q(s, "SELECT import_value_usd_cif, export_value_usd_fob, difference_usd, difference_pct FROM marts.mirror_gaps "
               "WHERE importer_iso3 = 'USA' AND exporter_iso3 = 'CHN' AND hs_code = '261100'")
    assert gap[0][:3] == (6e6, 5.7e6, 300000.0) and gap[0][3] == pytest.approx(100 * 0.3 / 5.7)
    one_sided = q(s, "SELECT import_value_usd_cif, export_value_usd_fob, difference_pct FROM marts.mirror_gaps "
                     "WHERE importer_iso3 = 'USA' AND exporter_iso3 = 'BOL'")
    assert one_sided == [(3e6, None, None)]
    # Rwanda reported nothing: its exports are its partners' declarations of their imports, once each
    mirror = q(s, "SELECT importer_iso3, value_usd, reported_by FROM marts.trade_flows WHERE source_id = 'un_comtrade' "
                  "AND exporter_iso3 = 'RWA' ORDER BY 1")
    assert mirror == [("AUT", 2e6, "importer"), ("USA", 1e6, "importer")]
    flows = q(s, "SELECT tungsten_specific, hs_group, unit_value_usd_per_kg FROM marts.trade_flows WHERE source_id = "
                 "'un_comtrade' AND importer_iso3 = 'USA' AND exporter_iso3 = 'CHN' AND hs_code = '261100' "
                 "AND reported_by = 'importer'")
    assert flows == [(True, "ores_concentrates", 20.0)]
    # the USA's and Austria's World rows total their partner rows: in trade_totals, not summed with them
    totals = q(s, "SELECT reporter_iso3, value_usd, total_kind FROM marts.trade_totals WHERE source_id = 'un_comtrade' "
                  "ORDER BY 1")
    assert totals == [("AUT", 2.5e6, "reporter_total"), ("USA", 10e6, "reporter_total")]


def _refused(warehouse, path, source="comtrade"):
    before = digest(warehouse.serving)
    raw_before = q(warehouse.build, "SELECT count(*) FROM " + COMTRADE)
    cmr_before = q(warehouse.build, "SELECT count(*), sum(value_usd) FROM " + CMR_FLOWS)
    summary = ingest_file(warehouse, source, path)
    assert not summary.ok
    assert digest(warehouse.serving) == before
    assert q(warehouse.build, "SELECT count(*) FROM " + COMTRADE) == raw_before
    assert q(warehouse.build, "SELECT count(*), sum(value_usd) FROM " + CMR_FLOWS) == cmr_before
    assert list(warehouse.landing.rglob(path.name))[0].read_bytes() == path.read_bytes()
    return summary.errors[0]


def test_loaded_comtrade_survives_a_refused_file(warehouse, tmp_path):
    good = tmp_path / "good.json"
    good.write_bytes(api_body(BILATERAL))
    assert ingest_file(warehouse, "comtrade", good).ok
    assert q(warehouse.build, "SELECT count(*) FROM " + COMTRADE) == [(len(BILATERAL),)]
    dup = tmp_path / "dup.csv"
    dup.write_text(csv_text(BILATERAL + [BILATERAL[2]]))
    msg = _refused(warehouse, dup)
    # the key is checked over the whole file in DuckDB: both lines that share it are named
    assert "dup.csv" in msg and "expect_compound_columns_to_be_unique" in msg and '"source_lines": [4, 10]' in msg
    assert q(warehouse.build, "SELECT count(*) FROM " + COMTRADE) == [(len(BILATERAL),)]


def test_unknown_hs_code_is_refused_with_its_line(warehouse, tmp_path):
    p = tmp_path / "hs.csv"
    p.write_text(csv_text(BILATERAL[:3] + [record(842, 156, "M", "810500", 2022, 1e6, 1e4)]))
    msg = _refused(warehouse, p)
    assert "expect_column_values_to_be_in_set on hs_code" in msg and '"hs_code": "810500"' in msg and '"source_line": 5' in msg


def test_real_non_tungsten_sample_is_refused(warehouse):
    msg = _refused(warehouse, REAL / "trade" / "semiconductor_trade.csv")
    assert "semiconductor_trade.csv" in msg and '"hs_code": "8542"' in msg


def test_unknown_area_and_self_trade_are_refused(warehouse, tmp_path):
    p = tmp_path / "areas.csv"
    p.write_text(csv_text(BILATERAL[:2] + [record(842, 123456, "M", "261100", 2022, 1.0, 1.0),
                                           record(156, 156, "X", "261100", 2022, 1.0, 1.0)]))
    msg = _refused(warehouse, p)
    assert "partner_iso3" in msg and '"partner_code": "123456"' in msg
    assert "audit_reporter_is_partner" in msg


def test_weights_not_in_kg_are_refused(warehouse, tmp_path):
    tonnes = [record(842, 156, "M", "261100", 2022, 6_000_000.0, 300.0, qty=300.0 * 1000, qtyUnitCode=8)]
    p = tmp_path / "tonnes.csv"
    p.write_text(csv_text(tonnes))
    msg = _refused(warehouse, p)
    assert "audit_kg_quantity_differs_from_net_weight" in msg


def test_text_in_a_value_column_is_refused_and_nothing_lost(warehouse, tmp_path):
    p = tmp_path / "text.csv"
    p.write_text(csv_text(BILATERAL).replace("3000000.0", "three million"))
    before = digest(warehouse.serving)
    with pytest.raises(ParseError, match=r"text.csv, line 3, field 'cifvalue': 'three million' is not a number"):
        ingest_file(warehouse, "comtrade", p)
    assert digest(warehouse.serving) == before
    assert q(warehouse.build, "SELECT status FROM meta.loads WHERE file_name = 'text.csv'") == [("failed",)]


def test_chunked_file_is_validated_per_chunk_and_rolled_back_whole(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(comtrade, "CHUNK_ROWS", 3)
    # a duplicate two chunks apart: only the check over the whole file, in the database, can see it
    p = tmp_path / "chunks_dup.csv"
    p.write_text(csv_text(BILATERAL + [BILATERAL[0]]))
    msg = _refused(warehouse, p)
    assert "over the whole file" in msg and "[2, 10]" in msg
    # a bad value in the third chunk: the first two chunks, already written, are rolled back
    p2 = tmp_path / "chunks_text.csv"
    p2.write_text(csv_text(BILATERAL).replace("8000000.0", "eight"))
    with pytest.raises(ParseError, match="line 9"):
        ingest_file(warehouse, "comtrade", p2)
    assert q(warehouse.build, "SELECT count(*) FROM " + COMTRADE) == [(0,)]
    # the same rows without faults load in three chunks
    p3 = tmp_path / "chunks_ok.csv"
    p3.write_text(csv_text(BILATERAL))
    summary = ingest_file(warehouse, "comtrade", p3)
    assert summary.ok, summary.errors
    assert q(warehouse.build, "SELECT count(*), count(DISTINCT load_id) FROM " + COMTRADE) == [(8, 1)]


def test_chunk_refused_while_being_written_leaves_nothing(warehouse, tmp_path, monkeypatch):
    """A chunk is written as pending rows while GX validates it: a refusal in the last chunk
    deletes them with the earlier chunks', and the refusal is what the user is told even when
    that chunk's write failed as well."""
    from warehouse import load

    monkeypatch.setattr(comtrade, "CHUNK_ROWS", 3)
    p = tmp_path / "late_hs.csv"  # lines 2-9, then an unknown HS code on line 10, in the third chunk
    p.write_text(csv_text(BILATERAL + [record(842, 156, "M", "810500", 2022, 1e6, 1e4)]))
    msg = _refused(warehouse, p)
    assert "(chunk 3, from line 8)" in msg and '"hs_code": "810500"' in msg and '"source_line": 10' in msg
    assert q(warehouse.build, "SELECT count(*) FROM " + COMTRADE) == [(0,)]
    assert q(warehouse.build, "SELECT count(*) FROM work.pending_loads") == [(0,)]

    written = load._insert_chunk

    def write_fails_on_line_10(con, req, chunk, lid):
        if chunk["source_line"].max() >= 10:
            raise OSError("disk full (test)")
        written(con, req, chunk, lid)

    monkeypatch.setattr(load, "_insert_chunk", write_fails_on_line_10)
    msg = _refused(warehouse, p)
    assert "(chunk 3, from line 8)" in msg and '"hs_code": "810500"' in msg and "disk full" not in msg
    assert q(warehouse.build, "SELECT count(*) FROM " + COMTRADE) == [(0,)]


@pytest.mark.slow
def test_itc_file_loads(warehouse):
    path = REAL / "trade" / "Trade_Map_-_List_of_importing_markets_for_a_product_exported_by_China.txt"
    summary = ingest_file(warehouse, "itc", path, options={"hs": "TOTAL"})
    assert summary.ok, summary.errors
    summary = run_daily(warehouse)
    assert summary.ok and summary.published, summary.errors
    top = q(warehouse.serving, "SELECT partner_iso3, rank FROM marts.trade_partner_share WHERE source_id = 'itc_trademap' "
                               "AND reporter_iso3 = 'CHN' AND year = 2020 ORDER BY rank LIMIT 2")
    assert top == [("USA", 1), ("HKG", 2)]


def test_project_bgs_hhi_agrees_with_the_aggregate(serving_con):
    """The aggregate's HHI is computed from BGS production; ours from the BGS figures we load."""
    from ingest.sources.cmr_comtrade.parser import mining_metrics

    theirs = {r["year"]: r["hhi"] for r in mining_metrics(CMR).iter_rows(named=True)}
    ours = dict(serving_con.execute(
        "SELECT year, hhi FROM marts.supply_concentration WHERE source_id = 'bgs_wms' AND year BETWEEN 2000 AND 2023").fetchall())
    common = sorted(set(theirs) & set(ours))
    assert len(common) >= 20
    diffs = {y: abs(ours[y] - theirs[y]) for y in common}
    assert max(diffs.values()) < 1.0, diffs


@pytest.mark.slow
def test_no_publish_loads_only_and_the_next_refresh_publishes(warehouse, tmp_path):
    p = tmp_path / "bulk.csv"
    p.write_text(csv_text(BILATERAL))
    before = digest(warehouse.serving)
    summary = ingest_file(warehouse, "comtrade", p)  # loads only
    assert summary.ok and summary.deferred and not summary.published
    assert digest(warehouse.serving) == before
    assert q(warehouse.build, "SELECT count(*) FROM " + COMTRADE) == [(8,)]
    assert run_daily(warehouse).published
    assert q(warehouse.serving, "SELECT (SELECT count(*) FROM marts.trade_flows WHERE source_id = 'un_comtrade') + "
                                "(SELECT count(*) FROM marts.trade_totals WHERE source_id = 'un_comtrade')") == [(8,)]


def test_rows_of_a_load_cut_short_by_a_crash_are_discarded(warehouse, tmp_path, monkeypatch):
    """Chunks are committed as they are written, under a pending load; a process killed before
    the load counts leaves them behind, and the next writer to open the build file deletes them."""
    from warehouse import load
    from warehouse.refresh import connect_build

    monkeypatch.setattr(comtrade, "CHUNK_ROWS", 3)
    p = tmp_path / "kept.csv"
    p.write_text(csv_text(BILATERAL[:4]))
    assert ingest_file(warehouse, "comtrade", p).ok

    def killed(*_a, **_k):
        raise SystemExit("killed")

    monkeypatch.setattr(load, "_commit", killed)
    monkeypatch.setattr(load, "_discard", lambda *_a: None)  # a killed process cleans nothing up
    p2 = tmp_path / "cut.csv"
    p2.write_text(csv_text(BILATERAL[4:]))
    with pytest.raises(SystemExit):
        ingest_file(warehouse, "comtrade", p2)
    assert q(warehouse.build, "SELECT count(*) FROM work.pending_loads") == [(1,)]
    assert q(warehouse.build, "SELECT count(*) FROM " + COMTRADE) == [(8,)]
    shown = _status()
    assert shown.returncode == 0, shown.stderr
    assert "unfinished load" in shown.stdout and "raw.trade_flows" in shown.stdout
    # while a writer holds the build file, status says so instead of a lock traceback
    import duckdb

    holder = duckdb.connect(str(warehouse.build))
    try:
        busy = _status()
    finally:
        holder.close()
    assert busy.returncode == 1 and "being written" in busy.stderr and "Traceback" not in busy.stderr
    monkeypatch.undo()
    con = connect_build(warehouse)
    try:
        assert con.execute("SELECT count(*) FROM work.pending_loads").fetchone() == (0,)
        assert con.execute("SELECT source_file, count(*) FROM " + COMTRADE + " GROUP BY 1").fetchall() == [("kept.csv", 4)]
    finally:
        con.close()


def _status():
    """`tungsten status` in a process of its own, as a user runs it beside the pipeline."""
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "tungsten_cli.app", "status"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})


@pytest.mark.parametrize("value, expectation", [
    (float("inf"), "audit_non_finite"),        # no publisher prints an infinity
    (float("nan"), "audit_non_finite"),        # nor NaN: it is not a missing value
    (1e30, "value_usd"),                        # beyond warehouse/gx_suites/value_bounds.csv
])
def test_non_finite_and_absurd_trade_values_are_refused(warehouse, tmp_path, value, expectation):
    """A Comtrade export whose primaryValue is inf, NaN or 1e30 is refused naming the rule and
    the line; nothing is loaded and the serving file keeps its bytes."""
    records = [record(156, 842, "X", "261100", 2022, 1_000_000.0, 50_000.0),
               record(156, 392, "X", "261100", 2022, value, 40_000.0)]
    path = tmp_path / "comtrade_bad_value.csv"
    path.write_text(csv_text(records))
    msg = _refused(warehouse, path)
    assert expectation in msg and '"source_line": 3' in msg, msg
