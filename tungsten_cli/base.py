"""What every `tungsten` command shares: the Typer app, the consoles, the output formats,
the warehouse paths, and reading the build file or printing a table."""

from __future__ import annotations

import sys
from enum import Enum

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
