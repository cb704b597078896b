"""What changed, as data: between builds, from the lake (meta.build_changes, which each publish
writes in its own snapshot, and DuckLake's change feed for the rows themselves), and between
editions of a source, from marts.revisions. `tungsten changes` prints these."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import duckdb

from warehouse.lake.config import LakeConfig
from warehouse.lake.connect import ALIAS, LakeUnreachable, connect
from warehouse.lake.query import DATE


@dataclass
class Build:
    snapshot_id: int
    build_id: str
    published_at: dt.datetime


@dataclass
class RowChange:
    """One row of a table that a build added, removed or changed (before and after: column -> value)."""
    kind: str  # added, removed or changed
    key: str
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    def changed_columns(self) -> list[str]:
        return [c for c in self.after if c in self.before and self.before[c] != self.after[c]]


@dataclass
class Changes:
    """What changed from build `base` (exclusive) to build `head`: meta.build_changes' rows
    (build_id, table, rows_after, added, removed, changed, changed_keys, changed_columns) and,
    for one table, its rows from the change feed."""
    base: Build | None
    head: Build
    tables: list[tuple] = field(default_factory=list)
    rows: list[RowChange] = field(default_factory=list)


def builds(con: duckdb.DuckDBPyConnection) -> list[Build]:
    rows = con.execute(f"SELECT snapshot_id, json_extract_string(commit_extra_info, '$.build_id'), snapshot_time "
                       f"FROM ducklake_snapshots('{ALIAS}') WHERE commit_extra_info IS NOT NULL ORDER BY snapshot_id").fetchall()
    return [Build(*r) for r in rows if r[1]]


def _base(kept: list[Build], since: str | None) -> Build | None:
    """The build changes are counted from: the previous build (since None), a build id (or a
    unique prefix), or the last build published before a DATE."""
    if since is None:
        return kept[-2] if len(kept) > 1 else None
    if DATE.match(since):
        moment = dt.datetime.fromisoformat(since.replace(" ", "T")).replace(tzinfo=dt.UTC)
        before = [b for b in kept if b.published_at < moment]
        return before[-1] if before else None
    matches = [b for b in kept if b.build_id == since] or [b for b in kept if b.build_id.startswith(since)]
    if len(matches) != 1:
        raise LakeUnreachable(f"--since {since} {'names several builds' if matches else 'is not a build id, a date or an edition'}; "
                              f"the latest builds in the lake: {', '.join(b.build_id for b in kept[-5:]) or 'none'}")
    return matches[0]


def is_edition(con: duckdb.DuckDBPyConnection, since: str) -> bool:
    try:
        return bool(con.execute(f"SELECT count(*) FROM {ALIAS}.marts.revisions WHERE vintage = ? OR previous_vintage = ?",
                                [since, since]).fetchone()[0])
    except duckdb.CatalogException:
        return False


def build_changes(config: LakeConfig, since: str | None = None, table: str | None = None) -> Changes:
    """What changed in the lake since a build or date (default: the previous build); with
    `table` (schema.table), that table's rows from DuckLake's change feed, paired by the grain
    meta.build_changes records (a key that left and came back is one changed row)."""
    con = connect(config, read_only=True)
    try:
        kept = builds(con)
        if not kept:
            raise LakeUnreachable(f"the lake ({config.describe()}) holds no build yet: run `tungsten refresh`")
        base, head = _base(kept, since), kept[-1]
        start = base.snapshot_id if base else -1
        rows = con.execute(
            f"SELECT c.build_id, c.table_name, c.rows_after, c.rows_added, c.rows_removed, c.rows_changed, c.changed_keys, "
            f"c.changed_columns, c.grain FROM {ALIAS}.meta.build_changes c "
            f"JOIN (SELECT snapshot_id, json_extract_string(commit_extra_info, '$.build_id') AS build_id "
            f"FROM ducklake_snapshots('{ALIAS}')) s USING (build_id) WHERE s.snapshot_id > ? ORDER BY s.snapshot_id, c.table_name",
            [start]).fetchall()
        if table:
            rows = [r for r in rows if r[1] == table]
        changes = Changes(base, head, rows)
        if table and base is not None:
            grain = next((r[8] for r in rows if r[8]), None) or _grain(con, table)
            changes.rows = _feed(con, table, base.snapshot_id + 1, head.snapshot_id, grain)
        return changes
    except duckdb.Error as exc:
        raise LakeUnreachable(f"reading the lake's changes failed: {exc}") from None
    finally:
        con.close()


def _grain(con, table: str) -> str:
    row = con.execute(f"SELECT grain FROM {ALIAS}.meta.build_changes WHERE table_name = ? AND grain IS NOT NULL LIMIT 1",
                      [table]).fetchone()
    return row[0] if row else ""


def _feed(con, table: str, start: int, end: int, grain: str) -> list[RowChange]:
    """The table's rows inserted and deleted between two snapshots (ducklake_table_changes), the
    net effect: a row deleted and inserted again unchanged is no change; a key deleted and
    inserted with other values is one changed row."""
    schema, name = table.split(".", 1)
    try:
        cur = con.execute(f"SELECT * FROM ducklake_table_changes('{ALIAS}', ?, ?, ?, ?) ORDER BY snapshot_id, rowid",
                          [schema, name, start, end])
    except duckdb.Error as exc:
        raise LakeUnreachable(f"no change feed for {table}: {exc}") from None
    names = [d[0] for d in cur.description]
    columns = [c for c in names if c not in ("snapshot_id", "rowid", "change_type")]
    keys = [k.strip() for k in grain.split(",") if k.strip() in columns] or columns
    net: dict[tuple, list[dict]] = {}
    for record in cur.fetchall():
        row = dict(zip(names, record, strict=True))
        values = {c: row[c] for c in columns}
        kind = row["change_type"]
        sign = 1 if kind.startswith("insert") or kind == "update_postimage" else -1
        entry = net.setdefault(tuple(values[k] for k in keys), [])
        match = next((e for e in entry if e["values"] == values and e["sign"] == -sign), None)
        if match:
            entry.remove(match)  # deleted and inserted again as it was: no change
        else:
            entry.append({"values": values, "sign": sign})
    out = []
    for key, entries in net.items():
        before = [e["values"] for e in entries if e["sign"] < 0]
        after = [e["values"] for e in entries if e["sign"] > 0]
        label = " | ".join("NULL" if k is None else str(k) for k in key)
        for b, a in zip(before, after, strict=False):
            out.append(RowChange("changed", label, b, a))
        out += [RowChange("removed", label, before=b) for b in before[len(after):]]
        out += [RowChange("added", label, after=a) for a in after[len(before):]]
    return sorted(out, key=lambda r: (r.key, r.kind))


def edition_changes(config: LakeConfig, edition: str) -> tuple[list[str], list[tuple]]:
    """marts.revisions at the lake's newest build: every figure revised, new or dropped in the
    editions after `edition` of the same source."""
    con = connect(config, read_only=True)
    try:
        if not is_edition(con, edition):
            raise LakeUnreachable(f"{edition} is not an edition in marts.revisions")
        year = int(re.search(r"(\d{4})$", edition).group(1))
        cur = con.execute(
            f"SELECT source_id, vintage, previous_vintage, change_kind, metric, coalesce(country_iso3, country_key) AS country, "
            f"coalesce(country_published, previous_country_published) AS name, year, previous_value, value, unit_code, "
            f"change_pct, previous_source_file, previous_source_line, source_file, source_line "
            f"FROM {ALIAS}.marts.revisions WHERE source_id IN (SELECT source_id FROM {ALIAS}.marts.revisions "
            f"WHERE vintage = ? OR previous_vintage = ?) AND cast(regexp_extract(vintage, '(\\d{{4}})$', 1) AS INTEGER) > ? "
            f"ORDER BY vintage, change_kind DESC, metric, country, year", [edition, edition, year])
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def looks_like_edition(text: str) -> bool:
    """An edition name (MCS2025, BGS2023, geopolrisk-2.0.1-2024): letters first, a year last,
    not a build id (which starts with its date) or a date."""
    return bool(re.match(r"^[A-Za-z][\w.\-]*\d{4}$", text)) and not DATE.match(text)


def since_previous_build(serving, config: LakeConfig) -> tuple[Build | None, list]:
    """What the serving file's marts changed against the previous build in the lake (the newest
    build there that is not this one), table by table (warehouse.lake.publish.TableChange, changed
    tables only); (None, []) when the lake holds no other build. Independent of whether this build
    has been committed yet, so the report can say it whichever asset runs first."""
    from warehouse import dictionary
    from warehouse.lake.publish import TableChange, _q, diff_table

    con = connect(config, read_only=True)
    try:
        con.execute(f"ATTACH '{str(serving).replace(chr(39), chr(39) * 2)}' AS build (READ_ONLY)")
        this = con.execute("SELECT build_id FROM build.meta.published").fetchone()[0]
        previous = [b for b in builds(con) if b.build_id != this]
        if not previous:
            return None, []
        base = previous[-1]
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'build' "
                             "AND schema_name = 'marts' ORDER BY 1").fetchall()
        out = []
        docs = dictionary.dbt_docs()
        for (name,) in tables:
            src, dst = f"build.marts.{_q(name)}", f"{ALIAS}.marts.{_q(name)}"
            at = f" AT (VERSION => {int(base.snapshot_id)})"
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
            try:
                before = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {dst}{at}").fetchall()]
            except duckdb.Error:
                before = None
            if before != columns:  # new, or its columns changed: every row counts as new
                rows = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
                out.append(TableChange(f"marts.{name}", rows, rows, 0))
                continue
            change = diff_table(con, f"marts.{name}", src, dst, columns, dictionary.table_grain("marts", name, docs), at)
            if change.added or change.removed or change.changed:
                out.append(change)
        return base, out
    except duckdb.Error as exc:
        raise LakeUnreachable(f"comparing with the lake's previous build failed: {exc}") from None
    finally:
        con.close()
