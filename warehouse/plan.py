"""Is there anything for the daily job to do? Decided from hashes and the build file opened
read-only, without importing Dagster, dbt or Great Expectations, so that a run with nothing
changed costs well under a second."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest.provenance import sha256_file
from ingest.snapshot import SnapshotFile, load_manifest
from ingest.sources import all_sources
from warehouse import dbt_build, parquet_export
from warehouse.paths import Paths
from warehouse.publish import leftovers, served_fingerprints


def _loaded(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute("SELECT source_id, sha256 FROM meta.source_files").fetchall())


def _user_held(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute("SELECT source_id, vintage FROM meta.source_files WHERE origin = 'user'").fetchall())


@dataclass
class CuratedFile:
    """A curated file the daily job reads (by its source's input's command name)."""
    cli_name: str
    path: Path
    source_id: str
    sha256: str


@dataclass
class FilesToLoad:
    """What the daily job would load: snapshot files and curated files whose bytes the build
    does not hold (but for what a user's own file holds); damaged: a file is missing or not the
    one its manifest lists."""
    snapshots: list[SnapshotFile] = field(default_factory=list)
    curated: list[CuratedFile] = field(default_factory=list)
    damaged: bool = False

    def __bool__(self) -> bool:
        return bool(self.snapshots or self.curated or self.damaged)


def _files_to_load(paths: Paths, con: duckdb.DuckDBPyConnection | None) -> FilesToLoad:
    loaded, user = (_loaded(con), _user_held(con)) if con is not None else (set(), set())
    out = FilesToLoad()
    for snap in load_manifest(paths.snapshot):
        if (snap.source_id, snap.vintage) in user:
            continue
        if (snap.source_id, snap.sha256) not in loaded:
            out.snapshots.append(snap)
        elif not snap.path.exists() or sha256_file(snap.path) != snap.sha256:
            out.damaged = True
    for src in all_sources().values():
        if any(sid == src.id for sid, _v in user):
            continue
        for inp in src.inputs:
            if not inp.curated_file:
                continue
            path = paths.curated / inp.curated_file
            if not path.exists():
                out.damaged = True
            elif (src.id, sha := sha256_file(path)) not in loaded:
                out.curated.append(CuratedFile(inp.cli_name, path, src.id, sha))
    return out


def files_to_load(paths: Paths) -> FilesToLoad:
    """What the daily job will load, as far as can be told without opening the build file for
    writing (everything when there is no build yet). A guess at worst: the load step decides."""
    try:
        if not paths.build.exists():
            return _files_to_load(paths, None)
        con = duckdb.connect(str(paths.build), read_only=True)
    except (duckdb.Error, OSError):
        return FilesToLoad(damaged=True)
    try:
        return _files_to_load(paths, con)
    except (duckdb.Error, OSError):
        return FilesToLoad(damaged=True)
    finally:
        con.close()


def up_to_date(paths: Paths) -> bool:
    """True when every file the daily job reads is loaded as it is, and the serving file was
    built from what the build holds (the same raw files, reference tables and dbt project).
    Any doubt (no build yet, a file edited, a build file being written, a killed publish's
    temporary copy to remove) answers False."""
    from warehouse.refresh import raw_fingerprint

    if not paths.build.exists() or not paths.serving.exists() or leftovers(paths.serving):
        return False
    try:
        con = duckdb.connect(str(paths.build), read_only=True)
    except duckdb.Error:
        return False
    try:
        if _files_to_load(paths, con):
            return False
        fingerprints = {"raw": raw_fingerprint(con), "dbt": dbt_build.fingerprint()}
    except (duckdb.Error, OSError, FileNotFoundError):
        return False
    finally:
        con.close()
    if served_fingerprints(paths.serving) != fingerprints:
        return False
    try:
        return parquet_export.problem(paths.serving) is None
    except (duckdb.Error, OSError):
        return False
