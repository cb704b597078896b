"""The commands that read what is served or built: sql, export, docs and explain (registered
on the app by tungsten_cli.app, which keeps the order `tungsten --help` lists them in)."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from tungsten_cli.base import Format, _paths, err, out, printable

TABLE_ROWS = 1000  # a terminal shows this many rows of a result; more is a job for --output
SQL_TIMEOUT_S = 300.0  # a query of the served marts takes seconds; five minutes is a runaway


def sql(
    query: str = typer.Argument(..., help="A SQL query; the serving file is opened read-only."),
    format: Format = typer.Option(Format.table, "--format", "-f", help="Output format on the terminal."),
    vertical: bool = typer.Option(False, "--vertical", "-x", help="One block per row, a line per column (wide rows)."),
    output: Path = typer.Option(None, "--output", "-o",
                                help="Write the result to FILE.csv, .parquet, .xlsx or .json (by its ending) instead."),
    timeout: float = typer.Option(SQL_TIMEOUT_S, "--timeout", min=0.001,
                                  help="Stop the query after SECONDS (it is also stopped by Ctrl-C)."),
    max_rows: int = typer.Option(TABLE_ROWS, "--max-rows", min=1,
                                 help="Rows shown by the table format (the rest are counted, not shown); "
                                      "csv, json and --output write every row."),
    lake: bool = typer.Option(False, "--lake", help="Query the lake (the newest build a team shares) instead of the serving file."),
    as_of: str = typer.Option(None, "--as-of", metavar="BUILD|DATE",
                              help="Query the lake as it was at a build (its id) or a date (YYYY-MM-DD, UTC)."),
) -> None:
    """Query the serving file (read-only: no other files, no ATTACH, COPY, EXPORT, INSTALL, LOAD or SET).

    Cells print as they are (no markup; control characters shown as \\x1b escapes), floats rounded for
    display only (--output and --format csv/json keep every digit); the table ends with the row count.
    Results stream: csv, json and --output write every row in batches; --output .csv neutralises text
    cells that begin like a spreadsheet formula (=, +, -, @) with a leading single quote."""
    from warehouse.lake.connect import LakeUnreachable
    from warehouse.query import QueryRefused, QueryStopped, open_query

    paths = _paths()
    connector = _lake_connector(as_of) if lake or as_of else None
    if connector is None and not paths.serving.exists():
        err.print(f"error: no serving file at {paths.serving}; run `tungsten refresh` first", markup=False)
        raise typer.Exit(1)
    if output is not None:
        _check_output(output)
    try:
        with open_query(paths.serving, query, home=paths.home, timeout=timeout, connector=connector,
                        arrow=output is not None and output.suffix.lower() == ".parquet") as res:
            if output is not None:
                n = _write_output(res, output)
                out.print(f"{_rows(n)} written to {output}", markup=False, highlight=False)
            elif format is Format.csv:
                _print_csv(res)
            elif format is Format.json:
                _print_json(res)
            else:
                _print_table(res, vertical, max_rows)
    except QueryStopped as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:  # Ctrl-C before the query's own handler was set, or after it ended
        err.print("error: interrupted (Ctrl-C)", markup=False, highlight=False)
        raise typer.Exit(130) from None
    except QueryRefused as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    except LakeUnreachable as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _lake_connector(as_of: str | None):
    """The lake's connector for open_query, at the snapshot --as-of names (the newest without it)."""
    from tungsten_cli.lake_commands import lake_config_or_exit
    from warehouse.lake.connect import LakeUnreachable
    from warehouse.lake.query import lake_connector, resolve_as_of

    config = lake_config_or_exit()
    try:
        return lake_connector(config, resolve_as_of(config, as_of) if as_of else None)
    except LakeUnreachable as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _rows(n: int) -> str:
    return f"({n:,} row{'' if n == 1 else 's'})"


def _check_output(output: Path) -> None:
    """Exit with a message when --output cannot be written: an unknown ending, a folder, or a
    folder that does not exist (before the query runs, so nothing is computed for nothing)."""
    from warehouse.served_area import refusal

    if output.suffix.lower() not in OUTPUT_WRITERS:
        err.print(f"error: --output {output}: the file name must end in {', '.join(OUTPUT_WRITERS)}", markup=False)
        raise typer.Exit(2)
    if (why := refusal(_paths(), output)) is not None:
        err.print(f"error: --output {why}", markup=False, highlight=False)
        raise typer.Exit(1)
    if output.is_dir():
        err.print(f"error: --output {output} is a folder; give a file name inside it", markup=False)
        raise typer.Exit(1)
    if not output.parent.is_dir():
        err.print(f"error: --output {output}: the folder {output.parent} does not exist", markup=False)
        raise typer.Exit(1)


def _write_output(res, output: Path) -> int:
    """Write the streamed result into output through a temporary file beside it (renamed when
    complete, removed when not: a stopped query leaves no half file); returns the row count."""
    import os

    tmp = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        n = OUTPUT_WRITERS[output.suffix.lower()](res, tmp)
        os.replace(tmp, output)
    except OSError as exc:
        err.print(f"error: cannot write {output}: {exc.strerror or exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _print_csv(res) -> None:
    """Every row as CSV on stdout, batch by batch (cells kept exact for programs, made printable
    when stdout is a terminal)."""
    import csv

    tty = sys.stdout.isatty()
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow([printable(c) if tty else c for c in res.columns])
    for batch in res.batches:
        w.writerows([[printable(v) if tty and isinstance(v, str) else v for v in r] for r in batch] if tty else batch)


def _print_json(res) -> None:
    """Every row as a JSON list of objects on stdout, batch by batch (JSON escapes control characters)."""
    _write_json_rows(res, sys.stdout)


def _write_json_rows(res, fh) -> int:
    n = 0
    fh.write("[")
    for batch in res.batches:
        for r in batch:
            fh.write(("," if n else "") + "\n " + json.dumps(dict(zip(res.columns, r, strict=True)), default=str))
            n += 1
    fh.write("\n]\n")
    return n


def _print_table(res, vertical: bool, max_rows: int) -> None:
    """The first max_rows rows as a table (or vertical blocks); the rest are counted while they
    stream past, and the last line says how many there were and how many were not shown."""
    cols, shown, total = [printable(c) for c in res.columns], [], 0
    for batch in res.batches:
        total += len(batch)
        if len(shown) < max_rows:
            shown.extend(batch[: max_rows - len(shown)])
    if vertical:
        width = max((len(c) for c in cols), default=0)
        for n, r in enumerate(shown, 1):
            out.print(Text(f"-[ row {n} ]" + "-" * max(0, width - 4)))
            for c, v in zip(cols, r, strict=True):
                out.print(Text(f"{c.ljust(width)} | {_cell(v)}"))
    else:
        t = Table()
        for c, v in zip(cols, shown[0] if shown else [None] * len(cols), strict=True):
            t.add_column(Text(c), justify="right" if isinstance(v, int | float) and not isinstance(v, bool) else "left")
        for r in shown:  # cells as plain text: a value such as ":x:" or "[red]" is printed as it is
            t.add_row(*[Text(_cell(v)) for v in r])
        out.print(t)
    hidden = total - len(shown)
    note = f", {hidden:,} not shown (--max-rows, or --output FILE for all)" if hidden else ""
    out.print(f"{_rows(total)[:-1]}{note})", markup=False, highlight=False)


def _cell(v) -> str:
    """A value for display: floats rounded to 4 decimals (trailing zeros dropped; very large or
    small magnitudes in scientific notation), None empty, everything else as str() with control
    characters shown as escapes (a cell must not clear or retitle the terminal)."""
    import math

    if v is None:
        return ""
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v != 0 and (abs(v) >= 1e15 or abs(v) < 1e-4):
            return f"{v:.4g}"
        text = f"{v:.4f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return printable(str(v))


def _write_csv(res, path: Path) -> int:
    """CSV for people: every row, batch by batch, formula-like text cells neutralised (safe_csv)."""
    import csv

    from warehouse.safe_csv import neutralise

    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([neutralise(c) for c in res.columns])
        for batch in res.batches:
            w.writerows([[neutralise(v) for v in r] for r in batch])
            n += len(batch)
    return n


def _write_json(res, path: Path) -> int:
    with path.open("w", encoding="utf-8") as fh:
        return _write_json_rows(res, fh)


def _write_parquet(res, path: Path) -> int:
    """Arrow batches as DuckDB typed them, written as they come (one row group per few batches)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n, writer = 0, None
    try:
        for batch in res.batches:
            if writer is None:
                writer = pq.ParquetWriter(path, batch.schema)
            writer.write_batch(batch)
            n += batch.num_rows
        if writer is None:  # no rows: the columns still
            pq.write_table(pa.table({c: pa.array([], pa.null()) for c in res.columns}), path)
    finally:
        if writer is not None:
            writer.close()
    return n


XLSX_ROWS = 1_048_575  # an Excel sheet's rows, less the header


def _write_xlsx(res, path: Path) -> int:
    """One sheet: the rows are gathered (an Excel sheet holds 1,048,575 at most, and a larger
    result is refused once it passes that, not read to its end)."""
    from warehouse.parquet_export import write_xlsx
    from warehouse.query import QueryRefused

    rows = []
    for batch in res.batches:
        rows.extend(batch)
        if len(rows) > XLSX_ROWS:
            raise QueryRefused(f"the result has more than {XLSX_ROWS:,} rows, more than an Excel sheet holds; "
                               "write it to .csv or .parquet")
    write_xlsx(_frame(res.columns, rows), path, "query")
    return len(rows)


def _frame(cols: list[str], rows: list[tuple]):
    import polars as pl

    return pl.DataFrame(rows, schema=cols, orient="row", infer_schema_length=None)


OUTPUT_WRITERS = {
    ".csv": _write_csv,
    ".parquet": _write_parquet,
    ".json": _write_json,
    ".xlsx": _write_xlsx,
}


# --- export (issue 14, part 3) ---------------------------------------------------------------

class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"
    xlsx = "xlsx"


def export(
    fmt: ExportFormat = typer.Argument(..., metavar="parquet|csv|xlsx", help="File format."),
    folder: Path = typer.Argument(..., help="Folder to write into (made if missing; files of the same name are replaced)."),
    tables: list[str] = typer.Option(None, "--tables", "-t",
                                     help="Tables to export (marts.supply_share, or a bare name such as reserves); "
                                          "repeat for several. Default: every served table."),
) -> None:
    """Copy served tables for your own use: Parquet (a folder per table and a manifest, as beside the
    serving file), CSV or Excel (a file per table)."""
    from warehouse.parquet_export import ExportError
    from warehouse.parquet_export import export as run_export
    from warehouse.served_area import refusal

    paths = _paths()
    if not paths.serving.exists():
        err.print(f"error: no serving file at {paths.serving}; run `tungsten refresh` first", markup=False)
        raise typer.Exit(1)
    if (why := refusal(paths, folder)) is not None:
        err.print(f"error: {why}", markup=False, highlight=False)
        raise typer.Exit(1)
    try:
        with err.status(f"exporting to {folder}..."):
            written = run_export(paths.serving, fmt.value, folder, tables or None)
    except ExportError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    for name, path, rows in written:
        out.print(f"{name}: {rows:,} rows -> {path}", markup=False, highlight=False)
    out.print(f"{len(written)} table(s) written to {folder}", markup=False, highlight=False)


# --- end export ----------------------------------------------------------------------------


# --- docs (issue 14, part 2) ---------------------------------------------------------------

def docs(
    out_dir: Path = typer.Option(None, "--out", help="Folder for the site (default TUNGSTEN_HOME/docs)."),
    serve: bool = typer.Option(False, "--serve", help="Then serve the site on http://127.0.0.1:PORT until Ctrl-C."),
    port: int = typer.Option(8080, help="Port for --serve."),
) -> None:
    """dbt's docs site for the build warehouse (every model, source and column with its description and
    type, and the lineage graph), written as static files outside the source tree."""
    from warehouse.dbt_build import generate_docs
    from warehouse.refresh import RefreshError, writer_lock

    paths = _paths()
    if not paths.build.exists():
        err.print("error: no warehouse yet: run `tungsten refresh` first", markup=False)
        raise typer.Exit(1)
    target = (out_dir or paths.home / "docs").resolve()
    try:
        with err.status("building dbt's docs site against the build file...") as status, \
                writer_lock(paths, lambda m: status.update(m)):
            page = generate_docs(paths, target)
    except (RefreshError, RuntimeError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    out.print(f"docs site: {page} (one self-contained page; index.html beside it for --serve)", markup=False,
              highlight=False)
    if serve:
        import functools
        import http.server

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(target))
        with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
            out.print(f"serving http://127.0.0.1:{port}/ (Ctrl-C to stop)", markup=False, highlight=False)
            try:
                httpd.serve_forever()
            except KeyboardInterrupt:
                pass


# --- end docs ------------------------------------------------------------------------------


# --- explain (issue 14, part 4) ------------------------------------------------------------

def explain(
    ctx: typer.Context,
    mart: str = typer.Argument(..., help="A mart, e.g. supply_share."),
) -> None:
    """Where a mart figure comes from: `tungsten explain supply_share --country CHN --year 2024 --source usgs_mcs`
    prints the row, the raw rows it came from, and for each its file, sha256, line, column, edition,
    DOI or URL, licence, and the dates it was published and loaded. Filters are the mart's columns
    (--country_iso3 CHN) or their short names (--country, --source, --edition, --hs, --project)."""
    from warehouse.explain import PROVENANCE_COLUMNS, ExplainError, what
    from warehouse.explain import explain as run_explain
    from warehouse.query import connect_serving

    filters, args = {}, list(ctx.args)
    while args:
        opt = args.pop(0)
        if not opt.startswith("--"):
            err.print(f"error: unexpected {opt!r}: filters are --column value", markup=False)
            raise typer.Exit(2)
        name, _, value = opt[2:].partition("=")
        if not value:
            if not args:
                err.print(f"error: --{name} needs a value", markup=False)
                raise typer.Exit(2)
            value = args.pop(0)
        filters[name] = value
    paths = _paths()
    if not paths.serving.exists():
        err.print(f"error: no serving file at {paths.serving}; run `tungsten refresh` first", markup=False)
        raise typer.Exit(1)
    con = connect_serving(paths.serving)
    try:
        found = run_explain(con, mart.removeprefix("marts."), filters)
    except ExplainError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    finally:
        con.close()
    for e in found:
        out.print(Text(f"marts.{e.mart}", style="bold"))
        for k, v in e.row.items():
            out.print(Text(f"  {k}: {_cell(v)}"))
        if not e.sources:
            out.print(Text("  (no raw rows are linked from this mart's columns)"))
        for n, s in enumerate(e.sources, 1):
            p = s.provenance
            place = f"line {p['source_line']}" if p["source_line"] is not None else f"item {p['source_item']}"
            out.print(Text(f"  source {n}: raw.{s.raw_table}, {p['source_file']} {place} (via {s.via})", style="bold"))
            for r in s.raw_rows:
                col = f" [column {r['source_column']}]" if r.get("source_column") else ""
                out.print(Text(f"    row{col}: {what(r)}"))
            for k in PROVENANCE_COLUMNS:
                if p.get(k) is not None and k not in ("source_file", "source_line", "source_item"):
                    out.print(Text(f"    {k}: {_cell(p[k])}"))


# --- end explain ---------------------------------------------------------------------------
