"""Helpers of the integration tests, imported as `integration_helpers` (tests/integration is on
pytest's pythonpath): where the real publisher files are, the loads a cold run makes, and
small readers of warehouse files and loopback servers."""

from __future__ import annotations

from pathlib import Path

from helpers import PROJECT

REAL = PROJECT.parent / "shared" / "data" / "real"
USGS = REAL / "usgs"
BGS = REAL / "bgs"


def expected_loads() -> int:
    """Loads of a cold daily run: one per snapshot file, and one per table of each curated file
    (claims, the tables of projects.yml)."""
    from ingest.snapshot import load_manifest
    from ingest.sources import all_sources

    curated = sum(len(s.datasets) for s in all_sources().values() if any(i.curated_file for i in s.inputs))
    return len(load_manifest()) + curated


def digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(path: Path, sql: str, params=None):
    """Run a query on a warehouse file. The build file may still be open read-write in this
    process (dbt-duckdb keeps its connection after an in-process dbt run); DuckDB then
    refuses a read-only second config, so it is opened read-write."""
    import duckdb

    con = duckdb.connect(str(path), read_only=path.name != "build.duckdb")
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def reply(handler, status: int, headers: dict, body: bytes) -> None:
    """Send one scripted answer from a loopback test server's handler."""
    handler.send_response(status)
    for k, v in headers.items():
        handler.send_header(k, v)
    if "Content-Length" not in headers:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
