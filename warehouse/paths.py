"""Where the warehouse keeps its files; every location can be moved by environment variable.

TUNGSTEN_HOME          state directory: build file, landing, validation reports (default <repo>/var)
TUNGSTEN_SERVING_PATH  the serving file SQL users and BI open (default <repo>/warehouse/tungsten.duckdb)
TUNGSTEN_SNAPSHOT_DIR  the embedded snapshot the default run loads (default <repo>/data/snapshot)
TUNGSTEN_CURATED_DIR   the curated claims and projects files (default <repo>/data/curated)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"


@dataclass(frozen=True)
class Paths:
    home: Path
    serving: Path
    snapshot: Path
    curated: Path = PROJECT_ROOT / "data" / "curated"

    @property
    def build(self) -> Path:
        """The private build file: only the pipeline opens it, one writer at a time."""
        return self.home / "build.duckdb"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def lock(self) -> Path:
        return self.home / "refresh.lock"

    @property
    def dbt_target(self) -> Path:
        return self.home / "dbt_target"

    def ensure(self) -> Paths:
        self.home.mkdir(parents=True, exist_ok=True)
        if not self.landing.exists():  # every file a user gave: not for other accounts to read
            self.landing.mkdir(mode=0o750)
            self.landing.chmod(0o750)
        self.serving.parent.mkdir(parents=True, exist_ok=True)
        return self


def current() -> Paths:
    """Paths from the environment, read at call time so tests and users can redirect them."""
    home = Path(os.environ.get("TUNGSTEN_HOME") or PROJECT_ROOT / "var")
    serving = Path(os.environ.get("TUNGSTEN_SERVING_PATH") or PROJECT_ROOT / "warehouse" / "tungsten.duckdb")
    snapshot = Path(os.environ.get("TUNGSTEN_SNAPSHOT_DIR") or PROJECT_ROOT / "data" / "snapshot")
    curated = Path(os.environ.get("TUNGSTEN_CURATED_DIR") or PROJECT_ROOT / "data" / "curated")
    return Paths(home.resolve(), serving.resolve(), snapshot.resolve(), curated.resolve())


def apply_duckdb_settings(con) -> None:
    """Settings for every read-write DuckDB connection of a run: a memory limit (DuckDB spills
    to disk past it, so a 10-million-row load stays in bounded memory) and no insertion-order
    bookkeeping. Applied with SET, not as connection config: dbt-duckdb may hold the same file
    open in this process, and DuckDB refuses a second connection with another config.
    TUNGSTEN_DUCKDB_MEMORY overrides the limit."""
    limit = os.environ.get("TUNGSTEN_DUCKDB_MEMORY", "1500MB")
    con.execute(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
    con.execute("SET preserve_insertion_order = false")
