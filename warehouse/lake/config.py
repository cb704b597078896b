"""Where the lake is, from the environment: TUNGSTEN_LAKE_CATALOG, TUNGSTEN_LAKE_DATA,
TUNGSTEN_LAKE_KEEP. Credentials come only from the environment (libpq's PGPASSWORD for a
Postgres catalog, AWS_* for S3), never from these strings, and `redact` takes them out of any
text a user or a log sees.

TUNGSTEN_LAKE_CATALOG  DuckLake's metadata location: `sqlite:PATH`, `postgres:CONNINFO` (libpq
                       keywords without a password), a DuckDB file PATH, or `off` (no lake).
                       Default: sqlite:<serving folder>/<serving name>.lake/catalog.sqlite
TUNGSTEN_LAKE_DATA     where the Parquet files go: a folder or s3://bucket/prefix/.
                       Default: <serving folder>/<serving name>.lake/data/
TUNGSTEN_LAKE_KEEP     how much history to keep: `all` (default), `N builds`, or `N days`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

SECRET_VARIABLES = ("PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID")


class LakeConfigError(ValueError):
    """A lake setting that cannot be used; the message names the variable and why."""


@dataclass(frozen=True)
class Keep:
    """How much history the lake keeps: the last `builds` snapshots, or those younger than `days`."""

    builds: int | None = None
    days: int | None = None

    def describe(self) -> str:
        return f"the last {self.builds} builds" if self.builds else f"{self.days} days"


@dataclass(frozen=True)
class LakeConfig:
    catalog: str  # DuckLake's metadata location (sqlite:PATH, postgres:CONNINFO, a DuckDB PATH)
    data: str  # the data path: a folder (ending in /) or s3://bucket/prefix/
    keep: Keep | None = None  # None: everything

    @property
    def kind(self) -> str:
        """sqlite, postgres or duckdb: the catalog's database."""
        head = self.catalog.split(":", 1)[0]
        return head if head in ("sqlite", "postgres") else "duckdb"

    @property
    def on_s3(self) -> bool:
        return self.data.startswith("s3://")

    def describe(self) -> str:
        """Where the lake is, for messages: no credentials (the conninfo's password is refused
        when read, and redact() removes any secret from the environment)."""
        return redact(f"catalog {self.catalog}, data {self.data}")

    def local_paths(self) -> list[Path]:
        """The local files and folders of the lake (catalog file, data folder), for readers'
        allowed directories."""
        paths = []
        if self.kind != "postgres":
            paths.append(Path(self.catalog.removeprefix("sqlite:")))
        if not self.on_s3:
            paths.append(Path(self.data))
        return paths


def default_location(serving: Path) -> tuple[str, str]:
    """The local lake beside the serving file: <name>.lake/catalog.sqlite and <name>.lake/data/."""
    root = serving.parent / f"{serving.stem}.lake"
    return f"sqlite:{root / 'catalog.sqlite'}", f"{root / 'data'}/"


def from_env(serving: Path) -> LakeConfig | None:
    """The lake the environment names (the local default beside `serving` when it names none);
    None when TUNGSTEN_LAKE_CATALOG is `off`. LakeConfigError for a setting that cannot be used."""
    catalog = os.environ.get("TUNGSTEN_LAKE_CATALOG", "").strip()
    data = os.environ.get("TUNGSTEN_LAKE_DATA", "").strip()
    if catalog.lower() == "off":
        return None
    default_catalog, default_data = default_location(serving)
    if catalog.startswith("postgres:") and re.search(r"(^|\s|:)password\s*=", catalog, re.IGNORECASE):
        raise LakeConfigError("TUNGSTEN_LAKE_CATALOG holds a password: give it in PGPASSWORD (or ~/.pgpass) instead, "
                              "credentials come from the environment only")
    if re.match(r"^[a-z0-9+]+://[^/]*@", data, re.IGNORECASE):
        raise LakeConfigError("TUNGSTEN_LAKE_DATA holds credentials: give them in AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY instead")
    if catalog and not data and catalog.startswith("postgres:"):
        raise LakeConfigError("TUNGSTEN_LAKE_CATALOG is a Postgres catalog but TUNGSTEN_LAKE_DATA is not set: "
                              "name the folder or s3:// bucket its Parquet files go to")
    catalog = catalog or default_catalog
    data = data or (default_data if catalog == default_catalog else "")
    if not data:
        raise LakeConfigError("TUNGSTEN_LAKE_DATA is not set: name the folder or s3:// bucket the lake's Parquet files go to")
    if not data.startswith("s3://"):
        data = str(Path(data).expanduser().resolve()) + "/"
    if catalog.startswith("sqlite:"):
        catalog = "sqlite:" + str(Path(catalog.removeprefix("sqlite:")).expanduser().resolve())
    elif not catalog.startswith("postgres:"):
        catalog = str(Path(catalog).expanduser().resolve())
    return LakeConfig(catalog, data, parse_keep(os.environ.get("TUNGSTEN_LAKE_KEEP", "all")))


def parse_keep(text: str) -> Keep | None:
    """`all` -> None; `30`, `30 builds` -> the last 30 builds; `90 days` -> 90 days."""
    text = text.strip().lower()
    if text in ("", "all"):
        return None
    m = re.fullmatch(r"(\d+)\s*(builds?|days?)?", text)
    if not m or int(m.group(1)) < 1:
        raise LakeConfigError(f"TUNGSTEN_LAKE_KEEP={text!r}: say `all`, `N builds` or `N days` (N at least 1)")
    n = int(m.group(1))
    return Keep(days=n) if (m.group(2) or "").startswith("day") else Keep(builds=n)


def secrets() -> list[str]:
    """The credentials in the environment (values of SECRET_VARIABLES), longest first."""
    values = {os.environ.get(v, "") for v in SECRET_VARIABLES}
    return sorted((v for v in values if len(v) >= 4), key=len, reverse=True)


def redact(text: str) -> str:
    """text with every credential of the environment replaced by ***."""
    for value in secrets():
        text = text.replace(value, "***")
    return text
