"""The daily job and the one-file ingest, as plain functions (Dagster and the CLI call these).

refresh: load every snapshot file whose bytes changed, then (only if anything the marts
depend on changed) dbt build and publish. One writer at a time (a lock file); readers use
the serving file and are never blocked.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest.errors import ParseError
from ingest.provenance import sha256_bytes, sha256_file
from ingest.snapshot import SnapshotFile, load_manifest
from ingest.tidy import empty_frame
from warehouse import dbt_build, landing, reference_tables
from warehouse.load import (
    LoadRefused,
    LoadRequest,
    LoadResult,
    discard_unfinished,
    held_by_user_file,
    is_current,
    load_file,
    new_load_id,
    record_skip,
    record_unreadable,
)
from warehouse.paths import Paths, apply_duckdb_settings
from warehouse.publish import publish, served_fingerprints
from warehouse.schema import ensure_schema

Progress = Callable[[str], None]


class RefreshError(Exception):
    """A refresh that could not complete; the serving file is what it was before."""


@dataclass
class RefreshSummary:
    loads: list[LoadResult] = field(default_factory=list)
    built: bool = False
    dbt_models: int = 0
    dbt_tests: int = 0
    published: bool = False
    serving_path: Path | None = None
    table_rows: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    deferred: bool = False  # loaded, build and publish left to the next refresh

    @property
    def ok(self) -> bool:
        return not self.errors


@contextmanager
def writer_lock(paths: Paths) -> Iterator[None]:
    paths.ensure()
    with open(paths.lock, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshError(f"another refresh holds {paths.lock}; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def connect_build(paths: Paths) -> duckdb.DuckDBPyConnection:
    """The build file, its schema current, the rows of any load a crash interrupted deleted
    (DuckDB lets one process at a time open the file for writing, so no load is running)."""
    con = duckdb.connect(str(paths.build))
    apply_duckdb_settings(con)
    ensure_schema(con)
    discard_unfinished(con)
    return con


def _request(snap: SnapshotFile) -> LoadRequest:
    from ingest.registry import dataset_of

    dataset = dataset_of(snap.table)[1]
    return LoadRequest(snap.table, snap.source_id, snap.vintage, dataset, snap.read(), snap.path.name, snap.sha256,
                       {"original": snap.original, "provenance": snap.provenance})


def load_snapshot(paths: Paths, con: duckdb.DuckDBPyConnection, progress: Progress, tables: set[str] | None = None) -> tuple[list[LoadResult], list[str]]:
    """Load the changed snapshot files (optionally only some raw tables); refusals are collected, not raised."""
    results, errors = [], []
    for snap in load_manifest(paths.snapshot):
        if tables is not None and snap.table not in tables:
            continue
        actual = sha256_file(snap.path)
        if actual != snap.sha256:
            errors.append(f"{snap.path}: sha256 {actual} does not match the manifest ({snap.sha256}); "
                          "the snapshot was edited by hand: rebuild it with `tungsten snapshot build`")
            continue
        stub = LoadRequest(snap.table, snap.source_id, snap.vintage, "", empty_frame(), snap.path.name, snap.sha256)
        if is_current(con, snap.table, snap.sha256):
            results.append(record_skip(con, stub))
            continue
        user_file = held_by_user_file(con, snap.table, snap.source_id, snap.vintage)
        if user_file:
            results.append(record_skip(con, stub, f"kept {user_file}, ingested by a user for this edition"))
            continue
        progress(f"loading {snap.table} {snap.vintage} ({snap.path.name})")
        landed = landing.store(paths.landing, snap.source_id, snap.sha256, snap.path)
        try:
            results += load_file(con, [_request(snap)], landing_dir=paths.landing, landed_path=landed)
        except LoadRefused as exc:
            results += exc.results
            errors.append(str(exc))
    return results, errors


CURATED_FILES = {"claims": "claims.csv", "projects": "projects.yml"}
CURATED_MAIN_TABLE = {"claims": "claims", "projects": "projects"}


def load_curated(paths: Paths, con: duckdb.DuckDBPyConnection, progress: Progress) -> tuple[list[LoadResult], list[str]]:
    """Load the curated claims and projects files (every refresh; unchanged bytes are skipped)."""
    results, errors = [], []
    for source, name in CURATED_FILES.items():
        path = paths.curated / name
        if not path.exists():
            errors.append(f"{path}: curated file missing")
            continue
        if held_by_user_file(con, CURATED_MAIN_TABLE[source]):
            continue  # a file given to `tungsten ingest` holds these tables
        try:
            results += load_one_file(paths, con, source, path, progress, origin="curated")
        except LoadRefused as exc:
            results += exc.results
            errors.append(str(exc))
        except ParseError as exc:
            errors.append(str(exc))
    return results, errors


SMALL_FILE_BYTES = 64 << 20  # read whole into memory below this; larger files are streamed by their parser


def load_one_file(paths: Paths, con: duckdb.DuckDBPyConnection, source: str, file: Path, progress: Progress, *,
                  vintage: str | None = None, origin: str = "user", options: dict | None = None) -> list[LoadResult]:
    """Land, parse, validate and load one file (all its tables or none). Raises ParseError or LoadRefused."""
    from ingest.registry import SOURCE_IDS, parse_file, raw_table
    from ingest.snapshot import provenance_for

    from warehouse.validate import warm_up

    size = file.stat().st_size
    if size >= SMALL_FILE_BYTES:
        warm_up()  # GX's import overlaps the seconds a bulk file takes to hash and land
    data = file.read_bytes() if size < SMALL_FILE_BYTES else None
    sha = sha256_bytes(data) if data is not None else sha256_file(file)
    landed = landing.store(paths.landing, SOURCE_IDS[source], sha, file)

    def unreadable(exc: ParseError) -> None:
        record_unreadable(con, landing_dir=paths.landing, source_id=SOURCE_IDS[source], file_name=file.name,
                          sha256=sha, message=str(exc))

    try:
        parsed = parse_file(source, file, vintage=vintage, data=data, **(options or {}))
    except ParseError as exc:
        unreadable(exc)
        raise
    try:
        prov = {**provenance_for(parsed.source_id, parsed.vintage), "date_accessed": dt.date.today().isoformat()}
    except KeyError:
        prov = {"date_accessed": dt.date.today().isoformat()}
    original = {"file_name": file.name, "sha256": parsed.sha256, "bytes": size,
                "encoding": parsed.encoding, "format": parsed.format}
    requests = [
        LoadRequest(raw_table(parsed.source_id, ds), parsed.source_id, parsed.vintage, ds, frame, file.name,
                    parsed.sha256, {"original": original, "provenance": prov, "origin": origin})
        for ds, frame in parsed.frames.items()
    ]
    if all(is_current(con, r.raw_table, r.sha256) for r in requests):
        return [record_skip(con, r) for r in requests]
    rows = parsed.rows
    progress(f"validating and loading {file.name} ({parsed.format}, {parsed.vintage}"
             + (f", {rows} rows)" if rows is not None else ", in chunks)"))
    try:
        return load_file(con, requests, landing_dir=paths.landing, landed_path=landed)
    except ParseError as exc:  # a later chunk of a streamed file
        unreadable(exc)
        raise


def raw_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT raw_table, source_id, vintage, sha256 FROM meta.source_files ORDER BY ALL").fetchall()
    ref = reference_tables.frames()
    h = hashlib.sha256(repr(rows).encode())
    for name in sorted(ref):
        h.update(name.encode())
        h.update(ref[name].write_csv().encode())
    return h.hexdigest()


def build_and_publish(paths: Paths, summary: RefreshSummary, progress: Progress, *, force: bool = False) -> None:
    """dbt build then publish, unless nothing the marts depend on changed since the last publish."""
    con = connect_build(paths)
    try:
        reference_tables.write(con)
        raw_fp, dbt_fp = raw_fingerprint(con), dbt_build.fingerprint()
    finally:
        con.close()
    if not force and served_fingerprints(paths.serving) == {"raw": raw_fp, "dbt": dbt_fp}:
        progress("marts up to date: nothing to rebuild or publish")
        summary.serving_path = paths.serving
        return
    progress("dbt build (staging, intermediate, marts and their tests)")
    outcome = dbt_build.build(paths)
    summary.built = True
    summary.dbt_models, summary.dbt_tests = outcome.models, outcome.tests
    if not outcome.success:
        record_build(paths, raw_fp, dbt_fp, "failed", None, "; ".join(outcome.failures))
        raise RefreshError("dbt build failed, the serving file was not replaced:\n  - " + "\n  - ".join(outcome.failures))
    progress(f"publishing {paths.serving}")
    summary.table_rows = publish_build(paths, raw_fp, dbt_fp)
    summary.published = True
    summary.serving_path = paths.serving


def publish_build(paths: Paths, raw_fp: str | None = None, dbt_fp: str | None = None) -> dict[str, int]:
    """Publish the build file as the serving file and record the build; fingerprints are
    computed here when the caller (the Dagster asset) has none."""
    if raw_fp is None:
        con = connect_build(paths)
        try:
            raw_fp = raw_fingerprint(con)
        finally:
            con.close()
    dbt_fp = dbt_fp or dbt_build.fingerprint()
    counts = publish(paths.build, paths.serving, {"raw": raw_fp, "dbt": dbt_fp})
    record_build(paths, raw_fp, dbt_fp, "published", str(paths.serving), None)
    return counts


def record_build(paths: Paths, raw_fp: str, dbt_fp: str, status: str, serving: str | None, message: str | None) -> None:
    con = connect_build(paths)
    try:
        con.execute("INSERT INTO meta.builds VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [new_load_id(), dt.datetime.now(dt.UTC), raw_fp, dbt_fp, status, serving, message])
    finally:
        con.close()


def refresh(paths: Paths, progress: Progress = lambda _m: None, *, force: bool = False) -> RefreshSummary:
    """The daily job on the embedded snapshot."""
    t0 = time.perf_counter()
    summary = RefreshSummary()
    with writer_lock(paths):
        con = connect_build(paths)
        try:
            summary.loads, summary.errors = load_snapshot(paths, con, progress)
            curated_loads, curated_errors = load_curated(paths, con, progress)
            summary.loads += curated_loads
            summary.errors += curated_errors
        finally:
            con.close()
        if summary.errors:
            summary.serving_path = paths.serving
        else:
            build_and_publish(paths, summary, progress, force=force)
    summary.duration_s = time.perf_counter() - t0
    return summary


def fetch_usgs(paths: Paths, edition: str, progress: Progress = lambda _m: None, *, item: str | None = None) -> RefreshSummary:
    """Download an MCS edition's data release from ScienceBase, then load each file and publish.

    Files are saved (and landed) before parsing; a failed download changes nothing.
    """
    from ingest.sciencebase import fetch_edition

    progress(f"fetching {edition} from ScienceBase")
    files = fetch_edition(edition, paths.home / "downloads" / edition, item=item)
    return _load_then_publish(paths, [("usgs", f, edition) for f in files], progress, collect_parse_errors=True)


def fetch_comtrade(paths: Paths, years: list[int], progress: Progress = lambda _m: None) -> RefreshSummary:
    """Fetch the tungsten codes for these years from the UN Comtrade API, then load and publish.

    Each response is saved before parsing and landed by the loader; a response with no
    records is reported and not loaded. A failed fetch raises FetchError and changes nothing.
    """
    from ingest.comtrade_api import fetch_years

    saved = fetch_years(years, paths.home / "downloads" / "comtrade", progress=progress)
    for s in saved:
        if not s.records:
            progress(f"{s.path.name}: no records (the API has no data for this query yet)")
    files = [("comtrade", s.path, s.vintage) for s in saved if s.records]
    if not files:
        summary = RefreshSummary(serving_path=paths.serving)
        return summary
    return _load_then_publish(paths, files, progress, collect_parse_errors=True)


def ingest_file(paths: Paths, source: str, file: Path, progress: Progress = lambda _m: None, *, vintage: str | None = None,
                options: dict | None = None, publish: bool = True) -> RefreshSummary:
    """Load one file the user gives (publisher file or curated file), then rebuild the marts and publish.

    A ParseError propagates (after the attempt is recorded and the file landed); a refusal
    by the gate is returned in the summary's errors; either way the serving file is unchanged.
    publish=False stops after the load (several bulk files are then built and published once,
    by the next `tungsten refresh`).
    """
    return _load_then_publish(paths, [(source, Path(file), vintage)], progress, collect_parse_errors=False,
                              options=options, publish=publish)


def _load_then_publish(paths: Paths, files: list[tuple[str, Path, str | None]], progress: Progress, *,
                       collect_parse_errors: bool, options: dict | None = None, publish: bool = True) -> RefreshSummary:
    """Load user-given files under the writer lock; publish only if every one was accepted."""
    t0 = time.perf_counter()
    summary = RefreshSummary()
    with writer_lock(paths):
        con = connect_build(paths)
        try:
            for source, file, vintage in files:
                try:
                    summary.loads += load_one_file(paths, con, source, file, progress, vintage=vintage, origin="user",
                                                   options=options)
                except LoadRefused as exc:
                    summary.loads += exc.results
                    summary.errors.append(str(exc))
                except ParseError as exc:
                    if not collect_parse_errors:
                        raise
                    summary.errors.append(str(exc))
        finally:
            con.close()
        if not summary.errors and publish:
            build_and_publish(paths, summary, progress)
        elif not summary.errors:
            summary.serving_path = paths.serving
            summary.deferred = True
    summary.duration_s = time.perf_counter() - t0
    return summary


