"""CSV written for people: a text cell a spreadsheet would run as a formula is neutralised.

OWASP's advice on CSV injection (https://owasp.org/www-community/attacks/CSV_Injection):
a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a
single quote, so Excel, LibreOffice and Sheets show it as text instead of evaluating it
(`=HYPERLINK(...)` in a claim's text would otherwise be a live link or command). Only text
cells: numbers such as -5 stay numbers. Used by `tungsten export csv` and `tungsten sql
--output x.csv`; `--format csv` on stdout is for programs and is written as it is.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """value, or a text value that begins like a formula with a single quote in front."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised_select(relation: str, columns: list[tuple[str, str]]) -> str:
    """A SELECT of relation whose VARCHAR columns are neutralised in SQL (for DuckDB's COPY, which
    streams); columns: (name, DuckDB type) in order."""
    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
    items = []
    for name, typ in columns:
        col = quote(name)
        if typ.upper() == "VARCHAR":
            items.append(f"CASE WHEN left({col}, 1) IN ({starts}) THEN '''' || {col} ELSE {col} END AS {col}")
        else:
            items.append(col)
    return f"SELECT {', '.join(items)} FROM {relation}"
