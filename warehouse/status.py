"""What the build file says of each source and load: editions held, rows, last load and its
outcome, freshness. The CLI (`tungsten sources`, `tungsten status`) and the Dagster freshness
checks read these; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.sources import Source, all_sources


@dataclass
class SourceState:
    source: Source
    editions: list[str]
    rows: int
    last_loaded_at: dt.datetime | None
    last_status: str | None  # passed | failed | skipped, of the last load attempt that was not a skip
    last_message: str | None
    expectations_evaluated: int | None

    @property
    def latest_edition(self) -> str | None:
        years = [(self.source.edition_year(e) or 0, e) for e in self.editions]
        return max(years)[1] if years else None


@dataclass
class Freshness:
    fresh: bool
    reason: str


def open_read_only(build: Path) -> duckdb.DuckDBPyConnection | None:
    """The build file read-only, or None when there is none yet. Raises duckdb.IOException
    when a writer holds it."""
    if not build.exists():
        return None
    return duckdb.connect(str(build), read_only=True)


def source_states(con: duckdb.DuckDBPyConnection | None) -> list[SourceState]:
    """Every registered source with what the build holds of it."""
    held: dict[str, tuple] = {}
    last: dict[str, tuple] = {}
    if con is not None:
        for sid, editions, rows, loaded in con.execute("""
                SELECT f.source_id, list(DISTINCT f.vintage ORDER BY f.vintage), sum(f.rows), timezone('UTC', max(l.started_at))
                FROM meta.source_files f JOIN meta.loads l USING (load_id) GROUP BY 1""").fetchall():
            held[sid] = (editions, int(rows or 0), loaded)
        for sid, status, message, evaluated, started in con.execute("""
                SELECT source_id, status, message, expectations_evaluated, timezone('UTC', started_at) FROM meta.loads
                WHERE status <> 'skipped' QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY started_at DESC) = 1
                """).fetchall():
            last[sid] = (status, message, evaluated, started)
    out = []
    for src in all_sources().values():
        editions, rows, loaded = held.get(src.id, ([], 0, None))
        status, message, evaluated, _ = last.get(src.id, (None, None, None, None))
        out.append(SourceState(src, list(editions), rows, loaded, status, message, evaluated))
    return out


def freshness(state: SourceState, today: dt.date | None = None) -> Freshness:
    """Is what the build holds of a source as recent as its source.yml expects? An annual
    publisher's newest edition may lag today by max_edition_lag_years; a source loaded on
    demand may be max_age_days old. A source with no such rule, or never loaded, is not judged
    stale (sources like Comtrade are loaded only when a user asks)."""
    today = today or dt.date.today()
    src = state.source
    if not state.editions:
        return Freshness(True, "nothing loaded yet")
    reasons, fresh = [], True
    if src.max_edition_lag_years is not None:
        year = src.edition_year(state.latest_edition or "")
        if year is not None:
            lag = today.year - year
            ok = lag <= src.max_edition_lag_years
            fresh &= ok
            reasons.append(f"newest edition {state.latest_edition} is {lag} year(s) behind {today.year} "
                           f"(allowed {src.max_edition_lag_years})")
    if src.max_age_days is not None and state.last_loaded_at is not None:
        age = (today - state.last_loaded_at.date()).days
        ok = age <= src.max_age_days
        fresh &= ok
        reasons.append(f"last loaded {age} day(s) ago (allowed {src.max_age_days})")
    return Freshness(fresh, "; ".join(reasons) or "no freshness rule in source.yml")


def source_files_summary(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Per raw table and source: latest edition, its publication, editions, rows, last load."""
    return con.execute("""
        SELECT f.raw_table, f.source_id, max(f.vintage) AS latest_edition, arg_max(f.date_published, f.vintage),
               count(DISTINCT f.vintage) AS editions, sum(f.rows) AS rows,
               strftime(max(l.started_at), '%Y-%m-%d %H:%M UTC'), date_diff('day', max(l.started_at), now())
        FROM meta.source_files f JOIN meta.loads l USING (load_id)
        GROUP BY ALL ORDER BY 1, 2""").fetchall()


def load_attempts(con: duckdb.DuckDBPyConnection, limit: int = 15) -> list[tuple]:
    return con.execute("""
        SELECT strftime(started_at, '%Y-%m-%d %H:%M:%S UTC'), raw_table, vintage, file_name, status, rows,
               coalesce(left(message, 120), '')
        FROM meta.loads WHERE status <> 'skipped' ORDER BY started_at DESC LIMIT ?""", [limit]).fetchall()


def last_build(con: duckdb.DuckDBPyConnection) -> tuple | None:
    return con.execute("SELECT strftime(finished_at, '%Y-%m-%d %H:%M:%S UTC'), status, serving_path FROM meta.builds "
                       "ORDER BY finished_at DESC LIMIT 1").fetchone()


def pending_loads(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Loads a crash cut short (their rows do not count; the next writer deletes them)."""
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'work' "
                      "AND table_name = 'pending_loads'").fetchone()[0]
    return con.execute("SELECT load_id, raw_table, strftime(started_at, '%Y-%m-%d %H:%M:%S UTC') "
                       "FROM work.pending_loads").fetchall() if has else []


def serving_lag(con: duckdb.DuckDBPyConnection, serving_path: Path) -> str | None:
    """Why the served file is behind the build, or None when it was built from exactly what the
    build holds now (the same raw files, reference tables and dbt project)."""
    from warehouse import dbt_build
    from warehouse.publish import served_fingerprints
    from warehouse.refresh import raw_fingerprint

    served = served_fingerprints(serving_path)
    if served is None:
        return f"no readable serving file at {serving_path}: run `tungsten refresh`"
    current = {"raw": raw_fingerprint(con), "dbt": dbt_build.fingerprint()}
    if served == current:
        return None
    what = "the dbt project changed" if served["dbt"] != current["dbt"] else "files were loaded"
    failed = con.execute("SELECT strftime(finished_at, '%Y-%m-%d %H:%M:%S UTC'), message FROM meta.builds "
                         "WHERE status <> 'published' AND finished_at > coalesce((SELECT max(finished_at) FROM "
                         "meta.builds WHERE status = 'published'), TIMESTAMPTZ '1970-01-01') "
                         "ORDER BY finished_at DESC LIMIT 1").fetchone()
    if failed:
        return (f"the served file is behind the build: {what} since it was published, and the build of "
                f"{failed[0]} failed: {(failed[1] or '').strip()}")
    return (f"the served file is behind the build: {what} since it was published, and no build has finished "
            "since (a refresh stopped before publishing, or `ingest --no-publish`): run `tungsten refresh`")


@dataclass
class ServedValidation:
    """The validation that let a served file's rows in: its load in meta.loads."""
    file_name: str
    vintage: str
    raw_table: str
    validated_at: dt.datetime
    expectations_evaluated: int
    expectations_failed: int


def served_validations(con: duckdb.DuckDBPyConnection, source_id: str) -> list[ServedValidation]:
    """For each file whose rows the build holds for this source, the load (and so the GX
    validation) those rows came in with."""
    rows = con.execute("""
        SELECT f.file_name, f.vintage, f.raw_table, l.started_at, coalesce(l.expectations_evaluated, 0),
               coalesce(l.expectations_failed, 0)
        FROM meta.source_files f JOIN meta.loads l USING (load_id)
        WHERE f.source_id = ? ORDER BY f.vintage, f.raw_table, f.file_name""", [source_id]).fetchall()
    return [ServedValidation(*r) for r in rows]
