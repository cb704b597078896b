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


def fig(frame, country: str, year: int, metric: str) -> dict:
    """The single tidy figure of a country, year and metric in a parsed frame."""
    import polars as pl

    rows = frame.filter((pl.col("country_published") == country) & (pl.col("year") == year) & (pl.col("metric") == metric))
    assert rows.height == 1, f"{country} {year} {metric}: {rows.height} rows"
    return rows.row(0, named=True)


def edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of a curated file with one text replaced (which must be there)."""
    from ingest.locations import CURATED_DIR

    text = (CURATED_DIR / name).read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / name
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p
