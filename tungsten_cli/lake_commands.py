"""`tungsten changes`: what changed between builds (from the lake) or editions (marts.revisions);
registered on the app by tungsten_cli.app."""

from __future__ import annotations

import typer

from tungsten_cli.base import _paths, _table, err, out, printable

MAX_ROWS_SHOWN = 200  # row changes printed per table; the rest are counted


def lake_config_or_exit():
    """The lake the environment names, or an exit with the reason."""
    from warehouse.lake import config as lake_config

    try:
        config = lake_config.from_env(_paths().serving)
    except lake_config.LakeConfigError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    if config is None:
        err.print("error: there is no lake (TUNGSTEN_LAKE_CATALOG=off)", markup=False, highlight=False)
        raise typer.Exit(1)
    return config


def _number(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.6g}" if isinstance(value, float) else printable(str(value))


def changes(
    since: str = typer.Option(None, "--since", help="A build id, a date (YYYY-MM-DD, UTC) or an edition (MCS2025); "
                                                   "default: the previous build."),
    table: str = typer.Option(None, "--table", help="One table (schema.table, e.g. marts.supply_share): its rows."),
    max_rows: int = typer.Option(MAX_ROWS_SHOWN, "--max-rows", min=1, help="Rows of --table printed (the rest are counted)."),
) -> None:
    """What changed: between builds, per table (rows added, removed and changed, the keys and columns),
    read from the lake; or, with --since EDITION, every figure the later editions revised (marts.revisions)."""
    from warehouse.lake.changes import build_changes, edition_changes, looks_like_edition
    from warehouse.lake.config import redact
    from warehouse.lake.connect import LakeUnreachable

    config = lake_config_or_exit()
    try:
        if since and looks_like_edition(since):
            columns, rows = edition_changes(config, since)
            out.print(f"What changed in the editions after {printable(since)} ({len(rows):,} figures)",
                      markup=False, highlight=False)
            _print_revisions(rows)
            return
        result = build_changes(config, since, table)
    except LakeUnreachable as exc:
        err.print(f"error: {redact(str(exc))}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    head = f"build {result.head.build_id} ({result.head.published_at:%Y-%m-%d %H:%M} UTC, snapshot {result.head.snapshot_id})"
    if result.base is None:
        rows = sum(t[2] for t in result.tables)
        out.print(f"What changed: {head} is the first build in the lake; all its {len(result.tables)} tables "
                  f"({rows:,} rows) are new", markup=False, highlight=False)
        return
    else:
        label = "the previous build" if since is None else printable(since)
        out.print(f"What changed since {label}: build {result.base.build_id} (snapshot {result.base.snapshot_id}) "
                  f"-> {head}", markup=False, highlight=False)
    if not result.tables:
        out.print("nothing changed", markup=False, highlight=False)
        return
    _table("Tables changed", ["build", "table", "rows", "added", "removed", "changed", "changed columns", "changed keys"],
           [(b, t, f"{n:,}", f"{a:,}", f"{r:,}", f"{c:,}", ", ".join(cols or []) or "-",
             "; ".join((keys or [])[:5]) + (" ..." if len(keys or []) > 5 else "") or "-")
            for b, t, n, a, r, c, keys, cols, _g in result.tables])
    for row in result.rows[:max_rows]:
        if row.kind == "changed":
            diffs = ", ".join(f"{c}: {_number(row.before[c])} -> {_number(row.after[c])}" for c in row.changed_columns())
            out.print(f"changed {printable(row.key)}: {diffs}", markup=False, highlight=False)
        else:
            values = row.after or row.before
            out.print(f"{row.kind} {printable(row.key)}: " + ", ".join(f"{c}={_number(v)}" for c, v in values.items()),
                      markup=False, highlight=False)
    if len(result.rows) > max_rows:
        out.print(f"... and {len(result.rows) - max_rows:,} more rows (--max-rows)", markup=False, highlight=False)


def _print_revisions(rows) -> None:
    for (source, vintage, previous, kind, metric, country, name, year, old, new, unit, pct, old_file, old_line,
         new_file, new_line) in rows:
        where = (f"{old_file}:{old_line} -> {new_file}:{new_line}" if kind == "revised"
                 else f"{new_file}:{new_line}" if kind == "new" else f"{old_file}:{old_line}")
        change = f"{_number(old)} -> {_number(new)} {unit}" + (f" ({pct:+.1f} %)" if pct is not None else "")
        out.print(f"{kind} {source} {previous} -> {vintage} {metric} {printable(str(name))} ({country}) {year}: "
                  f"{change} [{printable(where)}]", markup=False, highlight=False)
