"""`tungsten sql --lake` and `--as-of`: a user's query on the lake, at its newest snapshot or at
an earlier build's, with the same lock-down as the serving file's (warehouse.query): the lake
attached read-only, then every other file refused (DuckDB's allowed_directories keep the lake's
own catalog and data folder readable) and the settings locked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from warehouse.lake.config import LakeConfig
from warehouse.lake.connect import ALIAS, LakeUnreachable, connect
from warehouse.query import SETTINGS

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$")


def resolve_as_of(config: LakeConfig, as_of: str) -> int:
    """The snapshot a BUILD id (or a unique prefix of one) or a DATE/time (UTC: the last build
    published by then; a bare date means by the end of that day) names. LakeUnreachable with
    the builds there are when none matches."""
    con = connect(config, read_only=True)
    try:
        builds = con.execute(f"SELECT snapshot_id, json_extract_string(commit_extra_info, '$.build_id'), snapshot_time "
                             f"FROM ducklake_snapshots('{ALIAS}') WHERE commit_extra_info IS NOT NULL "
                             "ORDER BY snapshot_id").fetchall()
    finally:
        con.close()
    builds = [b for b in builds if b[1]]
    if DATE.match(as_of):
        moment = dt.datetime.fromisoformat(as_of.replace(" ", "T"))
        if len(as_of) == 10:
            moment += dt.timedelta(days=1)
        moment = moment.replace(tzinfo=dt.UTC)
        before = [b for b in builds if b[2] < moment]
        if not before:
            first = f"; the first build kept is {builds[0][1]} of {builds[0][2]:%Y-%m-%d %H:%M} UTC" if builds else ""
            raise LakeUnreachable(f"no build in the lake was published by {as_of}{first}")
        return before[-1][0]
    matches = [b for b in builds if b[1] == as_of] or [b for b in builds if b[1].startswith(as_of)]
    if len(matches) != 1:
        kept = ", ".join(b[1] for b in builds[-5:]) or "none"
        why = "names several builds" if matches else "is not a build id or a date (YYYY-MM-DD)"
        raise LakeUnreachable(f"--as-of {as_of} {why}; the latest builds in the lake: {kept}")
    return matches[0][0]


def lake_connector(config: LakeConfig, snapshot: int | None):
    """A connector for warehouse.query.open_query: the lake at `snapshot` (None: the newest),
    read-only, USE'd so queries name marts.x as on the serving file, then locked down."""

    def open_lake(temp_directory: Path) -> duckdb.DuckDBPyConnection:
        con = connect(config, read_only=True, snapshot=snapshot)
        try:
            con.execute(f"USE {ALIAS}")
            con.execute("SET temp_directory = ?", [str(temp_directory)])
            allowed = [str(p) for p in config.local_paths()] + ([config.data] if config.on_s3 else [])
            con.execute("SET allowed_directories = ?", [allowed + [str(temp_directory)]])
            for name, value in SETTINGS.items():
                if name != "lock_configuration":
                    con.execute(f"SET {name} = ?", [value])
            con.execute("SET lock_configuration = true")
        except BaseException:
            con.close()
            raise
        return con

    return open_lake
