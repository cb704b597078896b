"""The live Comtrade path against a loopback server replaying API v1 responses: a 429 then a
200, a persistent 500, a truncated body, an empty `data`, the record cap, a missing or an
invalid key. Only 127.0.0.1 is contacted."""

import hashlib
import http.server
import threading
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
from integration_helpers import reply
from trade_files import BILATERAL, api_body, record

from ingest.http import FetchError, HttpSettings
from ingest.sources.un_comtrade.api import Client, fetch_years
from tungsten_cli.daily import run_daily
from warehouse.refresh import fetch_comtrade

FAST = HttpSettings(timeout_s=5, attempts=3, backoff_s=0.01)
PATH = "/data/v1/get/C/A/HS"


class Api(http.server.BaseHTTPRequestHandler):
    """Answers in turn from a script of (status, headers, body); records each query."""

    script: list = []
    queries: list = []

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != PATH:
            self.send_error(404)
            return
        Api.queries.append({k: v[0] for k, v in parse_qs(url.query).items()} | {"key": self.headers.get("Ocp-Apim-Subscription-Key")})
        n = len(Api.queries) - 1
        status, headers, body = Api.script[min(n, len(Api.script) - 1)]
        if callable(body):
            body = body(Api.queries[-1])
        reply(self, status, headers, body)

    def log_message(self, *args):
        pass


@pytest.fixture
def api(monkeypatch):
    Api.script, Api.queries = [], []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("TUNGSTEN_COMTRADE_URL", f"http://127.0.0.1:{httpd.server_address[1]}{PATH}")
    monkeypatch.setenv("COMTRADE_API_KEY", "test-key-123")
    monkeypatch.setenv("TUNGSTEN_COMTRADE_MIN_INTERVAL", "0")
    monkeypatch.setenv("TUNGSTEN_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("TUNGSTEN_HTTP_ATTEMPTS", "3")
    yield Api
    httpd.shutdown()


OK = (200, {"Content-Type": "application/json"}, api_body(BILATERAL))


@pytest.mark.slow
def test_429_then_200_loads_and_publishes(api, warehouse):
    api.script = [(429, {"Retry-After": "0"}, b'{"statusCode": 429, "message": "Rate limit is exceeded."}'), OK]
    loaded = fetch_comtrade(warehouse, [2022])
    assert loaded.ok and loaded.loads, loaded.errors
    summary = run_daily(warehouse, summary=loaded)  # fetch_comtrade only loads; the daily job publishes
    assert summary.ok and summary.published, summary.errors
    q = api.queries[-1]
    assert q["key"] == "test-key-123" and q["period"] == "2022" and q["flowCode"] == "M,X,RM,RX"
    assert q["cmdCode"].split(",")[:2] == ["2611", "284180"] and q["maxRecords"] == "100000"
    assert len(api.queries) == 2
    con = duckdb.connect(str(warehouse.serving), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.trade_flows WHERE source_id = 'un_comtrade'").fetchone()[0] == len(BILATERAL)
        assert con.execute("SELECT vintage FROM meta.source_files "
                           "WHERE raw_table = 'trade_flows' AND source_id = 'un_comtrade'").fetchone()[0] == "api-2022-all"
    finally:
        con.close()
    saved = list((warehouse.home / "downloads" / "comtrade").glob("*.json"))
    landed = list((warehouse.landing / "un_comtrade").rglob("*.json"))
    assert len(saved) == 1 and any(p.read_bytes() == saved[0].read_bytes() for p in landed)


def test_persistent_500_changes_nothing(api, warehouse):
    before = hashlib.sha256(warehouse.serving.read_bytes()).hexdigest()
    api.script = [(500, {}, b"Internal Server Error")]
    with pytest.raises(FetchError, match=r"HTTP 500 \(gave up after 3 attempts\)"):
        fetch_comtrade(warehouse, [2022])
    assert len(api.queries) == 3
    assert hashlib.sha256(warehouse.serving.read_bytes()).hexdigest() == before


def test_truncated_body_is_retried_then_refused(api, tmp_path):
    body = api_body(BILATERAL)
    cut = (200, {"Content-Length": str(len(body))}, body[: len(body) // 2])
    api.script = [cut, OK]
    saved = fetch_years([2022], tmp_path, settings=FAST)
    assert saved[0].records == len(BILATERAL) and len(api.queries) == 2
    # cut short with a matching length: complete HTTP, incomplete JSON
    api.script, api.queries = [(200, {}, body[:-25])], []
    with pytest.raises(FetchError, match="not complete JSON"):
        fetch_years([2022], tmp_path / "b", settings=FAST)
    assert not list((tmp_path / "b").glob("*.json"))


def test_empty_data_loads_nothing(api, warehouse):
    api.script = [(200, {}, api_body([]))]
    summary = fetch_comtrade(warehouse, [2024])
    assert summary.ok and not summary.loads and not summary.published
    saved = list((warehouse.home / "downloads" / "comtrade").glob("*.json"))
    assert len(saved) == 1


def test_a_year_at_the_record_cap_is_asked_again_code_by_code(api, tmp_path, monkeypatch):
    monkeypatch.setenv("TUNGSTEN_COMTRADE_MAX_RECORDS", "3")

    def answer(query):
        codes = query["cmdCode"].split(",")
        if len(codes) > 1:
            return api_body(BILATERAL[:3])  # 3 records: at the cap
        return api_body([record(842, 156, "M", codes[0], 2021, 1.0, 1.0)])

    api.script = [(200, {}, answer)]
    saved = fetch_years([2021], tmp_path, settings=FAST)
    assert len(api.queries) == 11 and [s.vintage for s in saved][:2] == ["api-2021-2611", "api-2021-284180"]
    assert all(s.records == 1 for s in saved)


def test_missing_and_invalid_keys(api, tmp_path, monkeypatch):
    api.script = [(401, {}, b'{"statusCode": 401, "message": "Access denied due to invalid subscription key."}')]
    with pytest.raises(FetchError, match="refused the key in COMTRADE_API_KEY \\(HTTP 401\\)"):
        fetch_years([2022], tmp_path, settings=FAST)
    assert len(api.queries) == 1  # not retried
    monkeypatch.delenv("COMTRADE_API_KEY")
    with pytest.raises(FetchError, match="COMTRADE_API_KEY is not set"):
        fetch_years([2022], tmp_path, settings=FAST)


def test_calls_are_spaced_and_budgeted(api, tmp_path, monkeypatch):
    monkeypatch.setenv("TUNGSTEN_COMTRADE_MIN_INTERVAL", "0.5")
    waits = []
    api.script = [OK]
    client = Client(FAST, sleep=waits.append)
    fetch_years([2020, 2021], tmp_path, client=client)
    assert len(waits) == 1 and 0 < waits[0] <= 0.5
    client.calls = client.calls_per_day
    with pytest.raises(FetchError, match="allows 500 a day"):
        fetch_years([2022], tmp_path, client=client)
