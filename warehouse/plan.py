"""Is there anything for the daily job to do? Decided from hashes and the build file opened
read-only, without importing Dagster, dbt or Great Expectations, so that a run with nothing
changed costs well under a second."""

from __future__ import annotations

import duckdb

from ingest.provenance import sha256_file
from ingest.snapshot import load_manifest
from ingest.sources import all_sources
from warehouse import dbt_build
from warehouse.paths import Paths
from warehouse.publish import leftovers, served_fingerprints


def _loaded(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute("SELECT source_id, sha256 FROM meta.source_files").fetchall())


def _user_held(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute("SELECT source_id, vintage FROM meta.source_files WHERE origin = 'user'").fetchall())


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
        loaded, user = _loaded(con), _user_held(con)
        for snap in load_manifest(paths.snapshot):
            if (snap.source_id, snap.vintage) in user:
                continue
            if (snap.source_id, snap.sha256) not in loaded or not snap.path.exists() or sha256_file(snap.path) != snap.sha256:
                return False
        for src in all_sources().values():
            for inp in src.inputs:
                if inp.curated_file and not any(sid == src.id for sid, _v in user):
                    path = paths.curated / inp.curated_file
                    if not path.exists() or (src.id, sha256_file(path)) not in loaded:
                        return False
        fingerprints = {"raw": raw_fingerprint(con), "dbt": dbt_build.fingerprint()}
    except (duckdb.Error, OSError, FileNotFoundError):
        return False
    finally:
        con.close()
    return served_fingerprints(paths.serving) == fingerprints
