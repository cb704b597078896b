"""The `tungsten` command line. Imports stay lazy: a no-op refresh or a query should not pay
for importing Great Expectations, dbt or Dagster."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="The open warehouse for tungsten market intelligence.")
snapshot_app = typer.Typer(no_args_is_help=True, help="The embedded snapshot of real publisher figures.")
app.add_typer(snapshot_app, name="snapshot")
# Pipes and files get wide tables rather than rich's 80-column default.
# emoji off: values and messages echo file content (":x:" must print as it is)
out = Console(width=None if sys.stdout.isatty() else 200, emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)


def _source_name(value: str) -> str:
    """A source id or command name from the source folders (ingest/sources/*/source.yml)."""
    from ingest.sources import resolve_command_name

    try:
        resolve_command_name(value)
    except KeyError as exc:
        raise typer.BadParameter(str(exc).strip('"')) from None
    return value


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _paths():
    from warehouse.paths import current

    return current().ensure()


def _print_summary(summary) -> None:
    if not summary.loads:
        _print_outcome(summary)
        return
    t = Table(title="Loads", show_lines=False)
    for col in ("raw table", "edition", "file", "status", "rows", "checks"):
        t.add_column(col)
    for r in summary.loads:
        style = {"passed": "green", "failed": "red", "skipped": "dim"}[r.status]
        evaluated = r.expectations_evaluated
        checks = f"{evaluated - r.expectations_failed}/{evaluated} passed" if evaluated else "-"
        t.add_row(r.raw_table, Text(r.vintage or ""), Text(r.file_name), f"[{style}]{r.status}[/]", str(r.rows), checks)
    out.print(t)
    loaded = sum(1 for r in summary.loads if r.status == "passed")
    skipped = sum(1 for r in summary.loads if r.status == "skipped")
    failed = sum(1 for r in summary.loads if r.status == "failed")
    out.print(f"loads (one per file and raw table): {loaded} loaded, {skipped} skipped as unchanged, {failed} refused")
    _print_outcome(summary)


def _print_outcome(summary) -> None:
    if not summary.loads and not summary.built and not summary.errors and not summary.deferred:
        out.print("nothing changed since the last publish")
    if summary.built:
        out.print(f"dbt: {summary.dbt_models} models built, {summary.dbt_tests} tests passed")
        marts = sorted(k for k in summary.table_rows if k.startswith("marts."))
        out.print("marts: " + ", ".join(f"{m} ({summary.table_rows[m]} rows)" for m in marts))
    elif summary.deferred:
        out.print("loaded into the build warehouse; marts not rebuilt: `tungsten refresh` builds and publishes")
    elif not summary.errors:
        out.print("dbt: marts up to date, nothing rebuilt or republished")
    if summary.run_id:
        out.print(f"Dagster run {summary.run_id} (see it with ./bin/dagster-dev)")
    if summary.published:
        out.print(f"[green]published[/] {summary.serving_path}")
    elif summary.serving_path:
        out.print(f"serving file (unchanged): {summary.serving_path}")
    if summary.serving_path:  # the report (warehouse.report), written beside the serving file
        from warehouse.report import report_path

        if report_path(summary.serving_path).exists():
            out.print(f"report: {report_path(summary.serving_path)}", markup=False, highlight=False)
    out.print(f"took {summary.duration_s:.1f} s")


def _finish(summary) -> None:
    _print_summary(summary)
    for w in summary.warnings:
        err.print("warning: " + w, markup=False, highlight=False)
    if summary.errors:
        for e in summary.errors:
            err.print("error: " + e, markup=False, highlight=False)
        raise typer.Exit(1)


# --- refresh progress (issue 14, part 5) ----------------------------------------------------

class _RunProgress:
    """Progress of the daily job by stage, read from the Dagster run's own event log (the SQLite
    file of the run under DAGSTER_HOME/history/runs, written as the job goes) by a thread:
    files loaded and validated, dbt models built of N, publish. The spinner line shows the
    current stage; a line per finished stage goes to stderr (so a log of a cron run shows them)."""

    STAGES = {"load_sources": "load and validate files", "tungsten_dbt": "dbt build", "serving_file": "publish"}

    def __init__(self, paths, status) -> None:
        import time

        from tungsten_cli.daily import dagster_home

        self.runs = Path(os.environ.get("DAGSTER_HOME") or dagster_home(paths)) / "history" / "runs"
        self.status, self.started = status, time.time()
        self.db: Path | None = None
        self.last_id, self.files, self.models, self.planned = 0, 0, 0, 0
        self.step_started: dict[str, float] = {}
        self.stop = None

    def __enter__(self):
        import threading

        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self._poll()

    def _loop(self) -> None:
        while not self.stop.wait(0.3):
            try:
                self._poll()
            except Exception:  # progress is a courtesy: never fail the run for it
                pass

    def _poll(self) -> None:
        import sqlite3

        if self.db is None:
            if not self.runs.exists():
                return
            fresh = [p for p in self.runs.glob("*.db") if p.name != "index.db" and p.stat().st_mtime >= self.started - 1]
            if not fresh:
                return
            self.db = max(fresh, key=lambda p: p.stat().st_mtime)
        try:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=0.2)
            rows = con.execute("SELECT id, dagster_event_type, step_key, timestamp, "
                               "CASE WHEN dagster_event_type IS NULL THEN event END FROM event_logs WHERE id > ? "
                               "ORDER BY id", [self.last_id]).fetchall()
            con.close()
        except sqlite3.Error:
            return
        for event_id, kind, step, ts, event in rows:
            self.last_id = event_id
            self._event(kind, step or "", ts, event)

    def _event(self, kind, step: str, ts, event) -> None:
        import time

        stage = next((k for k in self.STAGES if step.startswith(k)), None)
        if kind == "STEP_START" and stage:
            self.step_started[stage] = time.time()
        elif kind == "ASSET_MATERIALIZATION_PLANNED" and stage == "tungsten_dbt":
            self.planned += 1
        elif kind is None and stage == "load_sources" and event:
            message = json.loads(event).get("user_message", "")
            if message.startswith(("loading ", "validating and loading ")):
                self.files += 1
                self.status.update(f"1/3 loading and validating files: {self.files} so far ({message})")
        elif kind == "ASSET_MATERIALIZATION" and stage == "tungsten_dbt":
            self.models += 1
            self.status.update(f"2/3 dbt: {self.models} of {self.planned} models built")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and stage:
            took = time.time() - self.step_started.get(stage, time.time())
            done = {"load_sources": f"{self.files} file(s) loaded and validated",
                    "tungsten_dbt": f"{self.models} of {self.planned} dbt models built",
                    "serving_file": "serving file and Parquet folder published"}[stage]
            outcome = "done" if kind == "STEP_SUCCESS" else "FAILED"
            err.print(f"{self.STAGES[stage]}: {outcome}, {done} ({took:.1f} s)", markup=False, highlight=False)
            if stage == "load_sources":
                self.status.update("2/3 dbt build: starting")
            elif stage == "tungsten_dbt":
                self.status.update("3/3 publishing the serving file and the Parquet folder")


# --- end refresh progress ------------------------------------------------------------------


@app.command()
def refresh(
    force: bool = typer.Option(False, help="Rebuild and publish the marts even if nothing changed."),
    live: bool = typer.Option(False, "--live", help="First fetch the latest USGS data release from ScienceBase, "
                                                    "political stability from the World Bank API and, with "
                                                    "COMTRADE_API_KEY set, the latest years from UN Comtrade."),
) -> None:
    """The daily job: load changed snapshot files (validated), build the marts, publish the serving file."""
    import os

    from warehouse.refresh import RefreshError

    if live:
        from ingest.sources.un_comtrade.api import KEY_ENV
        from ingest.sources.usgs_mcs.sciencebase import latest_edition

        latest = latest_edition()
        _fetch_usgs(latest, None)
        _fetch_wgi()
        if os.environ.get(KEY_ENV):
            _fetch_comtrade(default_comtrade_years())
        else:
            err.print(f"warning: {KEY_ENV} is not set, so UN Comtrade was not fetched; "
                      "`tungsten fetch comtrade` explains how to get a key", markup=False)
    from tungsten_cli.daily import run_daily

    try:
        with err.status("refreshing (the daily Dagster job)...") as status, _RunProgress(_paths(), status):
            summary = run_daily(_paths(), force=force)
    except RefreshError as exc:
        err.print("error: " + str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None
    _report_if_stale(summary)
    _finish(summary)


def _report_if_stale(summary) -> None:
    """A refresh with nothing to republish skips the daily job's report asset: write the report
    here if it is missing or older than the serving file (e.g. deleted, or first run after an upgrade)."""
    from warehouse.report import build_report, report_path

    serving = summary.serving_path
    if summary.errors or not serving or not serving.exists():
        return
    path = report_path(serving)
    if path.exists() and path.stat().st_mtime >= serving.stat().st_mtime:
        return
    try:
        build_report(serving)
    except Exception as exc:  # the warehouse is served; the report's failure is a warning, not an error
        summary.warnings.append(f"the report could not be written to {path}: {exc}")


@app.command()
def report(
    output: Path = typer.Option(None, "--output", "-o", dir_okay=False,
                                help="Where to write the HTML file (default: beside the serving file)."),
) -> None:
    """Write the report: one self-contained HTML file of charts, a map and tables from the serving file."""
    from warehouse.report import SpecError, build_report

    try:
        with err.status("writing the report..."):
            result = build_report(_paths().serving, output)
    except (FileNotFoundError, SpecError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    for problem in result.problems:
        err.print(f"note: chart {problem}", markup=False, highlight=False)
    drawn = sum(1 for f in result.figures if f.status == "drawn")
    out.print(f"report: {result.path} ({result.bytes / 1e6:.1f} MB, {drawn} charts, {result.seconds:.1f} s)",
              markup=False, highlight=False)


@app.command()
def ingest(
    source: str = typer.Argument(..., callback=_source_name,
                                 help="Which source's format the file is in: a source id or command name "
                                      "(`tungsten sources` lists them)."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The downloaded publisher file."),
    vintage: str = typer.Option(None, help="Edition code (MCS2026, BGS2023) when the file does not say; "
                                           "trade files default to their file name."),
    reporter: str = typer.Option(None, help="ITC Trade Map: the reporter's ISO3 code, when the file name does not say."),
    hs: str = typer.Option(None, help="ITC Trade Map: the product's HS code (or TOTAL), when the file name does not say."),
    publish: bool = typer.Option(True, "--publish/--no-publish",
                                 help="--no-publish: only parse, validate and load into the build warehouse; "
                                      "the next `tungsten refresh` rebuilds the marts and publishes (for several bulk files)."),
) -> None:
    """Load one file (a publisher's, or a curated claims/projects file), then rebuild the marts and publish."""
    from ingest.errors import ParseError
    from warehouse.refresh import RefreshError, ingest_file

    try:
        with err.status(f"ingesting {file.name}...") as status:
            summary = ingest_file(_paths(), source, file, lambda m: status.update(m), vintage=vintage,
                                  options={"reporter": reporter, "hs": hs})
    except (ParseError, RefreshError, ValueError, KeyError) as exc:
        err.print("error: " + str(exc).strip('"'), markup=False, highlight=False)
        err.print("Nothing was loaded; the serving file is unchanged.", markup=False)
        raise typer.Exit(1) from None
    _publish_after_load(summary, publish)


def _publish_after_load(summary, publish: bool) -> None:
    """After a load of user files: the daily job builds the marts and publishes (unless the load
    was refused, or the user asked to load only)."""
    from tungsten_cli.daily import run_daily
    from warehouse.refresh import RefreshError

    if summary.errors or not publish:
        _finish(summary)
        return
    try:
        with err.status("building the marts and publishing (the daily Dagster job)..."):
            summary = run_daily(_paths(), summary=summary)
    except RefreshError as exc:
        summary.errors.append(str(exc))
    _finish(summary)


class Publisher(str, Enum):
    usgs = "usgs"
    comtrade = "comtrade"
    wgi = "wgi"


def _fetch(what: str, run) -> None:
    from ingest.errors import ParseError
    from ingest.http import FetchError
    from warehouse.refresh import RefreshError

    try:
        with err.status(f"fetching {what}...") as status:
            summary = run(_paths(), lambda m: status.update(m))
    except (FetchError, ParseError, RefreshError, ValueError) as exc:
        err.print("error: " + str(exc), markup=False, highlight=False)
        err.print("Nothing was loaded; the serving file is unchanged.", markup=False)
        raise typer.Exit(1) from None
    _publish_after_load(summary, publish=bool(summary.loads))


def _fetch_usgs(edition: str, item: str | None) -> None:
    from warehouse.refresh import fetch_usgs

    _fetch(edition, lambda paths, progress: fetch_usgs(paths, edition, progress, item=item))


def _fetch_wgi() -> None:
    """The World Bank API's political stability (PV.EST, PV.STD.ERR), saved as one file, then loaded
    like the packaged table (landing, parser, GX suite) and published."""
    from ingest.sources.wgi.api import fetch_political_stability
    from warehouse.refresh import load_files

    _fetch("World Bank WGI political stability", lambda paths, progress: load_files(
        paths, [("wgi", fetch_political_stability(paths.home / "downloads" / "wgi", progress=progress), None)],
        progress, collect_parse_errors=True))


def _fetch_comtrade(years: str) -> None:
    from ingest.sources.un_comtrade.api import parse_years
    from warehouse.refresh import fetch_comtrade

    try:
        wanted = parse_years(years)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    _fetch(f"UN Comtrade {years}", lambda paths, progress: fetch_comtrade(paths, wanted, progress))


def default_comtrade_years() -> str:
    """The live run's window: the five latest complete years (Comtrade fills in over two years)."""
    import datetime as dt

    this = dt.date.today().year
    return f"{this - 5}-{this - 1}"


@app.command()
def fetch(
    publisher: Publisher = typer.Argument(..., help="Whose data to fetch: usgs (ScienceBase), comtrade (API) or "
                                                    "wgi (World Bank API, political stability)."),
    edition: str = typer.Option(None, "--edition", help="usgs: edition code, e.g. MCS2026."),
    item: str = typer.Option(None, help="usgs: ScienceBase item id, where reference/editions.csv has none."),
    years: str = typer.Option(None, "--years", help="comtrade: years, e.g. 2018-2023 (default: the five latest)."),
) -> None:
    """Download a publisher's data (saved to landing before parsing), load it, publish.

    comtrade needs COMTRADE_API_KEY in the environment."""
    if publisher is Publisher.usgs:
        if not edition:
            err.print("error: fetch usgs needs --edition (e.g. MCS2026)", markup=False)
            raise typer.Exit(2)
        _fetch_usgs(edition, item)
    elif publisher is Publisher.wgi:
        _fetch_wgi()
    else:
        _fetch_comtrade(years or default_comtrade_years())


@app.command()
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


@app.command()
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

@app.command()
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

@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
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


def _read_build():
    """The build file read-only, or an exit with a message when there is none or it is being written."""
    import duckdb

    from warehouse.status import open_read_only

    paths = _paths()
    try:
        con = open_read_only(paths.build)
    except duckdb.IOException:
        err.print(f"the build warehouse is being written (a refresh or ingest is running): {paths.build}; "
                  "try again when it ends (the serving file stays readable with `tungsten sql`)", markup=False)
        raise typer.Exit(1) from None
    if con is None:
        err.print("no warehouse yet: run `tungsten refresh`", markup=False)
        raise typer.Exit(1)
    return con


def _table(title: str, columns: list[str], rows) -> None:
    t = Table(title=title)
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*[Text("-" if v is None else str(v)) for v in r])  # plain text: cells may echo file content
    out.print(t)


@app.command()
def sources() -> None:
    """Every registered source (ingest/sources/*/source.yml): what the warehouse holds of it and how fresh it is."""
    from warehouse.status import freshness, source_states

    paths = _paths()
    con = _read_build() if paths.build.exists() else None
    try:
        states = source_states(con)
    finally:
        if con is not None:
            con.close()
    rows = []
    for s in states:
        f = freshness(s)
        last = f"{s.last_status} {s.last_loaded_at:%Y-%m-%d %H:%M}" if s.last_loaded_at and s.last_status else "-"
        rows.append((s.source.id, s.source.name, s.source.publisher, s.source.licence, ", ".join(s.editions) or "-",
                     s.rows, last, ("fresh: " if f.fresh else "STALE: ") + f.reason))
    _table("Sources", ["id", "name", "publisher", "licence", "editions held", "rows", "last load", "freshness"], rows)


@app.command()
def status() -> None:
    """The last loads, the last build, and how fresh each source is."""
    from warehouse.status import last_build, load_attempts, pending_loads, serving_lag, source_files_summary

    con = _read_build()
    try:
        _table("Sources", ["raw table", "source", "latest edition", "published", "editions", "rows", "last loaded",
                           "days ago"], source_files_summary(con))
        _table("Last load attempts", ["when", "raw table", "edition", "file", "status", "rows", "message"],
               load_attempts(con))
        build = last_build(con)
        if build:
            out.print(f"last build: {build[0]} {build[1]} -> {build[2]}", markup=False)
        lag = serving_lag(con, _paths().serving)
        out.print(f"serving file: {lag}" if lag else "serving file: current (built from everything the build holds)",
                  markup=False, highlight=False)
        for load_id, raw_table, started in pending_loads(con):
            out.print(f"[yellow]unfinished load[/] {load_id} into raw.{raw_table} (started {started}): "
                      "cut short before it counted (its rows are not part of raw.*); the next load or refresh deletes them")
    finally:
        con.close()


@snapshot_app.command("build")
def snapshot_build(
    source_dir: Path = typer.Argument(..., exists=True, file_okay=False,
                                      help="Folder with the publisher files each source.yml's snapshot inputs name "
                                           "(usgs/, bgs/, trade/, geopolrisk/ ...)."),
    accessed: str = typer.Option(None, help="Date the files were accessed (YYYY-MM-DD); default today."),
    source: list[str] = typer.Option(None, "--source", help="Rebuild only these sources (id or command name)."),
) -> None:
    """Parse real publisher files and (re)write the embedded snapshot under data/snapshot/."""
    from ingest.snapshot import build
    from ingest.sources import resolve_command_name

    only = {resolve_command_name(s)[0].id for s in source} if source else None
    for e in build(source_dir, _paths().snapshot, accessed=accessed, sources=only):
        out.print(f"{e['path']}: {e['rows']} figures from {e['original']['file_name']}", markup=False)


def main() -> None:
    """The console script: the app, then an exit without the interpreter's slow teardown."""
    from tungsten_cli.fast_exit import exit_now

    try:
        app()
    except SystemExit as exc:
        exit_now(exc.code)
    except Exception as exc:  # a defect or an unforeseen environment: one line, the traceback in a file
        exit_now(_report_crash(exc))
    exit_now(0)


def _report_crash(exc: Exception) -> int:
    """Say what failed in one line and where its traceback was written; exit status 2."""
    import datetime as dt
    import traceback

    where = "(no log written)"
    try:
        from warehouse.paths import current

        log = current().home / "logs" / f"crash-{dt.datetime.now():%Y%m%dT%H%M%S}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(traceback.format_exception(exc)))
        where = f"(traceback in {log})"
    except Exception:
        pass
    err.print(f"error: {type(exc).__name__}: {exc} {where}", markup=False, highlight=False)
    return 2


if __name__ == "__main__":
    main()
