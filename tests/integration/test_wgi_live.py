"""`tungsten fetch wgi` against a loopback server replaying World Bank API v2 answers: a 429
then a 200 (loads and publishes), a persistent 500, a truncated body, an empty result, paging.
Only 127.0.0.1 is contacted."""

import hashlib
import http.server
import threading
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
from integration_helpers import reply
from packaged_files import ESTIMATES, STD_ERRS, api_body
from typer.testing import CliRunner

from ingest.http import FetchError, HttpSettings
from ingest.sources.wgi.api import fetch_political_stability
from tungsten_cli.app import app
from tungsten_cli.daily import run_daily
from warehouse.refresh import load_files

FAST = HttpSettings(timeout_s=5, attempts=3, backoff_s=0.01)
OK = {"PV.EST": (200, {"Content-Type": "application/json"}, api_body(ESTIMATES)),
      "PV.STD.ERR": (200, {"Content-Type": "application/json"}, api_body(STD_ERRS))}


class Api(http.server.BaseHTTPRequestHandler):
    """Answers each indicator in turn from its script of (status, headers, body); records each query."""

    scripts: dict = {}
    queries: list = []

    def do_GET(self):
        url = urlparse(self.path)
        indicator = url.path.rsplit("/", 1)[-1]
        if not url.path.startswith("/v2/country/all/indicator/") or indicator not in Api.scripts:
            self.send_error(404)
            return
        Api.queries.append({"indicator": indicator, **{k: v[0] for k, v in parse_qs(url.query).items()}})
        asked = sum(1 for q in Api.queries if q["indicator"] == indicator) - 1
        script = Api.scripts[indicator]
        reply(self, *script[min(asked, len(script) - 1)])

    def log_message(self, *args):
        pass


@pytest.fixture
def api(monkeypatch):
    Api.scripts, Api.queries = {k: [v] for k, v in OK.items()}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("TUNGSTEN_WORLDBANK_URL", f"http://127.0.0.1:{httpd.server_address[1]}/v2")
    monkeypatch.setenv("TUNGSTEN_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("TUNGSTEN_HTTP_ATTEMPTS", "3")
    yield Api
    httpd.shutdown()


def served(warehouse, sql):
    con = duckdb.connect(str(warehouse.serving), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def fetch_and_load(warehouse):
    path = fetch_political_stability(warehouse.home / "downloads" / "wgi")
    return load_files(warehouse, [("wgi", path, None)], lambda _m: None, collect_parse_errors=True)


@pytest.mark.slow
def test_429_then_200_loads_and_publishes(api, warehouse):
    api.scripts["PV.EST"] = [(429, {"Retry-After": "0"}, b'{"message": "rate limited"}'), OK["PV.EST"]]
    loaded = fetch_and_load(warehouse)
    assert loaded.ok and [r.status for r in loaded.loads] == ["passed"], loaded.errors
    summary = run_daily(warehouse, summary=loaded)
    assert summary.ok and summary.published, summary.errors
    est = [q for q in api.queries if q["indicator"] == "PV.EST"]
    assert len(est) == 2 and est[-1]["source"] == "3" and est[-1]["format"] == "json" and est[-1]["date"].startswith("1996:")
    rows = served(warehouse, "SELECT vintage, country_iso3, year, estimate, std_err, round(normalized, 4) FROM "
                             "raw.governance_indicators WHERE vintage LIKE 'wb-api-%' ORDER BY country_iso3, year")
    assert rows == [("wb-api-20250926-2024", "CHN", 2023, -0.5, 0.21, 0.6), ("wb-api-20250926-2024", "CHN", 2024, -0.45, 0.2, 0.59),
                    ("wb-api-20250926-2024", "RWA", 2024, 0.1, 0.23, 0.48)]
    # the packaged edition stays beside it; the fetch is the latest edition (same latest year, loaded last)
    assert served(warehouse, "SELECT count(DISTINCT vintage) FROM raw.governance_indicators") == [(2,)]
    saved = list((warehouse.home / "downloads" / "wgi").glob("*.json"))
    landed = list((warehouse.landing / "wgi").rglob("*.json"))
    assert len(saved) == 1 and any(p.read_bytes() == saved[0].read_bytes() for p in landed)


def test_persistent_500_changes_nothing(api, warehouse):
    before = hashlib.sha256(warehouse.serving.read_bytes()).hexdigest()
    api.scripts["PV.EST"] = [(500, {}, b"Internal Server Error")]
    with pytest.raises(FetchError, match=r"PV.EST: HTTP 500 \(gave up after 3 attempts\)"):
        fetch_and_load(warehouse)
    assert len(api.queries) == 3
    assert not (warehouse.home / "downloads" / "wgi").exists() or not list((warehouse.home / "downloads" / "wgi").glob("*.json"))
    assert hashlib.sha256(warehouse.serving.read_bytes()).hexdigest() == before


def test_truncated_body_is_retried_then_refused(api, tmp_path):
    body = OK["PV.EST"][2]
    api.scripts["PV.EST"] = [(200, {"Content-Length": str(len(body))}, body[: len(body) // 2]), OK["PV.EST"]]
    saved = fetch_political_stability(tmp_path, settings=FAST)
    assert saved.exists() and len([q for q in api.queries if q["indicator"] == "PV.EST"]) == 2
    # cut short with a matching length: complete HTTP, incomplete JSON
    api.scripts["PV.EST"], api.queries = [(200, {}, body[:-25])], []
    with pytest.raises(FetchError, match="not complete JSON"):
        fetch_political_stability(tmp_path / "b", settings=FAST)
    assert not (tmp_path / "b").exists()


def test_empty_result_is_a_clear_message_and_loads_nothing(api, warehouse):
    before = hashlib.sha256(warehouse.serving.read_bytes()).hexdigest()
    api.scripts["PV.EST"] = [(200, {}, api_body([]))]
    with pytest.raises(FetchError, match="no PV.EST records .* nothing to load"):
        fetch_and_load(warehouse)
    assert hashlib.sha256(warehouse.serving.read_bytes()).hexdigest() == before


def test_pages_are_followed(api, tmp_path):
    api.scripts["PV.EST"] = [(200, {}, api_body(ESTIMATES[:2], page=1, pages=2)), (200, {}, api_body(ESTIMATES[2:], page=2, pages=2))]
    saved = fetch_political_stability(tmp_path, settings=FAST)
    assert [q["page"] for q in api.queries if q["indicator"] == "PV.EST"] == ["1", "2"]
    from ingest.registry import parse_file

    assert parse_file("wgi", saved).frames["governance"].height == 3


@pytest.mark.slow
def test_cli_fetch_wgi(api, warehouse):
    result = CliRunner().invoke(app, ["fetch", "wgi"])
    assert result.exit_code == 0, result.output
    assert "published" in result.output
    api.scripts["PV.EST"], api.queries = [(500, {}, b"down")], []
    result = CliRunner().invoke(app, ["fetch", "wgi"])
    assert result.exit_code == 1
    assert "HTTP 500 (gave up after 3 attempts)" in result.output and "Nothing was loaded" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_refresh_live_fetches_political_stability(api, warehouse, monkeypatch):
    """`tungsten refresh --live` asks the World Bank API as well as ScienceBase (stubbed here: its
    own loopback tests are in test_live_fetch.py), and the fetched table is loaded and served."""
    import tungsten_cli.app as cli

    asked_usgs = []
    monkeypatch.setattr("ingest.sources.usgs_mcs.sciencebase.latest_edition", lambda: "MCS2026")
    monkeypatch.setattr(cli, "_usgs_files", lambda edition, item: asked_usgs.append(edition) or [])
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["refresh", "--live"])
    assert result.exit_code == 0, result.output
    assert asked_usgs == ["MCS2026"]
    assert {q["indicator"] for q in api.queries} == {"PV.EST", "PV.STD.ERR"}
    loads = served(warehouse, "SELECT file_name FROM meta.loads WHERE raw_table = 'governance_indicators' "
                              "AND status = 'passed' AND vintage NOT LIKE 'geopolrisk%'")
    assert loads, "the fetched World Bank file was not loaded"
