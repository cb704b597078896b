"""The report (warehouse.report) as a reader gets it: written by the daily job beside the serving
file, opened in headless Chromium with the network off, every chart and the map drawn, nothing
requested from outside, no console error; a chart whose mart is empty or missing says so instead
of drawing an empty plot. Screenshots are kept under test-artifacts/report/ (or
TUNGSTEN_TEST_ARTIFACTS) for a person to look at."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers import warehouse_env
from typer.testing import CliRunner

from tungsten_cli.app import app
from warehouse.paths import PROJECT_ROOT
from warehouse.report import build_report, report_path
from warehouse.report.spec import load_specs

runner = CliRunner()
DRAWN_KINDS = ("chart", "map")


def artifacts(name: str) -> Path:
    root = Path(os.environ.get("TUNGSTEN_TEST_ARTIFACTS") or PROJECT_ROOT / "test-artifacts")
    folder = root / "report" / name
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def open_in_chromium(path: Path, shots: Path | None):
    from warehouse.report.chromium import ChromiumMissing, check_page

    try:
        return check_page(path, shots)
    except ChromiumMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc} (bin/test installs it when run as root)")
        pytest.skip(str(exc))


def served(root: Path) -> Path:
    return Path(warehouse_env(root)["TUNGSTEN_SERVING_PATH"])


def test_daily_job_writes_the_report_beside_the_serving_file(built_warehouse):
    path = report_path(served(built_warehouse))
    assert path.exists(), "the daily job's report asset did not write the report"
    text = path.read_text()
    assert "default-src 'none'" in text  # the page may request nothing
    for spec in load_specs():
        if spec.kind != "dictionary":
            assert f'id="chart-{spec.id}"' in text, spec.id
    assert path.stat().st_size <= 5 * 1024 * 1024
    # the claims table gives a value as its unit reads: a year as 2029, not 2,029.00
    claims = text[text.index('id="chart-claims"'):]
    claims = claims[:claims.index("</table>")]
    assert "<td>2029</td>" in claims and "2,029" not in claims
    assert "<td>7,500</td>" in claims and ".00<" not in claims


def _count(root, sql: str) -> int:
    import duckdb

    con = duckdb.connect(str(served(root)), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow
def test_every_chart_and_the_map_render_offline_in_chromium(built_warehouse):
    path = report_path(served(built_warehouse))
    check = open_in_chromium(path, artifacts("built"))
    assert check.console_errors == []
    assert check.requests == [] and check.failed_requests == []
    assert check.report["errors"] == []
    figures = {f["id"]: f for f in check.figures}
    charts = [s for s in load_specs() if s.kind in DRAWN_KINDS]
    assert len(charts) >= 15
    for spec in charts:  # every chart has data in the embedded snapshot: none is a notice, none empty
        fig = figures[spec.id]
        assert fig["status"] == "drawn", (spec.id, fig)
        assert fig["rendered"] == "yes" and fig["svg"] >= 1, (spec.id, fig)
        assert check.report["charts"][spec.id]["items"] > 0, spec.id
    marks = check.report["charts"]["sites_map"]["marks"]
    assert marks["shape"] >= 150  # the country outlines
    located = _count(built_warehouse, "SELECT (SELECT count(*) FROM raw.sites WHERE latitude IS NOT NULL AND longitude IS NOT NULL "
                                      "AND vintage = (SELECT max(vintage) FROM raw.sites)) + (SELECT count(*) FROM "
                                      "marts.project_pipeline WHERE latitude IS NOT NULL AND longitude IS NOT NULL)")
    assert marks["symbol"] >= located > 170  # every ICMM site and every pipeline project with coordinates, drawn
    for table in ("claims", "sources", "validation", "dictionary"):  # dictionary: warehouse.dictionary's page
        assert figures[table]["status"] == "table"
    assert any(p.name == "report-full.png" and p.stat().st_size > 10_000 for p in check.screenshots)
    assert len(check.screenshots) == len(check.figures) + 1


def test_footers_give_sources_editions_and_sql(built_warehouse):
    text = report_path(served(built_warehouse)).read_text()
    start = text.index('id="chart-concentration"')
    figure = text[start:text.index("</figure>", start)]
    assert "How much of the world" in figure
    assert "USGS Mineral Commodity Summaries" in figure and "Public domain (USGS)" in figure
    assert "BGS World Mineral Statistics" in figure and "Open Government Licence" in figure
    assert "MCS2026" in figure and "BGS2023" in figure
    assert "FROM marts.supply_concentration c" in figure
    start = text.index('id="chart-reserves"')
    reserves = text[start:text.index("</figure>", start)]
    assert "&gt;4,700,000" in reserves  # the qualifier as published
    start = text.index('id="chart-dictionary"')
    dictionary = text[start:text.index("</figure>", start)]
    assert "<td>china_share_pct</td>" in dictionary and "<td>supply_concentration</td>" in dictionary


@pytest.fixture
def damaged_copy(built_warehouse, tmp_path):
    """The serving file with one mart emptied and another dropped."""
    copy = tmp_path / "tungsten.duckdb"
    shutil.copy(served(built_warehouse), copy)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM marts.reserves")
    con.execute("DROP TABLE marts.price_proxy_world")
    con.close()
    return copy


@pytest.mark.slow
def test_an_empty_or_missing_mart_is_said_not_drawn(damaged_copy):
    result = build_report(damaged_copy)
    by_id = {f.spec.id: f for f in result.figures}
    assert by_id["reserves"].status == "empty" and "marts.reserves" in by_id["reserves"].message
    assert by_id["unit_value_proxies"].status == "error"
    assert "marts.price_proxy_world" in by_id["unit_value_proxies"].message
    assert sorted(p.split(":")[0] for p in result.problems) == ["reserves", "unit_value_proxies"]
    assert by_id["concentration"].status == "drawn"
    check = open_in_chromium(result.path, artifacts("damaged"))
    assert check.console_errors == [] and check.requests == []
    figures = {f["id"]: f for f in check.figures}
    for fid in ("reserves", "unit_value_proxies"):  # a notice, and no plot at all
        assert figures[fid]["status"] in ("empty", "error") and figures[fid]["svg"] == 0
    drawn = [f for f in check.figures if f["status"] == "drawn"]
    assert drawn and all(f["rendered"] == "yes" for f in drawn)


@pytest.mark.slow
def test_report_command_and_refresh_line(warehouse, tmp_path):
    out = tmp_path / "mine.html"
    r = runner.invoke(app, ["report", "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert str(out) in r.output and out.stat().st_size > 500_000
    default = report_path(warehouse.serving)
    default.unlink()
    r = runner.invoke(app, ["refresh"])  # nothing changed: the missing report is written all the same
    assert r.exit_code == 0, r.output
    assert "nothing changed" in r.output
    assert default.exists() and f"report: {default}" in r.output.replace("\n", "")


def test_report_command_without_a_warehouse(tmp_path, monkeypatch):
    for k, v in warehouse_env(tmp_path / "none").items():
        monkeypatch.setenv(k, v)
    r = runner.invoke(app, ["report"])
    assert r.exit_code == 1
    assert "no serving file at" in r.output and "tungsten refresh" in r.output


HOSTILE_NAME = "Evil <!--<script> & </script><b>x</b> \u2028\u2029 mine"


@pytest.fixture
def hostile_copy(built_warehouse, tmp_path):
    """The serving file with a pipeline project named to end the report's embedded JSON early."""
    copy = tmp_path / "tungsten.duckdb"
    shutil.copy(served(built_warehouse), copy)
    con = duckdb.connect(str(copy))
    n = con.execute("UPDATE marts.project_pipeline SET project_name = ? WHERE project_name = "
                    "(SELECT min(project_name) FROM marts.project_pipeline)", [HOSTILE_NAME]).fetchall()[0][0]
    con.close()
    assert n >= 1
    return copy


def test_a_hostile_project_name_cannot_blank_the_report(hostile_copy):
    """Issue 27, item 11: the name is in the embedded JSON as \\u escapes, read back whole, and
    every chart still draws."""
    result = build_report(hostile_copy)
    text = result.path.read_text(encoding="utf-8")
    start = text.index('id="report-specs">') + len('id="report-specs">')
    embedded = text[start:text.index("</script>", start)]
    for raw in ("<!--", "<script", "</script", "<", ">", "&", "\u2028", "\u2029"):
        assert raw not in embedded, raw
    assert HOSTILE_NAME in json.dumps(json.loads(embedded), ensure_ascii=False)
    check = open_in_chromium(result.path, artifacts("hostile"))
    assert check.console_errors == [] and check.report["errors"] == []
    drawn = [f for f in check.figures if f["status"] == "drawn"]
    assert len(drawn) >= 15 and all(f["rendered"] == "yes" and f["svg"] >= 1 for f in drawn), drawn


def _embedded_rows(text: str, chart: str) -> list[dict]:
    start = text.index('id="report-specs">') + len('id="report-specs">')
    spec = json.loads(text[start:text.index("</script>", start)])[chart]
    return next(d["values"] for d in spec["data"] if d.get("name") == "rows")


@pytest.mark.slow
def test_charts_read_right_in_chromium(built_warehouse):
    """Issue 24, item 11, as a reader sees the drawn SVG: no running total where the marts give
    yearly figures, axis labels apart (not "20242026"), each legend entry its own mark (the
    sponsor and conservative timelines distinct), facet titles naming sources, not their ids."""
    path = report_path(served(built_warehouse))
    check = open_in_chromium(path, None)
    assert check.console_errors == [] and check.report["errors"] == []
    drawn = {f["id"] for f in check.figures if f["status"] == "drawn"}
    assert {"pipeline_capacity_by_year", "supply_outlook", "source_disagreement", "pipeline_timeline"} <= drawn
    crowded, alike, ids = [], [], []
    source_ids = [r[0] for r in duckdb.connect(str(served(built_warehouse)), read_only=True).execute(
        "SELECT source_id FROM meta.sources").fetchall()]
    for chart in drawn:
        texts = check.texts[chart]
        for axis in texts["axis_labels"]:
            row = sorted((lab for lab in axis if abs(lab["box"][1] - axis[0]["box"][1]) < 1), key=lambda lab: lab["box"][0])
            if len(row) < 2 or len(row) < len(axis):
                continue  # a vertical axis
            gaps = [(b["box"][0] - a["box"][2], a["text"] + "|" + b["text"]) for a, b in itertools.pairwise(row)]
            crowded += [f"{chart}: {pair} {gap:.1f} px apart" for gap, pair in gaps if gap < 3]
        for legend in texts["legends"]:
            if all(e["shape"] is None for e in legend):
                continue  # a gradient legend: a colour ramp, no symbols
            marks = [(e["shape"], e["fill"], e["stroke"], e["dash"]) for e in legend]
            if len(set(marks)) < len(marks):
                alike.append(f"{chart}: {[e['label'] for e in legend]} drawn with the same mark")
            unseen = [e["label"] for e in legend if e["fill"] in (None, "transparent", "none")
                      and e["stroke"] in (None, "transparent", "none")]
            if unseen:
                alike.append(f"{chart}: {unseen} drawn with no visible mark")
        for header in texts["headers"]:
            words = set(header["text"].replace("(", " ").replace(")", " ").split())
            ids += [f"{chart}: {header['text']!r}" for sid in source_ids if sid in words]
    assert not crowded, crowded
    assert not alike, alike
    assert not ids, ids
    assert any("World Mining Data" in h["text"] for h in check.texts["source_disagreement"]["headers"])
    # the capacity chart plots each year's new capacity, as the mart gives it: never a running total
    rows = _embedded_rows(path.read_text(), "pipeline_capacity_by_year")
    con = duckdb.connect(str(served(built_warehouse)), read_only=True)
    mart = {(y, s, b): v for y, s, b, v in con.execute(
        "SELECT year, scenario, coalesce(sponsor_bloc, 'not stated'), new_capacity_t_w FROM marts.pipeline_capacity_by_year"
    ).fetchall()}
    con.close()
    plotted_fields = {k for r in rows for k in r}
    assert not any("cumulative" in k for k in plotted_fields)
    assert {(r["year"], r["scenario"], r["sponsor_bloc"]): r["new_capacity_t_w"] for r in rows} == mart
    titles = [t["text"] for t in check.texts["pipeline_capacity_by_year"]["axis_titles"]]
    assert titles and not any("cumulative" in t for t in titles)
