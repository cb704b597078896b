"""Fixtures of every test, unit and integration: no test writes the repository's state.
The integration tests' fixtures (the real publisher files in ../shared/data/real, warehouses
built in temporary directories) are in tests/integration/conftest.py."""

from __future__ import annotations

import os

import pytest
from helpers import restore, warehouse_env


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
    restore(saved)


@pytest.fixture(autouse=True)
def _no_dagster_home_between_tests():
    """run_daily sets DAGSTER_HOME to the warehouse's instance for the rest of the process; it
    must not carry one test's (or the session build's) instance into the next test."""
    saved = {"DAGSTER_HOME": os.environ.pop("DAGSTER_HOME", None)}
    yield
    os.environ.pop("DAGSTER_HOME", None)
    restore(saved)


def pytest_collection_modifyitems(config, items):
    """Two tiers in one run: the fast tier (unit tests, and integration tests that read the
    session's one shared build or run no job of their own) first, the tests marked `slow` (each
    runs the daily job or a server itself) after it, so a failure of the fast tier shows early.
    `./bin/test fast` runs the fast tier alone (-m "not slow")."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)
