"""The steps of the daily job and the one-file ingest, as plain functions.

The daily job itself is defined once, as Dagster assets (dagster_project/), which call these
steps: load each source's changed files, write the reference tables, build the marts (only
if anything they depend on changed) and publish. `tungsten ingest` loads a user's file with
load_files, then runs that same job. One writer at a time (a lock file, waited for);
readers use the serving file and are never blocked.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest.errors import ParseError
from ingest.families import raw_table, table_schemas
from ingest.provenance import sha256_bytes, sha256_file
from ingest.snapshot import SnapshotFile, load_manifest
from ingest.sources import Source
from ingest.tidy import empty_frame
from warehouse import dbt_build, interrupts, landing, parquet_export, reference_tables
from warehouse.build_file import is_damage, set_aside
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
from warehouse.publish import publish, remove_leftovers, served_fingerprints
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
    warnings: list[str] = field(default_factory=list)  # the run went on; said after the summary
    deferred: bool = False  # loaded, build and publish left to the next refresh
    cancelled: bool = False  # stopped by Ctrl-C (SIGINT): the run is cancelled, nothing published halfway
    run_id: str | None = None  # the Dagster run of the daily job, when one ran

    @property
    def ok(self) -> bool:
        return not self.errors


LOCK_WAIT_S = float(os.environ.get("TUNGSTEN_LOCK_WAIT_S", "1800"))


@contextmanager
def writer_lock(paths: Paths, progress: Progress = lambda _m: None) -> Iterator[None]:
    """One writer of the build file at a time. A second writer waits for the first (Dagster's
    multiprocess executor may start two steps that write; a CLI run may meet a scheduled one),
    up to TUNGSTEN_LOCK_WAIT_S seconds, then gives up with a message naming the lock."""
    paths.ensure()
    with open(paths.lock, "w") as fh:
        deadline = time.monotonic() + LOCK_WAIT_S
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                interrupts.stop_if_interrupted()
                if time.monotonic() > deadline:
                    raise RefreshError(f"another refresh has held {paths.lock} for over {LOCK_WAIT_S:.0f} s; "
                                       "try again when it ends") from None
                if not told:
                    progress(f"waiting for another writer of the build file ({paths.lock})")
                    told = True
                time.sleep(0.2)
        try:
            # Whoever holds the lock is the only writer, so temporary copies beside the serving
            # file are a killed publish's orphans: remove them now, even if this run publishes nothing;
            # and a Parquet folder that is not the serving file's build (a kill between the two
            # switches, files written into it) is written again from the serving file.
            remove_leftovers(paths.serving)
            if (why := parquet_export.problem(paths.serving)) is not None:
                version = parquet_export.repair(paths.serving)
                progress(f"the Parquet folder was not the serving file's build ({why}): written again from it "
                         f"({version.name})")
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def connect_build(paths: Paths, progress: Progress = lambda _m: None) -> duckdb.DuckDBPyConnection:
    """The build file, its schema current, the rows of any load a crash interrupted deleted
    (DuckDB lets one process at a time open the file for writing, so no load is running).
    A damaged build file is set aside and made again: a new file, into which the files users
    gave are loaded again from landing/ in their order (the snapshot and curated files follow
    in the daily job, as on a first run)."""
    try:
        return _open_build(paths)
    except duckdb.Error as exc:
        if not is_damage(exc):
            raise
        aside = set_aside(paths.build)
        progress(f"the build file was damaged ({str(exc).splitlines()[0]}): set aside as {aside.name}; "
                 "rebuilding it from landing/ and the snapshot")
    con = _open_build(paths)
    _reload_landed(paths, con, progress)
    return con


def _open_build(paths: Paths) -> duckdb.DuckDBPyConnection:
    """A build file of the layout before raw families (raw.usgs_mcs_world...) is moved aside,
    not migrated: the build is rebuilt from the snapshot, and files users ingested stay in landing/."""
    con = _connect_when_free(paths.build)
    try:
        old = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                          "AND table_name = 'usgs_mcs_world'").fetchone()[0]
        if old:
            con.close()
            aside = paths.build.with_name(paths.build.name + ".before-raw-families")
            paths.build.replace(aside)
            con = duckdb.connect(str(paths.build))
        apply_duckdb_settings(con)
        ensure_schema(con)
        discard_unfinished(con)
    except BaseException:
        con.close()
        raise
    return con


READER_WAIT_S = 10.0


def _connect_when_free(build: Path) -> duckdb.DuckDBPyConnection:
    """Open the build file for writing. The writer lock keeps other writers out, not readers
    (`tungsten status`, the no-op check open it read-only for a moment, and DuckDB then refuses
    a writer): such a conflict is waited out for a few seconds."""
    deadline = time.monotonic() + READER_WAIT_S
    while True:
        try:
            return duckdb.connect(str(build))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _reload_landed(paths: Paths, con: duckdb.DuckDBPyConnection, progress: Progress) -> None:
    """Load again, in order, the user's files whose loads counted (landing's journal)."""
    entries = landing.loaded_files(paths.landing)
    for entry in entries:
        interrupts.stop_if_interrupted()
        landed = paths.landing / entry["path"]
        try:
            load_one_file(paths, con, entry["source"], landed, progress, vintage=entry.get("vintage"), origin="user",
                          options=entry.get("options") or None, journal=False,
                          replace_edition=bool(entry.get("replace_edition")),
                          accept_outliers=bool(entry.get("accept_outliers")))
        except (LoadRefused, ParseError) as exc:
            progress(f"not reloaded from landing: {str(exc).splitlines()[0]}")
    if entries:
        progress(f"reloaded {len(entries)} file(s) users gave from landing/")


def _request(snap: SnapshotFile, data: bytes) -> LoadRequest:
    frame = pl.read_csv(io.BytesIO(data), schema=table_schemas()[snap.table])
    return LoadRequest(snap.table, snap.source_id, snap.vintage, snap.dataset, frame, snap.path.name, snap.sha256,
                       {"original": snap.original, "provenance": snap.provenance})


@dataclass
class DueSnapshot:
    """A snapshot file and what the run does with it: "load", "skip" (why says why) or "error"
    (why: the file is not the one the manifest lists). data: its bytes, read once (hashed, landed
    and parsed from them)."""
    snap: SnapshotFile
    action: str
    why: str = ""
    data: bytes = b""


def _snapshots_due(paths: Paths, con: duckdb.DuckDBPyConnection, source: Source) -> list[DueSnapshot]:
    due = []
    for snap in load_manifest(paths.snapshot, {source.id}):
        data = snap.path.read_bytes() if snap.path.exists() else b""
        actual = sha256_bytes(data) if snap.path.exists() else "(missing)"
        if actual != snap.sha256:
            due.append(DueSnapshot(snap, "error", f"{snap.path}: sha256 {actual} does not match the manifest "
                                                  f"({snap.sha256}); the snapshot was edited by hand: rebuild it "
                                                  "with `tungsten snapshot build`"))
        elif is_current(con, snap.table, snap.source_id, snap.dataset, snap.sha256):
            due.append(DueSnapshot(snap, "skip", "unchanged (same sha256 already loaded)"))
        elif user_file := held_by_user_file(con, snap.table, snap.source_id, snap.vintage):
            due.append(DueSnapshot(snap, "skip", f"kept {user_file}, ingested by a user for this edition"))
        else:
            due.append(DueSnapshot(snap, "load", data=data))
    return due


def load_source(paths: Paths, con: duckdb.DuckDBPyConnection, source: Source, progress: Progress) -> tuple[list[LoadResult], list[str]]:
    """Load a source's changed files of the daily run: its snapshot files, or the curated files it
    reads from TUNGSTEN_CURATED_DIR; refusals are collected, not raised."""
    if any(i.curated_file for i in source.inputs):
        return _load_curated(paths, con, source, progress)
    results, errors = [], []
    for d in _snapshots_due(paths, con, source):
        snap = d.snap
        if d.action == "error":
            errors.append(d.why)
            continue
        if d.action == "skip":
            results.append(record_skip(con, LoadRequest(snap.table, snap.source_id, snap.vintage, snap.dataset,
                                                        empty_frame(), snap.path.name, snap.sha256), d.why))
            continue
        progress(f"loading {snap.source_id} {snap.vintage} {snap.dataset} ({snap.path.name})")
        landed = landing.store(paths.landing, snap.source_id, snap.sha256, snap.path, data=d.data)
        try:
            results += load_file(con, [_request(snap, d.data)], landing_dir=paths.landing, landed_path=landed)
        except LoadRefused as exc:
            results += exc.results
            errors.append(str(exc))
    return results, errors


def _load_curated(paths: Paths, con: duckdb.DuckDBPyConnection, source: Source, progress: Progress) -> tuple[list[LoadResult], list[str]]:
    """Load the curated files (every refresh; unchanged bytes are skipped)."""
    results, errors = [], []
    for inp in source.inputs:
        path = paths.curated / inp.curated_file
        if not path.exists():
            errors.append(f"{path}: curated file missing")
            continue
        # the curated inputs are named for their main table (claims -> raw.claims, projects -> raw.projects)
        if held_by_user_file(con, raw_table(source.family, inp.cli_name)):
            continue  # a file given to `tungsten ingest` holds these tables
        try:
            results += load_one_file(paths, con, inp.cli_name, path, progress, origin="curated")
        except (LoadRefused, ParseError) as exc:
            results += getattr(exc, "results", [])
            errors.append(str(exc))
    return results, errors


SMALL_FILE_BYTES = 64 << 20  # read whole into memory below this; larger files are streamed by their parser


def load_one_file(paths: Paths, con: duckdb.DuckDBPyConnection, source: str, file: Path, progress: Progress, *,
                  vintage: str | None = None, origin: str = "user", options: dict | None = None,
                  journal: bool = True, replace_edition: bool = False, accept_outliers: bool = False) -> list[LoadResult]:
    """Land, parse, validate and load one file (all its tables or none). Raises ParseError or LoadRefused.
    A user's file whose load counted goes into landing's journal (journal=False: it is being reloaded from it)."""
    from ingest.registry import parse_file
    from ingest.sources import resolve_command_name
    from warehouse.validate import warm_up

    src, _input = resolve_command_name(source)
    landing.check_regular_file(file)  # before anything reads it
    size = file.stat().st_size
    if size >= SMALL_FILE_BYTES:
        warm_up()  # GX's import overlaps the seconds a bulk file takes to hash and land
    data = file.read_bytes() if size < SMALL_FILE_BYTES else None
    sha = sha256_bytes(data) if data is not None else sha256_file(file)
    landed = landing.store(paths.landing, src.id, sha, file, data=data)

    def unreadable(exc: ParseError) -> None:
        record_unreadable(con, landing_dir=paths.landing, source_id=src.id, file_name=file.name,
                          sha256=sha, message=str(exc))

    try:
        parsed = parse_file(source, file, vintage=vintage, data=data, **(options or {}))
    except ParseError as exc:
        unreadable(exc)
        raise
    prov = {**src.provenance(parsed.vintage), "date_accessed": dt.date.today().isoformat()}
    original = {"file_name": file.name, "sha256": parsed.sha256, "bytes": size,
                "encoding": parsed.encoding, "format": parsed.format}
    requests = [
        LoadRequest(raw_table(src.family, ds), parsed.source_id, parsed.vintage, ds, frame, file.name,
                    parsed.sha256, {"original": original, "provenance": prov, "origin": origin},
                    replace_edition=replace_edition, accept_outliers=accept_outliers)
        for ds, frame in parsed.frames.items()
    ]
    if all(is_current(con, r.raw_table, r.source_id, r.dataset, r.sha256) for r in requests):
        return [record_skip(con, r) for r in requests]
    rows = parsed.rows
    progress(f"validating and loading {file.name} ({parsed.format}, {parsed.vintage}"
             + (f", {rows} rows)" if rows is not None else ", in chunks)"))
    try:
        results = load_file(con, requests, landing_dir=paths.landing, landed_path=landed)
    except ParseError as exc:  # a later chunk of a streamed file
        unreadable(exc)
        raise
    if origin == "user" and journal:
        landing.record_loaded(paths.landing, landed, source, vintage, options, replace_edition=replace_edition,
                              accept_outliers=accept_outliers)
    return results


def raw_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT raw_table, source_id, vintage, sha256 FROM meta.source_files ORDER BY ALL").fetchall()
    ref = reference_tables.frames()
    h = hashlib.sha256(repr(rows).encode())
    for name in sorted(ref):
        h.update(name.encode())
        h.update(ref[name].write_csv().encode())
    return h.hexdigest()


def marts_fingerprints(paths: Paths) -> dict[str, str]:
    """What the marts would be built from now: the raw files loaded (and reference tables),
    and the dbt project. Equal to the served file's record means nothing to rebuild."""
    con = connect_build(paths)
    try:
        return {"raw": raw_fingerprint(con), "dbt": dbt_build.fingerprint()}
    finally:
        con.close()


def marts_up_to_date(paths: Paths, fingerprints: dict[str, str] | None = None) -> bool:
    """The serving file was built from what the marts would be built from now (fingerprints:
    marts_fingerprints, when already computed)."""
    served = served_fingerprints(paths.serving)
    return served is not None and served == (fingerprints or marts_fingerprints(paths))


def publish_build(paths: Paths, fingerprints: dict[str, str] | None = None) -> dict[str, int]:
    """Publish the build file as the serving file and record the build with what it was built
    from (fingerprints: marts_fingerprints, when already computed)."""
    fps = fingerprints or marts_fingerprints(paths)
    counts = publish(paths.build, paths.serving, fps)
    record_build(paths, fps["raw"], fps["dbt"], "published", str(paths.serving), None)
    return counts


def record_failed_build(paths: Paths, message: str) -> None:
    fps = marts_fingerprints(paths)
    record_build(paths, fps["raw"], fps["dbt"], "failed", None, message)


def record_build(paths: Paths, raw_fp: str, dbt_fp: str, status: str, serving: str | None, message: str | None) -> None:
    con = connect_build(paths)
    try:
        con.execute("INSERT INTO meta.builds VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [new_load_id(), dt.datetime.now(dt.UTC), raw_fp, dbt_fp, status, serving, message])
    finally:
        con.close()


def download_usgs(paths: Paths, edition: str, progress: Progress = lambda _m: None, *,
                  item: str | None = None) -> list[tuple[str, Path, str | None]]:
    """Download an MCS edition's data release from ScienceBase into TUNGSTEN_HOME/downloads: the
    files to load, as (source, file, edition). A failed download raises FetchError."""
    from ingest.sources.usgs_mcs.sciencebase import fetch_edition

    progress(f"fetching {edition} from ScienceBase")
    files = fetch_edition(edition, paths.home / "downloads" / edition, item=item)
    return [("usgs_mcs", f, edition) for f in files]


def download_comtrade(paths: Paths, years: list[int], progress: Progress = lambda _m: None) -> list[tuple[str, Path, str | None]]:
    """Fetch the tungsten codes for these years from the UN Comtrade API into TUNGSTEN_HOME/downloads:
    the responses with records, to load. A response with no records is reported and left out; a
    failed fetch raises FetchError."""
    from ingest.sources.un_comtrade.api import fetch_years

    saved = fetch_years(years, paths.home / "downloads" / "comtrade", progress=progress)
    for s in saved:
        if not s.records:
            progress(f"{s.path.name}: no records (the API has no data for this query yet)")
    return [("un_comtrade", s.path, s.vintage) for s in saved if s.records]


def fetch_usgs(paths: Paths, edition: str, progress: Progress = lambda _m: None, *, item: str | None = None) -> RefreshSummary:
    """download_usgs, then each file loaded (without publishing)."""
    return load_files(paths, download_usgs(paths, edition, progress, item=item), progress, collect_parse_errors=True)


def fetch_comtrade(paths: Paths, years: list[int], progress: Progress = lambda _m: None) -> RefreshSummary:
    """download_comtrade, then each response loaded (without publishing)."""
    files = download_comtrade(paths, years, progress)
    if not files:
        return RefreshSummary(serving_path=paths.serving)
    return load_files(paths, files, progress, collect_parse_errors=True)


def ingest_file(paths: Paths, source: str, file: Path, progress: Progress = lambda _m: None, *, vintage: str | None = None,
                options: dict | None = None) -> RefreshSummary:
    """Load one file the user gives (publisher file or curated file) into the build file.

    A ParseError propagates (after the attempt is recorded and the file landed); a refusal
    by the gate is returned in the summary's errors; either way the serving file is unchanged.
    The caller then runs the daily job (marts and publishing), unless told not to publish.
    """
    return load_files(paths, [(source, Path(file), vintage)], progress, collect_parse_errors=False, options=options)


def load_files(paths: Paths, files: list[tuple[str, Path, str | None]], progress: Progress, *,
               collect_parse_errors: bool, options: dict | None = None) -> RefreshSummary:
    """Load user-given files under the writer lock; the summary says what was loaded or refused."""
    t0 = time.perf_counter()
    summary = RefreshSummary(serving_path=paths.serving, deferred=True)
    with writer_lock(paths, progress):
        con = connect_build(paths, progress)
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
    summary.duration_s = time.perf_counter() - t0
    return summary
