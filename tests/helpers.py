"""Helpers of both the unit and the integration tests, imported as `helpers` (tests/ is on
pytest's pythonpath: see [tool.pytest.ini_options] in pyproject.toml)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def warehouse_env(root: Path) -> dict[str, str]:
    return {
        "TUNGSTEN_HOME": str(root / "home"),
        "TUNGSTEN_SERVING_PATH": str(root / "serving" / "tungsten.duckdb"),
    }


def restore(saved: dict[str, str | None]) -> None:
    """Put environment variables back as saved (None: unset)."""
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
