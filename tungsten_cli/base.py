"""What every `tungsten` command shares: the Typer app, the consoles, the output formats,
the warehouse paths, and reading the build file or printing a table."""

from __future__ import annotations

import sys
from enum import Enum

import typer
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="The open warehouse for tungsten market intelligence.")
snapshot_app = typer.Typer(no_args_is_help=True, help="The embedded snapshot of real publisher figures.")
app.add_typer(snapshot_app, name="snapshot")


# C0 and C1 control characters but newline and tab: ESC starts the sequences that clear the
# screen, move the cursor or (OSC) retitle the terminal; BEL, BS and CR overwrite what was printed.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t"}


def printable(text: str) -> str:
    """text with each control character written as a visible escape (ESC as \\x1b): cells and file
    names come from files and queries, and a terminal would act on them instead of showing them."""
    return text.translate(_CONTROL)


class SafeConsole(Console):
    """A console that never passes a control character of what it is given to the terminal:
    strings and rich Text are made printable before rich renders them (a Text that held control
    characters keeps its base style, not its spans), and whatever else is rendered is made
    printable segment by segment."""

    def print(self, *objects, **kwargs) -> None:
        super().print(*(_safe(o) for o in objects), **kwargs)

    def render(self, renderable, options=None):
        """Every rendered segment's text made printable (the net under tables and panels built
        elsewhere with a file name in a cell); rich's own control segments pass as they are."""
        for seg in super().render(renderable, options):
            yield seg if seg.control else Segment(printable(seg.text), seg.style)


def _safe(obj):
    """obj made printable when it is a string or a Text; other renderables as they are."""
    if isinstance(obj, str):
        return printable(obj)
    if isinstance(obj, Text) and printable(obj.plain) != obj.plain:
        return Text(printable(obj.plain), style=obj.style, justify=obj.justify, no_wrap=obj.no_wrap)
    return obj


# Pipes and files get wide tables rather than rich's 80-column default.
# emoji off: values and messages echo file content (":x:" must print as it is)
out = SafeConsole(width=None if sys.stdout.isatty() else 200, emoji=False)
err = SafeConsole(stderr=True, soft_wrap=True, emoji=False)


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

    from warehouse.build_file import damage_message, is_damage
    from warehouse.status import open_read_only

    paths = _paths()
    try:
        con = open_read_only(paths.build)
    except duckdb.Error as exc:
        if is_damage(exc):
            err.print(damage_message(paths.build, exc), markup=False)
            raise typer.Exit(1) from None
        if not isinstance(exc, duckdb.IOException):
            raise
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
        t.add_column(printable(c))
    for r in rows:
        t.add_row(*[Text("-" if v is None else printable(str(v))) for v in r])  # plain text: cells may echo file content
    out.print(t)
