"""The data dictionary as a page of the report. The dictionary itself is warehouse.dictionary
(built by another part of the project); it is imported lazily, and the report leaves the page
out while that module does not exist."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util

MODULE = "warehouse.dictionary"
# the function warehouse.dictionary offers, tried in this order
FUNCTIONS = ("dictionary", "data_dictionary", "served_columns", "columns", "entries", "build_dictionary")
COLUMNS = ("schema", "table", "column", "type", "unit", "grain", "description")


def available() -> bool:
    try:
        return importlib.util.find_spec(MODULE) is not None
    except (ImportError, ValueError):
        return False


def _as_dict(entry) -> dict:
    if isinstance(entry, dict):
        return entry
    if dataclasses.is_dataclass(entry):
        return dataclasses.asdict(entry)
    if hasattr(entry, "_asdict"):
        return entry._asdict()
    return {k: getattr(entry, k) for k in dir(entry) if not k.startswith("_") and not callable(getattr(entry, k))}


def _field(d: dict, name: str):
    for key in (name, f"{name}_name", f"data_{name}", f"column_{name}"):
        if key in d:
            return d[key]
    return None


def dictionary_rows() -> tuple[list[str], list[tuple]]:
    """(columns, rows): one row per served schema.table.column."""
    module = importlib.import_module(MODULE)
    fn = next((getattr(module, n) for n in FUNCTIONS if callable(getattr(module, n, None))), None)
    if fn is None:
        raise LookupError(f"{MODULE} has none of the functions {', '.join(FUNCTIONS)}")
    rows = []
    for entry in fn():
        d = _as_dict(entry)
        rows.append(tuple(None if (v := _field(d, c)) is None else str(v) for c in COLUMNS))
    return list(COLUMNS), rows
