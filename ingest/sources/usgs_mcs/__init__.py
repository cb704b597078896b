"""USGS Mineral Commodity Summaries: every edition's tungsten files, by their own format.

Formats (detected from the header, never from the file name alone):
- world_wide: per-commodity world files MCS2022-MCS2024 and the all-commodity MCS2025 world
  data (columns differ per edition; mapped by world_columns.csv);
- salient_wide: the US salient-statistics files (salient_columns.csv);
- long: the MCS2026 long format, all sections of all commodities in one file
  (long_statistics.csv).
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import ParseError
from ingest.provenance import csv_records, decode, sha256_bytes
from ingest.reference import normalize_key
from ingest.sources import Source
from ingest.tidy import ParsedFile

from . import long as long_format
from . import salient_wide, world_wide
from .common import ReadContext

FORMATS = {
    "world_wide": world_wide,
    "salient_wide": salient_wide,
    "long": long_format,
}


def detect_format(header: list[str]) -> str | None:
    cols = {normalize_key(c).replace(" ", "") for c in header}
    if {"mcschapter", "section", "statistics_detail", "value"} <= cols:
        return "long"
    if {"country", "type"} <= cols and ({"source"} & cols or {"datasource"} & cols):
        return "world_wide"
    if {"datasource", "commodity", "year"} <= cols:
        return "salient_wide"
    return None


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    """Parse one USGS MCS file (any known edition format) into tidy frames by dataset."""
    path = Path(path)
    data = path.read_bytes() if data is None else data
    text, encoding = decode(data, path.name)
    records = list(csv_records(text, path.name))
    if not records:
        raise ParseError(path.name, "no header line")
    header_line, header = records[0]
    fmt = detect_format(header)
    if fmt is None:
        raise ParseError(
            path.name,
            "unrecognised header " + repr(header[:8]) + "; expected a USGS MCS world file (Source, Country, Type, Prod_...),"
            " a salient file (DataSource, Commodity, Year, ...) or the MCS2026 long format (MCS chapter, Section, ...)",
            line=header_line,
        )
    ctx = ReadContext(source=source, file=path.name, sha256=sha256_bytes(data), vintage_override=vintage)
    frames, found_vintage = FORMATS[fmt].parse(header, records[1:], ctx)
    return ParsedFile(source.id, found_vintage, path.name, ctx.sha256, encoding, f"usgs_{fmt}", frames)
