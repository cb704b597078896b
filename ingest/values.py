"""Published value cells -> number + qualifier.

USGS and BGS print figures with thousands separators, "W" (withheld to avoid disclosing
company data), "—" (zero), "NA" (not available), ">4,700,000" (greater than), "e"
suffixes (estimated). Anything else is refused, never guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

ZERO_MARKS = {"\u2014", "\u2013", "-", "--", "---", "----", "-----"}  # em dash, en dash, hyphens
WITHHELD = {"w"}
NOT_AVAILABLE = {"na", "n/a", "n.a.", "xx"}
# "NaN" is not among them: it is what a program writes for a number it failed to compute, not
# what a publisher prints for "not available", so a file holding it is refused.
# ASCII digits only: a digit of another script in a figure is a damaged file, not a number.
_NUMBER = re.compile(r"^(?P<op>[<>]=?)?\s*(?P<num>-?\d{1,3}(,\d{3})+(\.\d+)?|-?\d+(\.\d+)?)\s*(?P<est>e)?$",
                     re.IGNORECASE | re.ASCII)


# "66.000": a thousands separator where the file prints other figures plainly ("59", "72000"), or a
# decimal mark with three zeros? Both readings are wrong by a factor of 1000 if guessed.
DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$", re.ASCII)
PLAIN_INTEGER = re.compile(r"^\d+$", re.ASCII)


def ambiguous_thousands(cells: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The first (line, cell) written like "66.000" in cells (line, text) that also hold plain
    integers (so dots are not the file's thousands separator, and "66.000" as a decimal figure
    would be 66 where the writer may have meant 66,000); None when there is none or no plain integer."""
    dotted = [(line, c.strip()) for line, c in cells if DOT_THOUSANDS.match(c.strip())]
    if dotted and any(PLAIN_INTEGER.match(c.strip()) for _line, c in cells):
        return dotted[0]
    return None


@dataclass(frozen=True)
class ParsedValue:
    value: float | None
    qualifier: str | None  # estimated | withheld | greater_than | less_than | not_available | zero | None
    is_estimate: bool = False


def shown(text: str, limit: int = 60) -> str:
    """A cell as a message quotes it: whole if short, else its start and its length (a damaged
    file can hold a cell of megabytes)."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def parse_cell(text: str | None) -> ParsedValue | None:
    """Parse one cell; None for an empty cell; ValueError for text that is not a figure."""
    if text is None:
        return None
    raw = text.strip().replace("\xa0", "")
    if raw == "":
        return None
    low = raw.lower()
    if raw in ZERO_MARKS:
        return ParsedValue(0.0, "zero")
    if low in WITHHELD:
        return ParsedValue(None, "withheld")
    if low in NOT_AVAILABLE:
        return ParsedValue(None, "not_available")
    m = _NUMBER.match(raw)
    if not m:
        raise ValueError(f"not a figure: {shown(text)} (expected a number, 'W', 'NA', '—' or '>N')")
    value = float(m["num"].replace(",", ""))
    if not math.isfinite(value):  # hundreds of digits: beyond any float, read as infinity
        raise ValueError(f"not a figure: {shown(text)} is beyond any number a publisher prints")
    op = m["op"]
    is_est = bool(m["est"])
    if op and op.startswith(">"):
        return ParsedValue(value, "greater_than", is_est)
    if op and op.startswith("<"):
        return ParsedValue(value, "less_than", is_est)
    if value == 0:
        return ParsedValue(0.0, "zero", is_est)
    return ParsedValue(value, "estimated" if is_est else None, is_est)
