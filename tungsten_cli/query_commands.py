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

from tungsten_cli.base import Format, _paths, err, out


def sql(
    query: str = typer.Argument(..., help="A SQL query; the serving file is opened read-only."),
    format: Format = typer.Option(Format.table, "--format", "-f", help="Output format on the terminal."),
    vertical: bool = typer.Option(False, "--vertical", "-x", help="One block per row, a line per column (wide rows)."),
    output: Path = typer.Option(None, "--output", "-o",
                                help="Write the result to FILE.csv, .parquet, .xlsx or .json (by its ending) instead."),
) -> None:
    """Query the serving file (read-only: no other files, no ATTACH, COPY, EXPORT, INSTALL, LOAD or SET).

    Cells print as they are (no markup), floats rounded for display only (--output and --format
    csv/json keep every digit); the table ends with the row count."""
    from warehouse.query import QueryRefused, run

    paths = _paths()
    if not paths.serving.exists():
        err.print(f"error: no serving file at {paths.serving}; run `tungsten refresh` first", markup=False)
        raise typer.Exit(1)
    if output is not None and output.suffix.lower() not in OUTPUT_WRITERS:
        err.print(f"error: --output {output}: the file name must end in {', '.join(OUTPUT_WRITERS)}", markup=False)
        raise typer.Exit(2)
    try:
        cols, rows = run(paths.serving, query)
    except QueryRefused as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, emoji=False)
        raise typer.Exit(1) from None
    count = f"({len(rows):,} row{'' if len(rows) == 1 else 's'})"
    if output is not None:
        try:
            OUTPUT_WRITERS[output.suffix.lower()](_frame(cols, rows), output)
        except OSError as exc:
            err.print(f"error: cannot write {output}: {exc.strerror or exc}", markup=False, highlight=False)
            raise typer.Exit(1) from None
        out.print(f"{count} written to {output}", markup=False, highlight=False)
    elif format is Format.csv:
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        w.writerows(rows)
    elif format is Format.json:
        sys.stdout.write(json.dumps([dict(zip(cols, r, strict=True)) for r in rows], default=str, indent=1) + "\n")
    elif vertical:
        width = max((len(c) for c in cols), default=0)
        for n, r in enumerate(rows, 1):
            out.print(Text(f"-[ row {n} ]" + "-" * max(0, width - 4)))
            for c, v in zip(cols, r, strict=True):
                out.print(Text(f"{c.ljust(width)} | {_cell(v)}"))
        out.print(count, markup=False, highlight=False)
    else:
        t = Table()
        for c, v in zip(cols, rows[0] if rows else [None] * len(cols), strict=True):
            t.add_column(Text(c), justify="right" if isinstance(v, int | float) and not isinstance(v, bool) else "left")
        for r in rows:  # cells as plain text: a value such as ":x:" or "[red]" is printed as it is
            t.add_row(*[Text(_cell(v)) for v in r])
        out.print(t)
        out.print(count, markup=False, highlight=False)


def _cell(v) -> str:
    """A value for display: floats rounded to 4 decimals (trailing zeros dropped; very large or
    small magnitudes in scientific notation), None empty, everything else as str()."""
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
    return str(v)


def _frame(cols: list[str], rows: list[tuple]):
    import polars as pl

    return pl.DataFrame(rows, schema=cols, orient="row", infer_schema_length=None)


def _write_xlsx(frame, path: Path) -> None:
    from warehouse.parquet_export import write_xlsx

    write_xlsx(frame, path, "query")


OUTPUT_WRITERS = {
    ".csv": lambda f, p: f.write_csv(p),
    ".parquet": lambda f, p: f.write_parquet(p),
    ".json": lambda f, p: p.write_text(json.dumps(f.to_dicts(), default=str, indent=1) + "\n"),
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

    paths = _paths()
    if not paths.serving.exists():
        err.print(f"error: no serving file at {paths.serving}; run `tungsten refresh` first", markup=False)
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
