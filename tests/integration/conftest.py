"""Fixtures of the integration tests: the real publisher files in ../shared/data/real, and
warehouses built in temporary directories (one built once per session, copied for tests that
change it).

These tests need shared/ beside the project; without it pytest stops (a usage error at start-up,
or a collection error of tests/integration) naming the path it expected. tests/unit needs
nothing outside the repository."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import restore, warehouse_env
from integration_helpers import REAL


def pytest_configure(config):
    """Called when this conftest is loaded: at start-up when integration tests are named (or
    are in testpaths), during collection when a folder above them is; never for tests/unit alone."""
    if not REAL.exists():
        raise pytest.UsageError(
            f"the integration tests need the real publisher files at {REAL} (shared/ beside the project); "
            "run `pytest tests/unit` for the tests that need nothing outside the repository")


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
        restore(old)
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
