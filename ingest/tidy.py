"""The tidy figure schema every parser emits: one row per published figure.

Each row carries what the publisher printed (country, value, unit, note) beside the
warehouse's reading of it (ISO3, number, qualifier, t W), and where it came from (file,
sha256, line, column), so any mart figure can be traced back to its cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ingest.countries import resolve
from ingest.units import to_t_w

TIDY_SCHEMA: dict[str, pl.DataType] = {
    "source_id": pl.String,
    "vintage": pl.String,
    "dataset": pl.String,
    "country_published": pl.String,
    "country_iso3": pl.String,
    "is_aggregate": pl.Boolean,
    "aggregate_kind": pl.String,
    "year": pl.Int32,
    "period": pl.String,
    "metric": pl.String,
    "value": pl.Float64,
    "value_published": pl.String,
    "unit_published": pl.String,
    "unit_code": pl.String,
    "value_t_w": pl.Float64,
    "qualifier": pl.String,
    "is_estimate": pl.Boolean,
    "note": pl.String,
    "source_file": pl.String,
    "source_sha256": pl.String,
    "source_line": pl.Int32,
    "source_column": pl.String,
}

KEY_COLUMNS = ["source_id", "vintage", "dataset", "country_published", "year", "metric"]
QUALIFIERS = ("estimated", "withheld", "greater_than", "less_than", "not_available", "zero", "not_significant")


@dataclass
class FigureRows:
    """Accumulates tidy rows for one dataset of one file; fills derived columns once."""

    source_id: str
    dataset: str
    source_file: str
    source_sha256: str
    rows: list[dict] = field(default_factory=list)

    def add(self, *, vintage: str, country: str, year: int, metric: str, parsed, value_published: str,
            unit_published: str, unit_code: str, note: str | None, line: int, column: str,
            is_estimate: bool = False, period: str | None = None) -> None:
        match = resolve(country)
        value = parsed.value
        qualifier = parsed.qualifier
        estimate = is_estimate or parsed.is_estimate
        if estimate and qualifier is None:
            qualifier = "estimated"
        self.rows.append({
            "source_id": self.source_id,
            "vintage": vintage,
            "dataset": self.dataset,
            "country_published": " ".join(country.split()),
            "country_iso3": match.iso3,
            "is_aggregate": match.is_aggregate,
            "aggregate_kind": match.aggregate_kind,
            "year": year,
            "period": period or str(year),
            "metric": metric,
            "value": value,
            "value_published": value_published.strip(),
            "unit_published": unit_published,
            "unit_code": unit_code,
            "value_t_w": to_t_w(value, unit_code),
            "qualifier": qualifier,
            "is_estimate": estimate,
            "note": (note or "").strip() or None,
            "source_file": self.source_file,
            "source_sha256": self.source_sha256,
            "source_line": line,
            "source_column": column,
        })

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=TIDY_SCHEMA, orient="row") if self.rows else empty_frame()


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=TIDY_SCHEMA)


@dataclass
class ParsedFile:
    """What one publisher file yields: tidy frames per dataset, plus how it was read."""

    source_id: str
    vintage: str
    file_name: str
    sha256: str
    encoding: str
    format: str
    frames: dict[str, pl.DataFrame]  # or ingest.chunks.FrameChunks for a file read in chunks

    @property
    def rows(self) -> int | None:
        """Rows of all frames; None while a chunked frame has not been read through."""
        heights = [f.height for f in self.frames.values()]
        return None if any(h is None for h in heights) else sum(heights)
