"""A DuckDB connection with the lake attached as `lake`: the extensions loaded from their
packages (duckdb-extension-ducklake, -sqlite-scanner, -postgres, -httpfs: offline, no
extension repository), S3 credentials from the environment as a temporary secret, and every
error turned into LakeUnreachable naming the lake without its credentials."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from warehouse.lake.config import LakeConfig, redact

ALIAS = "lake"
EXTENSIONS = {"sqlite": "sqlite_scanner", "postgres": "postgres"}  # catalog kind -> extension


class LakeUnreachable(Exception):
    """The lake could not be opened or written; the message names it (never its credentials)."""


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD an extension shipped as a Python package (duckdb-extension-<name>), installing it from
    the package into DuckDB's extension folder on first use (duckdb_extensions.import_extension)."""
    try:
        con.execute(f"LOAD {name}")
        return
    except duckdb.Error:
        pass
    from duckdb_extensions import import_extension

    import_extension(name, con=con)
    con.execute(f"LOAD {name}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def s3_secret_sql(data: str) -> str:
    """CREATE TEMPORARY SECRET for the bucket from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and
    AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL for an S3-compatible server), scoped to the bucket."""
    import os
    from urllib.parse import urlparse

    env = os.environ
    parts = ["TYPE s3", "PROVIDER config", f"SCOPE {_literal(data)}"]
    for option, variable in (("KEY_ID", "AWS_ACCESS_KEY_ID"), ("SECRET", "AWS_SECRET_ACCESS_KEY"),
                             ("SESSION_TOKEN", "AWS_SESSION_TOKEN")):
        if env.get(variable):
            parts.append(f"{option} {_literal(env[variable])}")
    parts.append(f"REGION {_literal(env.get('AWS_REGION') or env.get('AWS_DEFAULT_REGION') or 'us-east-1')}")
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        url = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
        parts += [f"ENDPOINT {_literal(url.netloc)}", "URL_STYLE 'path'",
                  f"USE_SSL {'true' if url.scheme == 'https' else 'false'}"]
    return "CREATE OR REPLACE TEMPORARY SECRET tungsten_lake_s3 (" + ", ".join(parts) + ")"


def connect(config: LakeConfig, *, read_only: bool = False, snapshot: int | None = None,
            at_time: dt.datetime | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the lake attached as `lake` (read-only and at one
    snapshot if asked). A writer makes the local catalog's folder and data folder."""
    con = duckdb.connect()
    try:
        load_extension(con, "ducklake")
        if config.kind in EXTENSIONS:
            load_extension(con, EXTENSIONS[config.kind])
        if config.on_s3:
            load_extension(con, "httpfs")
            con.execute(s3_secret_sql(config.data))
        elif not read_only:
            Path(config.data).mkdir(parents=True, exist_ok=True)
        if config.kind != "postgres" and not read_only:
            Path(config.catalog.removeprefix("sqlite:")).parent.mkdir(parents=True, exist_ok=True)
        if read_only and config.kind != "postgres" and not Path(config.catalog.removeprefix("sqlite:")).exists():
            raise LakeUnreachable(f"no lake at {config.describe()}: run `tungsten refresh` first")
        # the configured data path wins over the one the catalog recorded (a lake moved or copied whole)
        options = [f"DATA_PATH {_literal(config.data)}", "OVERRIDE_DATA_PATH true"]
        if read_only:
            options.append("READ_ONLY")
        if snapshot is not None:
            options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
        elif at_time is not None:
            options.append(f"SNAPSHOT_TIME {_literal(at_time.isoformat())}")
        con.execute(f"ATTACH {_literal('ducklake:' + config.catalog)} AS {ALIAS} ({', '.join(options)})")
    except LakeUnreachable:
        con.close()
        raise
    except (duckdb.Error, OSError) as exc:
        con.close()
        raise LakeUnreachable(f"cannot open the lake ({config.describe()}): {redact(str(exc))}") from None
    return con
