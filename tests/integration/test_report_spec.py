"""The report's charts file (warehouse/report/charts.yml): a chart is data, a malformed entry is
refused naming the file, the chart and the field, and a chart may list queries tried in order."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import warehouse_env

from warehouse.report import SpecError, build_report
from warehouse.report.spec import load_specs

LINE = {"width": 300, "height": 100, "mark": "line",
        "encoding": {"x": {"field": "year", "type": "quantitative"}, "y": {"field": "v", "type": "quantitative"}}}


def write(tmp_path: Path, charts) -> Path:
    path = tmp_path / "charts.yml"
    path.write_text(yaml.safe_dump({"charts": charts}))
    return path


def chart(**over):
    return {"id": "world", "section": "S", "question": "How much?", "kind": "chart",
            "sql": "SELECT year, world_production_t_w AS v, source_id, vintage FROM marts.supply_concentration",
            "vega_lite": LINE, **over}


@pytest.mark.parametrize(("entry", "message"), [
    ({"question": ""}, "chart 1 (world), field 'question'"),
    ({"kind": "pie"}, "field 'kind': 'pie' is not one of"),
    ({"id": "World Chart"}, "field 'id': use lower-case"),
    ({"sql": []}, "field 'sql': a query, or a list of queries"),
    ({"vega_lite": None}, "field 'vega_lite': a chart needs"),
])
def test_a_malformed_entry_is_refused_by_name(tmp_path, entry, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_specs(write(tmp_path, [chart(**entry)]))


def test_a_duplicate_id_is_refused(tmp_path):
    with pytest.raises(SpecError, match="'world' is used twice"):
        load_specs(write(tmp_path, [chart(), chart()]))


def test_the_shipped_charts_file_is_valid():
    specs = load_specs()
    assert len({s.id for s in specs}) == len(specs)
    assert {s.kind for s in specs} >= {"chart", "map", "table", "sources"}


def test_a_new_chart_is_a_new_entry(built_warehouse, tmp_path):
    serving = Path(warehouse_env(built_warehouse)["TUNGSTEN_SERVING_PATH"])
    spec = write(tmp_path, [chart(), chart(id="fallback", sql=[
        "SELECT year, v FROM marts.no_such_mart",
        "SELECT year, china_share_pct AS v FROM marts.supply_concentration WHERE source_id = 'bgs_wms'"])])
    result = build_report(serving, tmp_path / "r.html", spec_path=spec)
    world, fallback = result.figures
    assert world.status == "drawn" and world.row_count > 50
    assert {s[0] for s in world.sources} == {"usgs_mcs", "bgs_wms", "wmd"}
    assert "MCS2026" in world.editions
    assert fallback.status == "drawn" and "no_such_mart" not in fallback.sql  # the query that ran is shown
    text = (tmp_path / "r.html").read_text()
    assert 'id="chart-world"' in text and 'id="chart-fallback"' in text
    assert "marts.no_such_mart" not in text
