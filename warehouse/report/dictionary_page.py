"""The data dictionary as a page of the report. The dictionary itself is warehouse.dictionary
(data_dictionary(con): every served schema.table.column with type, description, unit, grain);
it is imported lazily, and the report leaves the page out where that module is absent."""

from __future__ import annotations

import importlib.util

MODULE = "warehouse.dictionary"
COLUMNS = ("schema", "table", "column", "type", "unit", "grain", "description")


def available() -> bool:
    try:
        return importlib.util.find_spec(MODULE) is not None
    except (ImportError, ValueError):
        return False


def dictionary_rows(con) -> tuple[list[str], list[tuple]]:
    """(columns, rows): one row per column the serving file `con` is connected to serves."""
    from warehouse.dictionary import data_dictionary

    return list(COLUMNS), [tuple(getattr(c, name) for name in COLUMNS) for c in data_dictionary(con)]
