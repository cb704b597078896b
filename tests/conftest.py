"""Shared fixtures: the real publisher files in ../shared/data/real, and warehouses built
in temporary directories (one built once per session, copied for tests that change it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
REAL = PROJECT.parent / "shared" / "data" / "real"
USGS = REAL / "usgs"
BGS = REAL / "bgs"


def pytest_configure(config):
    if not REAL.exists():
        raise pytest.UsageError(f"the real publisher files are expected at {REAL} (shared/ beside the project)")


@pytest.fixture(scope="session", autouse=True)
def _state_outside_the_repo(tmp_path_factory):
    """No test writes the repository's var/ or warehouse/ files: a test that sets no warehouse of
    its own gets a scratch one. DAGSTER_HOME is left unset, so each warehouse keeps its Dagster
    instance under its TUNGSTEN_HOME (tungsten_cli.daily.dagster_home)."""
    root = tmp_path_factory.mktemp("default")
    saved = {k: os.environ.get(k) for k in (*warehouse_env(root), "DAGSTER_HOME")}
    os.environ.update(warehouse_env(root))
    os.environ.pop("DAGSTER_HOME", None)
    yield
    _restore(saved)


@pytest.fixture(autouse=True)
def _no_dagster_home_between_tests():
    """run_daily sets DAGSTER_HOME to the warehouse's instance for the rest of the process; it
    must not carry one test's (or the session build's) instance into the next test."""
    saved = {"DAGSTER_HOME": os.environ.pop("DAGSTER_HOME", None)}
    yield
    os.environ.pop("DAGSTER_HOME", None)
    _restore(saved)


def _restore(saved: dict[str, str | None]) -> None:
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def warehouse_env(root: Path) -> dict[str, str]:
    return {
        "TUNGSTEN_HOME": str(root / "home"),
        "TUNGSTEN_SERVING_PATH": str(root / "serving" / "tungsten.duckdb"),
    }


@pytest.fixture(scope="session")
def built_warehouse(built_run) -> Path:
    """A warehouse built once by a cold run of the daily Dagster job (in-process executor) on
    the embedded snapshot; its Dagster instance is home/dagster."""
    return built_run[0]


@pytest.fixture(scope="session")
def built_run(tmp_path_factory):
    """(root, RefreshSummary) of the session's cold daily run (see built_warehouse)."""
    from tungsten_cli.daily import run_daily
    from warehouse.paths import current

    root = tmp_path_factory.mktemp("built")
    old = {k: os.environ.get(k) for k in (*warehouse_env(root), "DAGSTER_HOME")}
    os.environ.update(warehouse_env(root))
    os.environ.pop("DAGSTER_HOME", None)
    try:
        summary = run_daily(current(), executor="in_process")
        assert summary.ok, summary.errors
        assert summary.published
    finally:
        _restore(old)
    return root, summary


@pytest.fixture
def warehouse(built_warehouse, tmp_path, monkeypatch):
    """A private copy of the built warehouse, with the environment pointing at it."""
    root = tmp_path / "wh"
    shutil.copytree(built_warehouse, root)
    for k, v in warehouse_env(root).items():
        monkeypatch.setenv(k, v)
    from warehouse.paths import current

    return current()


@pytest.fixture
def serving_con(built_warehouse):
    import duckdb

    con = duckdb.connect(warehouse_env(built_warehouse)["TUNGSTEN_SERVING_PATH"], read_only=True)
    yield con
    con.close()


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
