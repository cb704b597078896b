"""Per-source specifics kept as data (CSV files in ingest/reference/), read once.

Column maps, aliases, unit codes and edition metadata live in those files so that a
publisher's format change is a data edit, not a code branch (the PUDL way).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).with_name("reference")


@cache
def table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ingest/reference/<name>.csv as dicts of strings."""
    with open(REFERENCE_DIR / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def normalize_key(text: str) -> str:
    """Fold the spelling differences publishers introduce: case, spaces, dash types."""
    text = text.replace("\ufeff", "").replace("\u2014", "-").replace("\u2013", "-").replace("\xa0", " ")
    return " ".join(text.split()).lower()
