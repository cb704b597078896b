"""The `tungsten` command line. Imports stay lazy: a no-op refresh or a query should not pay
for importing Great Expectations, dbt or Dagster."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from tungsten_cli import lake_commands, query_commands
from tungsten_cli.base import _paths, _read_build, _source_name, _table, app, err, out, snapshot_app
from tungsten_cli.progress import RunProgress


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
        out.print(f"dbt: {summary.dbt_models} models and seeds built, {summary.dbt_tests} tests passed")
        marts = sorted(k for k in summary.table_rows if k.startswith("marts."))
        out.print("marts: " + ", ".join(f"{m} ({summary.table_rows[m]} rows)" for m in marts))
    elif summary.deferred and any(load.status == "passed" for load in summary.loads):
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


@app.command()
def refresh(
    force: bool = typer.Option(False, help="Rebuild and publish the marts even if nothing changed."),
    live: bool = typer.Option(False, "--live", help="First fetch the latest USGS data release from ScienceBase, "
                                                    "political stability from the World Bank API and, with "
                                                    "COMTRADE_API_KEY set, the latest years from UN Comtrade."),
) -> None:
    """The daily job: load changed snapshot files (validated), build the marts, publish the serving file."""

    files: list[dict] = []
    if live:
        from ingest.sources.un_comtrade.api import KEY_ENV
        from ingest.sources.usgs_mcs.sciencebase import latest_edition

        files += _usgs_files(latest_edition(), None) + _wgi_files()
        if os.environ.get(KEY_ENV):
            files += _comtrade_files(default_comtrade_years())
        else:
            err.print(f"warning: {KEY_ENV} is not set, so UN Comtrade was not fetched; "
                      "`tungsten fetch comtrade` explains how to get a key", markup=False)
    _run_job("refreshing (the daily Dagster job)...", force=force, files=files)


def _run_job(title: str, summary=None, **kwargs) -> None:
    """Run the daily job with a progress line, then print what it did (exit 1 on errors)."""
    from tungsten_cli.daily import run_daily
    from warehouse.refresh import RefreshError

    try:
        with err.status(title) as status:
            summary = run_daily(_paths(), summary=summary, on_event=RunProgress(status), **kwargs)
    except RefreshError as exc:
        err.print("error: " + str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:  # before the run started: nothing to cancel
        _cancelled(None)
    if summary.cancelled:
        _cancelled(summary.run_id)
    _report_if_stale(summary)
    _finish(summary)


def _cancelled(run_id: str | None) -> None:
    """Ctrl-C: one line saying what stays, exit status 130 (as a shell reports SIGINT)."""
    from warehouse.paths import current

    run = f" (Dagster run {run_id}, cancelled)" if run_id else ""
    err.print(f"cancelled{run}: nothing was published halfway; the serving file {current().serving} is the last "
              "good one, and loads that had counted stay for the next refresh", markup=False, highlight=False)
    raise typer.Exit(130)


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
    from warehouse.served_area import refusal

    if output is not None and (why := refusal(_paths(), output)) is not None:
        err.print(f"error: {why}", markup=False, highlight=False)
        raise typer.Exit(1)
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
    replace_edition: bool = typer.Option(False, "--replace-edition",
                                         help="Make this file's rows the whole edition, even where it covers fewer "
                                              "years, metrics or products than the edition held (which is refused "
                                              "otherwise)."),
    accept_outliers: bool = typer.Option(False, "--accept-outliers",
                                         help="Load figures far from the same country's year before, edition before "
                                              "or another source (refused otherwise: a wrong decimal mark?)."),
) -> None:
    """Load one file (a publisher's, or a curated claims/projects file), then rebuild the marts and publish.

    The file goes through the daily Dagster job (its load step's run configuration), so its load
    and GX check show in the Dagster UI like a snapshot file's."""
    _run_files([_user_file(source, file, vintage, reporter=reporter, hs=hs, replace_edition=replace_edition,
                           accept_outliers=accept_outliers)],
               f"ingesting {file.name}...", load_only=not publish)


def _user_file(source: str, file: Path, vintage: str | None, **options) -> dict:
    """A file for the load step's run configuration (dagster_project.raw_assets.UserFile)."""
    return {"source": source, "path": str(Path(file).resolve()), "vintage": vintage, **options}


def _run_files(files: list[dict], title: str, *, load_only: bool = False) -> None:
    """The daily job with these user files loaded first (only the loads with load_only)."""
    from warehouse.refresh import RefreshSummary

    summary = RefreshSummary()
    if not files:
        _finish(summary)
        return
    _run_job(title, summary=summary, files=files, load_only=load_only)


class Publisher(str, Enum):
    usgs = "usgs"
    comtrade = "comtrade"
    wgi = "wgi"


def _download(what: str, download) -> list[dict]:
    """A publisher's files downloaded (saved before parsing), as user files for the job; a
    failed download is an error that loads nothing."""
    from ingest.http import FetchError

    try:
        with err.status(f"fetching {what}...") as status:
            files = download(_paths(), lambda m: status.update(m))
    except (FetchError, ValueError) as exc:
        err.print("error: " + str(exc), markup=False, highlight=False)
        err.print("Nothing was loaded; the serving file is unchanged.", markup=False)
        raise typer.Exit(1) from None
    return [_user_file(source, path, vintage) for source, path, vintage in files]


def _usgs_files(edition: str, item: str | None) -> list[dict]:
    from warehouse.refresh import download_usgs

    return _download(edition, lambda paths, progress: download_usgs(paths, edition, progress, item=item))


def _wgi_files() -> list[dict]:
    """The World Bank API's political stability (PV.EST, PV.STD.ERR), saved as one file, loaded
    like the packaged table (landing, parser, GX suite)."""
    from ingest.sources.wgi.api import fetch_political_stability

    return _download("World Bank WGI political stability", lambda paths, progress: [
        ("wgi", fetch_political_stability(paths.home / "downloads" / "wgi", progress=progress), None)])


def _comtrade_files(years: str) -> list[dict]:
    from ingest.sources.un_comtrade.api import parse_years
    from warehouse.refresh import download_comtrade

    try:
        wanted = parse_years(years)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    return _download(f"UN Comtrade {years}", lambda paths, progress: download_comtrade(paths, wanted, progress))


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
    item: str = typer.Option(None, help="usgs: ScienceBase item id, where ingest/sources/usgs_mcs/editions.csv has none."),
    years: str = typer.Option(None, "--years", help="comtrade: years, e.g. 2018-2023 (default: the five latest)."),
) -> None:
    """Download a publisher's data (saved to landing before parsing), load it, publish.

    comtrade needs COMTRADE_API_KEY in the environment."""
    if publisher is Publisher.usgs:
        if not edition:
            err.print("error: fetch usgs needs --edition (e.g. MCS2026)", markup=False)
            raise typer.Exit(2)
        files = _usgs_files(edition, item)
    elif publisher is Publisher.wgi:
        files = _wgi_files()
    else:
        files = _comtrade_files(years or default_comtrade_years())
    _run_files(files, f"loading {len(files)} fetched file(s) (the daily Dagster job)...")





app.command()(query_commands.sql)
app.command()(query_commands.export)
app.command()(query_commands.docs)
app.command()(lake_commands.changes)
app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(query_commands.explain)


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
    from warehouse.parquet_export import problem as parquet_problem
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
        if (why := parquet_problem(_paths().serving)) is not None:
            out.print(f"Parquet folder: {why}; the next `tungsten refresh` writes it again from the serving file",
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
    """The console script: the app; an unforeseen error is one line, its traceback in a file."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:  # Ctrl-C where no command handles it (an import, the arguments)
        err.print("cancelled: nothing was changed", markup=False, highlight=False)
        raise SystemExit(130) from None
    except Exception as exc:  # a defect or an unforeseen environment: one line, the traceback in a file
        raise SystemExit(_report_crash(exc)) from None


def _report_crash(exc: Exception) -> int:
    """Say what failed in one line and where its traceback was written; exit status 2."""
    import datetime as dt
    import os
    import traceback

    where = "(no log written)"
    try:
        from warehouse.paths import current

        # the pid and an open-exclusive counter: two crashes in the same second keep both logs
        stem = f"crash-{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"
        folder = current().home / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(1000):
            log = folder / (f"{stem}.log" if n == 0 else f"{stem}-{n}.log")
            try:
                with log.open("x") as fh:
                    fh.write("".join(traceback.format_exception(exc)))
                break
            except FileExistsError:
                continue
        where = f"(traceback in {log})"
    except Exception:
        pass
    err.print(f"error: {type(exc).__name__}: {exc} {where}", markup=False, highlight=False)
    return 2


if __name__ == "__main__":
    main()
