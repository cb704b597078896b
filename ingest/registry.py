"""Parse a file as a named source: the one entry from a user's or the snapshot's file to tidy frames.

The source comes from its folder (ingest.sources); its parser is called with the source's
definition, and what it returns is checked against that definition (edition form,
datasets), so a parser cannot land rows under another source or an edition it made up.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import ParseError
from ingest.sources import resolve_command_name
from ingest.tidy import ParsedFile


def parse_file(name: str, path: str | Path, *, vintage: str | None = None, data: bytes | None = None,
               **options: str | None) -> ParsedFile:
    """Parse one file as the source (id or command name) says. Raises KeyError for an unknown
    source, ValueError for an option the source does not take, ParseError for the file."""
    source, input_name = resolve_command_name(name)
    inp = source.input(input_name)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(inp.options))
    if unknown:
        raise ValueError(f"--{', --'.join(unknown)} do(es) not apply to {input_name} files")
    file = Path(path).name
    if vintage is not None:
        source.check_edition(vintage, file, field="--vintage")
    parsed = source.parser(input_name)(path, source=source, vintage=vintage, data=data, **given)
    source.check_edition(parsed.vintage, file)
    stray = sorted(set(parsed.frames) - set(source.datasets))
    if parsed.source_id != source.id or stray:
        raise ParseError(file, f"the {source.id} parser gave source {parsed.source_id!r} and datasets {stray}: "
                         f"not declared in its source.yml")
    return parsed

