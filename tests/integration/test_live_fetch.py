"""The live path against a loopback HTTP server that replays ScienceBase: item JSON, then the
real MCS2026 file; with a 429 before success, a persistent 500, a truncated body and an
item without files. Only 127.0.0.1 is contacted."""

import http.server
import json
import threading

import pytest
from integration_helpers import USGS, reply

from ingest.http import FetchError, HttpSettings, get_bytes
from ingest.sources.usgs_mcs.sciencebase import fetch_edition

FAST = HttpSettings(timeout_s=5, attempts=3, backoff_s=0.01)
REAL_FILE = (USGS / "MCS2026_Commodities_Data_TUNGSTEN_rows.csv").read_bytes()


class Replay(http.server.BaseHTTPRequestHandler):
    """Serves a script: path -> list of (status, headers, body) answered in turn (the last repeats)."""

    script: dict = {}
    hits: dict = {}

    def do_GET(self):
        path = self.path.split("?")[0]
        answers = self.script.get(path)
        if answers is None:
            self.send_error(404)
            return
        n = self.hits.get(path, 0)
        self.hits[path] = n + 1
        status, headers, body = answers[min(n, len(answers) - 1)]
        reply(self, status, headers, body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    Replay.script, Replay.hits = {}, {}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("TUNGSTEN_SCIENCEBASE_URL", base + "/catalog")
    monkeypatch.setenv("TUNGSTEN_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("TUNGSTEN_HTTP_ATTEMPTS", "3")
    yield base
    httpd.shutdown()


def item(base, name="MCS2026_Commodities_Data.csv", size=len(REAL_FILE)):
    return json.dumps({"id": "696a75d5d4be0228872d3bf8", "title": "MCS 2026 Data Release",
                       "files": [{"name": name, "url": f"{base}/files/{name}", "size": size, "contentType": "text/csv"},
                                 {"name": "MCS2026_metadata.xml", "url": f"{base}/files/meta.xml", "size": 10}]}).encode()


def test_429_then_200_is_retried(server, tmp_path):
    Replay.script = {"/catalog/item/696a75d5d4be0228872d3bf8": [(200, {}, item(server))],
                     "/files/MCS2026_Commodities_Data.csv": [(429, {"Retry-After": "0"}, b"slow down"), (200, {}, REAL_FILE)]}
    files = fetch_edition("MCS2026", tmp_path, settings=FAST)
    assert [f.name for f in files] == ["MCS2026_Commodities_Data.csv"]
    assert files[0].read_bytes() == REAL_FILE
    assert Replay.hits["/files/MCS2026_Commodities_Data.csv"] == 2


def test_persistent_500_gives_a_clear_error(server, tmp_path):
    Replay.script = {"/catalog/item/696a75d5d4be0228872d3bf8": [(500, {}, b"oops")]}
    with pytest.raises(FetchError, match=r"HTTP 500 \(gave up after 3 attempts\)"):
        fetch_edition("MCS2026", tmp_path, settings=FAST)
    assert Replay.hits["/catalog/item/696a75d5d4be0228872d3bf8"] == 3
    assert not list(tmp_path.iterdir())


def test_truncated_body_is_retried_then_refused(server, tmp_path):
    Replay.script = {"/x": [(200, {"Content-Length": str(len(REAL_FILE))}, REAL_FILE[:1000])]}
    with pytest.raises(FetchError, match="gave up after 3 attempts"):
        get_bytes(server + "/x", settings=FAST)


def test_item_without_the_wanted_files(server, tmp_path):
    Replay.script = {"/catalog/item/696a75d5d4be0228872d3bf8": [(200, {}, json.dumps({"files": []}).encode())]}
    with pytest.raises(FetchError, match="lists no world, tungsten or commodities CSV"):
        fetch_edition("MCS2026", tmp_path, settings=FAST)


def test_not_found_is_not_retried(server):
    with pytest.raises(FetchError, match="HTTP 404"):
        get_bytes(server + "/nothing", settings=FAST)
    assert Replay.hits == {}


@pytest.mark.slow
def test_fetch_command_loads_and_publishes(server, warehouse):
    from typer.testing import CliRunner

    from tungsten_cli.app import app

    Replay.script = {"/catalog/item/696a75d5d4be0228872d3bf8": [(200, {}, item(server))],
                     "/files/MCS2026_Commodities_Data.csv": [(503, {}, b""), (200, {}, REAL_FILE)]}
    r = CliRunner().invoke(app, ["fetch", "usgs", "--edition", "MCS2026"])
    assert r.exit_code == 0, r.output
    assert "published" in r.stdout
    landed = list(warehouse.landing.rglob("MCS2026_Commodities_Data.csv"))
    assert landed and landed[0].read_bytes() == REAL_FILE
    import duckdb

    con = duckdb.connect(str(warehouse.serving), read_only=True)
    assert con.execute("SELECT DISTINCT source_file FROM raw.figures WHERE source_id = 'usgs_mcs' "
                       "AND dataset = 'world' AND vintage = 'MCS2026'").fetchall() == [
        ("MCS2026_Commodities_Data.csv",)]
    con.close()
