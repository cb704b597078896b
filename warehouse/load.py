"""Write -> audit -> publish for raw tables.

Every frame of one incoming file is written under the load's new load_id as pending rows
(the load is listed in work.pending_loads meanwhile) and validated by its table's GX suite,
chunk by chunk for a large file: each chunk is written and committed at once, so a
10-million-row file never sits in one transaction's memory, and it is written while GX
validates it (pending rows count for nothing until the load is made to count, so the write
need not wait for the audit). The key of a chunked file must be unique over the whole file,
so that rule is checked once over the file (its rows' key hashes, and the database where a
hash repeats) rather than by GX chunk by chunk. When every chunk of every frame has passed
(and the key is unique over the file), one short transaction makes the load count: the rows
it replaces (that source and edition) are deleted, meta.source_files and meta.loads are
written and the load leaves work.pending_loads. A refusal deletes the pending rows, so raw.*
is as it was; it keeps the file and its report in landing, records the failed attempt in
meta.loads and raises LoadRefused naming file, expectation and example rows. Rows of a load
interrupted by a crash are deleted by discard_unfinished, which every writer runs when it
opens the build file.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest.chunks import FrameChunks, chunks_of
from warehouse import interrupts, landing
from warehouse.plausibility import implausible


@dataclass
class LoadRequest:
    """One frame for one raw table, from one received file."""

    raw_table: str
    source_id: str
    vintage: str
    dataset: str
    frame: pl.DataFrame | FrameChunks  # chunks: a large file, validated and written chunk by chunk
    file_name: str
    sha256: str
    file_meta: dict = field(default_factory=dict)  # original file and provenance, for meta.source_files
    replace_edition: bool = False  # the user asked: this file's rows replace the edition, whatever it covers
    accept_outliers: bool = False  # the user asked: figures far from the warehouse's are right (warehouse.plausibility)


@dataclass
class LoadResult:
    raw_table: str
    vintage: str
    file_name: str
    status: str  # passed | failed | skipped
    rows: int
    load_id: str
    duration_s: float = 0.0
    message: str | None = None
    report_path: str | None = None
    expectations_evaluated: int = 0
    expectations_failed: int = 0


class LoadRefused(Exception):
    def __init__(self, message: str, results: list[LoadResult]):
        super().__init__(message)
        self.results = results


def new_load_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def is_current(con: duckdb.DuckDBPyConnection, raw_table: str, source_id: str, dataset: str, sha256: str) -> bool:
    """True when the rows this file gives are what raw holds now (same bytes already loaded as this source)."""
    row = con.execute("SELECT count(*) FROM meta.source_files WHERE raw_table = ? AND source_id = ? AND dataset = ? "
                      "AND sha256 = ?", [raw_table, source_id, dataset, sha256]).fetchone()
    return bool(row and row[0])


def held_by_user_file(con: duckdb.DuckDBPyConnection, raw_table: str, source_id: str | None = None,
                      vintage: str | None = None) -> str | None:
    """The user-ingested file that holds this table (or this edition of it) now, if any.

    The daily run does not overwrite what a user loaded with `tungsten ingest`.
    """
    row = con.execute(
        "SELECT file_name FROM meta.source_files WHERE raw_table = ? AND origin = 'user' "
        "AND (? IS NULL OR source_id = ?) AND (? IS NULL OR vintage = ?)",
        [raw_table, source_id, source_id, vintage, vintage],
    ).fetchone()
    return row[0] if row else None


def record_skip(con: duckdb.DuckDBPyConnection, req: LoadRequest, reason: str = "unchanged (same sha256 already loaded)") -> LoadResult:
    result = LoadResult(req.raw_table, req.vintage, req.file_name, "skipped", 0, new_load_id(), message=reason)
    _insert_load(con, req, result, dt.datetime.now(dt.UTC))
    return result


def load_file(con: duckdb.DuckDBPyConnection, requests: list[LoadRequest], *, landing_dir: Path, landed_path: Path) -> list[LoadResult]:
    """Validate and load all frames of one file, or none of them.

    Each frame (or each bounded chunk of a large one) is validated by its table's GX suite
    and written as pending rows; a failure anywhere, a parse error in a later chunk
    included, deletes every pending row of the file.
    """
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    outcomes, pending = [], []
    try:
        for req in requests:
            lid = new_load_id()
            con.execute("INSERT INTO work.pending_loads VALUES (?, ?, ?)", [lid, req.raw_table, started])
            pending.append((req.raw_table, lid))
            outcome, rows = _write_validated(con, req, lid)
            outcomes.append((req, lid, outcome, rows))
            if not outcome.success:
                break  # the file is refused; later tables are not worth validating
        if all(o.success for _r, _l, o, _n in outcomes):
            narrower = [(req, _narrower_message(con, req, lost)) for req, lid, _o, _n in outcomes
                        if (lost := _uncovered(con, req, lid))]
            if narrower:
                _discard(con, pending)
                _refuse_file(con, narrower, outcomes, started, t0, NARROWER_ADVICE)
            doubtful = [(req, "implausible figures: " + "; ".join(doubts)) for req, lid, _o, _n in outcomes
                        if not req.accept_outliers
                        and (doubts := implausible(con, req.raw_table, req.source_id, req.vintage, req.dataset, lid))]
            if doubtful:
                _discard(con, pending)
                _refuse_file(con, doubtful, outcomes, started, t0, IMPLAUSIBLE_ADVICE)
            return _commit(con, outcomes, started, t0)
    except BaseException:
        _discard(con, pending)
        raise
    _discard(con, pending)
    _refuse(con, requests, outcomes, started, t0, landing_dir, landed_path)
    raise AssertionError("unreachable")


def _commit(con, outcomes, started: dt.datetime, t0: float) -> list[LoadResult]:
    """Make the pending rows count: in one transaction, drop the rows they replace and record the load."""
    results = []
    con.execute("BEGIN")
    try:
        for req, lid, o, rows in outcomes:
            _delete_scope(con, req, keep_load_id=lid)
            _upsert_source_file(con, req, lid, rows)
            result = LoadResult(req.raw_table, req.vintage, req.file_name, "passed", rows, lid,
                                time.perf_counter() - t0, None, None, o.evaluated, 0)
            _insert_load(con, req, result, started)
            con.execute("DELETE FROM work.pending_loads WHERE load_id = ?", [lid])
            results.append(result)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return results


def _discard(con, pending: list[tuple[str, str]]) -> None:
    """Delete the rows of loads that did not complete (each table, then its pending entry)."""
    for raw_table, lid in pending:
        con.execute(f'DELETE FROM raw."{raw_table}" WHERE load_id = ?', [lid])
        con.execute("DELETE FROM work.pending_loads WHERE load_id = ?", [lid])


def discard_unfinished(con: duckdb.DuckDBPyConnection) -> int:
    """Delete the rows of loads a crash interrupted; returns how many loads there were."""
    pending = con.execute("SELECT raw_table, load_id FROM work.pending_loads").fetchall()
    _discard(con, pending)
    return len(pending)


def _insert_chunk(con, req: LoadRequest, chunk: pl.DataFrame, lid: str) -> None:
    """Append one validated chunk. Columns that hold the load's own source, edition, dataset, file
    name or sha256 in every row are written as SQL constants rather than converted row by row (a
    tenth of a bulk load's insert time)."""
    known = {"source_id": req.source_id, "vintage": req.vintage, "dataset": req.dataset, "source_file": req.file_name,
             "source_sha256": req.sha256}
    constant = {c: v for c, v in known.items()
                if c in chunk.columns and chunk.schema[c] == pl.String and chunk[c].null_count() == 0
                and bool((chunk[c] == v).all())}
    # Arrow's newest layout (string views) is what DuckDB scans fastest
    con.register("incoming_frame", chunk.drop(list(constant)).to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        extra = "".join(f', ${c} AS "{c}"' for c in constant)
        con.execute(f'INSERT INTO raw."{req.raw_table}" BY NAME SELECT *{extra}, $load_id AS load_id FROM incoming_frame',
                    {**constant, "load_id": lid})
    finally:
        con.unregister("incoming_frame")


def _write_validated(con, req: LoadRequest, lid: str):
    """Write each chunk of the request's frame as pending rows and validate it; stop at the first
    failing chunk (the caller deletes the pending rows).

    A chunk is written by a writer thread while the main thread validates it (DuckDB works
    without the GIL), and the next chunk is read meanwhile (ingest.chunks). So the first chunk
    is written while GX is still being imported, instead of waiting seconds for it. The
    connection is only ever used by one thread at a time.
    """
    from concurrent.futures import Future, ThreadPoolExecutor
    from contextlib import closing

    from warehouse.tables import get
    from warehouse.validate import (
        Outcome,
        validate_frame,  # GX is imported only when there is something to validate
    )

    spec = get(req.raw_table)
    key = spec.key_columns
    key_over_file = key if isinstance(req.frame, FrameChunks) else ()  # else GX checks it on the whole frame
    rows, chunks, evaluated, report = 0, 0, 0, {}
    key_hashes: list[pl.Series] = []  # one 64-bit hash of each row's key, to see whether any key repeats
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chunk-writer") as writer, \
            closing(chunks_of(req.frame)) as chunks_read:  # closed here when a chunk is refused (ingest.chunks)
        writing: Future | None = None
        for chunk in chunks_read:
            interrupts.stop_if_interrupted()
            chunks += 1
            if writing is not None:
                writing.result()
            writing = writer.submit(_insert_chunk, con, req, chunk, lid)
            outcome = validate_frame(chunk, req.raw_table, req.source_id, req.vintage, req.dataset,
                                     key_checked_apart=key_over_file)
            evaluated = outcome.evaluated
            if not outcome.success:
                # wait for its write, whose rows the caller deletes with the load's; the refusal is the
                # answer, whatever became of that write
                writing.exception()
                first = chunk["source_line"].min() if "source_line" in chunk.columns and chunk.height else None
                outcome.report = {"chunk": chunks, "chunk_first_line": first, "rows_before_chunk": rows, **outcome.report}
                return outcome, rows + chunk.height
            rows += chunk.height
            if key_over_file:
                key_hashes.append(chunk.select(pl.col(c).cast(spec.schema[c]) for c in key).hash_rows())
            report = outcome.report if chunks == 1 else {"chunks": chunks, "rows": rows, "last_chunk": outcome.report}
        if writing is not None:
            writing.result()
    if key_over_file:
        # Keys are unique when their hashes are (the usual case: a tenth of a second over ten million
        # rows); a repeated hash, a duplicate or a rare collision, is settled in the database.
        hashes = pl.concat(key_hashes) if key_hashes else pl.Series(dtype=pl.UInt64)
        failure = _duplicate_keys(con, req.raw_table, lid, key) if hashes.n_unique() < hashes.len() else None
        if failure:
            return Outcome(False, evaluated + 1, [failure], {"chunks": chunks, "rows": rows}), rows
        evaluated += 1
    return Outcome(True, evaluated, [], report), rows


def _duplicate_keys(con, raw_table: str, lid: str, key: tuple[str, ...]):
    """The uniqueness rule over a whole chunked file, in the rows this load wrote (GX sees one
    chunk at a time, and duplicates may sit chunks apart): None when no key repeats, else the
    failure with the lines of the first repeated keys. Keys are grouped by their hash first
    (one 64-bit column, fast over millions of rows); only rows whose hash repeats are compared
    column by column."""
    from warehouse.validate import EXAMPLE_ROWS, Failure

    cols = ", ".join(f'"{c}"' for c in key)
    table = f'raw."{raw_table}"'
    repeated = (f"SELECT {cols}, source_line FROM {table} WHERE load_id = $lid AND hash({cols}) IN "
                f"(SELECT hash({cols}) FROM {table} WHERE load_id = $lid GROUP BY 1 HAVING count(*) > 1)")
    cur = con.execute(
        f"SELECT {cols}, list(source_line ORDER BY source_line) AS lines, count(*) OVER () AS groups, "
        f"sum(count(*)) OVER () AS total FROM ({repeated}) GROUP BY ALL HAVING count(*) > 1 "
        f"ORDER BY min(source_line) LIMIT {EXAMPLE_ROWS}", {"lid": lid})
    names = [d[0] for d in cur.description]
    dups = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if not dups:
        return None
    examples = [{"source_lines": r["lines"], **{c: r[c] for c in key if c not in ("source_id", "vintage")}}
                for r in dups]
    return Failure("expect_compound_columns_to_be_unique (over the whole file, checked in DuckDB)", ",".join(key),
                   int(dups[0]["total"]), examples)


def _refuse(con, requests, outcomes, started, t0, landing_dir: Path, landed_path: Path) -> None:
    """Record a refused file: a report per table beside the landed file, failed rows in meta.loads."""
    lines, results = [], []
    validated = {id(req): (lid, o, rows) for req, lid, o, rows in outcomes}
    for req in requests:
        lid, o, rows = validated.get(id(req), (new_load_id(), None, 0))
        report = landing.write_report(landing_dir, req.source_id, req.sha256, lid, {
            "file": req.file_name, "landed_path": str(landed_path), "raw_table": req.raw_table,
            "vintage": req.vintage, "success": bool(o and o.success), "gx_result": o.report if o else None,
        })
        if o is None:
            msg = "not validated: another table of the same file was refused first"
        elif o.failures:
            msg = "; ".join(f.describe() for f in o.failures)
        else:
            msg = "passed its suite; not loaded because another table of the same file failed"
        results.append(LoadResult(req.raw_table, req.vintage, req.file_name, "failed", rows, lid,
                                  time.perf_counter() - t0, msg, str(report), o.evaluated if o else 0,
                                  len(o.failures) if o else 0))
        if o and o.failures:
            where = ""
            if o.report.get("chunk"):
                where = f" (chunk {o.report['chunk']}, from line {o.report['chunk_first_line']})"
            lines.append(f"{req.file_name}: refused by the GX suite of raw.{req.raw_table} ({req.vintage}){where}: "
                         f"{len(o.failures)} of {o.evaluated} expectations failed")
            lines += [f"  - {f.describe()}" for f in o.failures]
            lines.append(f"  validation report: {report}")
    con.execute("BEGIN")
    for req, result in zip(requests, results, strict=True):
        _insert_load(con, req, result, started)
    con.execute("COMMIT")
    lines.append("Nothing was loaded from this file; raw tables and the serving file are unchanged.")
    raise LoadRefused("\n".join(lines), results)


def record_unreadable(con: duckdb.DuckDBPyConnection, *, landing_dir: Path, source_id: str, file_name: str,
                      sha256: str, message: str) -> LoadResult:
    """A file its parser refused: the attempt goes into meta.loads with a report beside the landed file."""
    lid = new_load_id()
    report = landing.write_report(landing_dir, source_id, sha256, lid, {"file": file_name, "success": False, "parse_error": message})
    result = LoadResult(f"{source_id} (not parsed)", "", file_name, "failed", 0, lid, message=message, report_path=str(report))
    req = LoadRequest(result.raw_table, source_id, None, "", pl.DataFrame(), file_name, sha256)
    _insert_load(con, req, result, dt.datetime.now(dt.UTC))
    return result


def _uncovered(con, req: LoadRequest, lid: str) -> list[tuple]:
    """What of the edition held now this load would remove without giving it again: the held
    rows' coverage values (years, metrics, products) that the load's own rows lack. Empty when the
    user asked to replace the edition, or when the table is replaced whole."""
    from warehouse.tables import get

    spec = get(req.raw_table)
    if req.replace_edition or not spec.coverage_columns or not spec.scope_columns:
        return []
    values = {"source_id": req.source_id, "vintage": req.vintage, "dataset": req.dataset}
    cols = ", ".join(f'"{c}"' for c in spec.coverage_columns)
    scope = " AND ".join(f'"{c}" = ?' for c in spec.scope_columns)
    table = f'raw."{req.raw_table}"'
    return con.execute(
        f"SELECT DISTINCT {cols} FROM {table} WHERE {scope} AND load_id <> ? "
        f"AND load_id NOT IN (SELECT load_id FROM work.pending_loads) "
        f"EXCEPT SELECT DISTINCT {cols} FROM {table} WHERE load_id = ? ORDER BY ALL",
        [*(values[c] for c in spec.scope_columns), lid, lid]).fetchall()


NARROWER_ADVICE = ("Give the whole edition, or load this file with --replace-edition to make its rows the edition "
                   "(`tungsten ingest SOURCE FILE --replace-edition`).")
IMPLAUSIBLE_ADVICE = ("Check the file (a decimal mark for a thousands separator? a year out of place?); if the figures "
                      "are right, load it with --accept-outliers (`tungsten ingest SOURCE FILE --accept-outliers`).")


def _narrower_message(con, req: LoadRequest, lost: list[tuple]) -> str:
    from warehouse.tables import get

    held = con.execute("SELECT file_name FROM meta.source_files WHERE raw_table = ? AND source_id = ? "
                       "AND vintage = ? AND dataset = ? LIMIT 1",
                       [req.raw_table, req.source_id, req.vintage, req.dataset]).fetchone()
    cov = get(req.raw_table).coverage_columns
    first = sorted({str(v[0]) for v in lost})
    shown = ", ".join(first[:12]) + (f" and {len(first) - 12} more" if len(first) > 12 else "")
    return (f"covers less than edition {req.vintage} of {req.source_id} held now"
            f"{f' (from {held[0]})' if held else ''}: loading it would remove {len(lost)} "
            f"({', '.join(cov)}) it does not give, {cov[0]} {shown}")


def _refuse_file(con, reasons: list[tuple[LoadRequest, str]], outcomes, started, t0, advice: str) -> None:
    """Refuse a whole file that passed its suites for a reason found over the warehouse (it covers
    less than the edition held, its figures are implausible beside the warehouse's): each table's
    reason recorded in meta.loads, the message naming file, table and reason."""
    lines, results = [], []
    for req, lid, o, rows in outcomes:
        why = next((m for r, m in reasons if r is req), None)
        if why:
            lines.append(f"{req.file_name}: refused for raw.{req.raw_table} ({req.vintage}): {why}")
        results.append(LoadResult(req.raw_table, req.vintage, req.file_name, "failed", rows, lid,
                                  time.perf_counter() - t0, why or "not loaded: another table of the same file was refused",
                                  None, o.evaluated, 1 if why else 0))
    con.execute("BEGIN")
    for (req, *_rest), result in zip(outcomes, results, strict=True):
        _insert_load(con, req, result, started)
    con.execute("COMMIT")
    lines.append(advice + " Nothing was loaded from this file.")
    raise LoadRefused("\n".join(lines), results)


def _delete_scope(con, req: LoadRequest, keep_load_id: str) -> None:
    """Remove the rows this load replaces: that (source, edition), or the whole table; not its own."""
    from warehouse.tables import get

    scope = get(req.raw_table).scope_columns
    values = {"source_id": req.source_id, "vintage": req.vintage, "dataset": req.dataset}
    where = " AND ".join([*(f'"{c}" = ?' for c in scope), "load_id <> ?"])
    con.execute(f'DELETE FROM raw."{req.raw_table}" WHERE {where}', [*(values[c] for c in scope), keep_load_id])


def _insert_load(con, req: LoadRequest, r: LoadResult, started: dt.datetime) -> None:
    con.execute(
        "INSERT INTO meta.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [r.load_id, started, r.duration_s, req.raw_table, req.source_id, req.vintage, req.file_name, req.sha256,
         r.rows, r.status, r.expectations_evaluated, r.expectations_failed, r.message, r.report_path],
    )


def _upsert_source_file(con, req: LoadRequest, load_id: str, rows: int) -> None:
    m = req.file_meta
    orig = m.get("original", {})
    prov = m.get("provenance", {})
    from warehouse.tables import get

    if get(req.raw_table).scope_columns:
        con.execute("DELETE FROM meta.source_files WHERE raw_table = ? AND source_id = ? AND vintage = ? AND dataset = ?",
                    [req.raw_table, req.source_id, req.vintage, req.dataset])
    else:
        con.execute("DELETE FROM meta.source_files WHERE raw_table = ?", [req.raw_table])
    con.execute(
        "INSERT INTO meta.source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [req.sha256, req.raw_table, req.source_id, req.vintage, req.dataset, req.file_name, orig.get("file_name"),
         orig.get("sha256"), orig.get("bytes"), orig.get("format"), prov.get("title"), prov.get("doi"), prov.get("url"),
         prov.get("date_published"), prov.get("date_accessed"), prov.get("licence"), prov.get("is_public"),
         rows, load_id, m.get("origin", "snapshot")],
    )
