"""The one declarative form of a Great Expectations suite.

Each raw table's suite is a YAML file, `warehouse/gx_suites/<table>.yml`: the audit that adds
its cross-row columns (warehouse/audits.py), the columns shown for each failing row, and a
list of rules. A source may add rules for its own loads under `checks: {<table>: [...]}` in its
source.yml (bounds that only hold for that publisher). A rule is one entry:

    - not_null: [a, b]                        one expectation per column
    - is_null: {column: a, where: "b == True"}  where: a pandas row condition
    - unique: a
    - unique_together: [a, b]                 ($name of a list works too)
    - in_set: {column: a, values: $iso3, mostly: 0.99}
    - is_true: [audit_x, audit_y]             in_set [True]
    - between: {columns: [a, b], min: 0, max: $year_max}
    - matches: {column: a, regex: '^\\d{4}$'}

`$name` is a value of the load (source id, edition, dataset, the edition's year window from
source.yml) or a named set (warehouse/suite_values.py); a `$name` inside a list that is a
list itself is spliced in, and inside `where` it is written as a Python literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ingest.sources import Source
from warehouse.audits import AUDITS
from warehouse.suite_values import SUITES_DIR, load_values

Specs = list[tuple[str, dict]]

RULES: dict[str, tuple[str, dict]] = {
    "not_null": ("ExpectColumnValuesToNotBeNull", {}),
    "is_null": ("ExpectColumnValuesToBeNull", {}),
    "unique": ("ExpectColumnValuesToBeUnique", {}),
    "unique_together": ("ExpectCompoundColumnsToBeUnique", {}),
    "in_set": ("ExpectColumnValuesToBeInSet", {}),
    "is_true": ("ExpectColumnValuesToBeInSet", {"value_set": [True]}),
    "between": ("ExpectColumnValuesToBeBetween", {}),
    "matches": ("ExpectColumnValuesToMatchRegex", {}),
}
ARGUMENTS = {"values": "value_set", "min": "min_value", "max": "max_value", "regex": "regex", "mostly": "mostly"}


class SuiteDefinitionError(Exception):
    """A suite or a source's checks that cannot be built; names the file and the rule."""


@dataclass(frozen=True)
class SuiteSpec:
    table: str
    path: Path
    audit: str
    examples: tuple[str, ...]
    rules: tuple[Any, ...]


@cache
def suite_spec(table: str, root: Path = SUITES_DIR) -> SuiteSpec:
    path = root / f"{table}.yml"
    if not path.exists():
        raise SuiteDefinitionError(f"{path}: no suite for raw table {table!r}")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SuiteDefinitionError(f"{path}: not valid YAML: {exc}") from None
    audit = doc.get("audit", "none")
    if audit not in AUDITS:
        raise SuiteDefinitionError(f"{path}: audit {audit!r} is not one of {sorted(AUDITS)}")
    rules = tuple(doc.get("expectations") or ())
    if not rules:
        raise SuiteDefinitionError(f"{path}: no expectations")
    return SuiteSpec(table, path, audit, tuple(doc.get("examples") or ()), rules)


@cache
def every_table_rules(root: Path = SUITES_DIR) -> tuple[Any, ...]:
    """The rules of _every_table.yml, part of every raw table's suite."""
    doc = yaml.safe_load((root / "_every_table.yml").read_text(encoding="utf-8")) or {}
    return tuple(doc.get("expectations") or ())


@cache
def bound_rules(table: str, root: Path = SUITES_DIR) -> tuple[dict, ...]:
    """value_bounds.csv's rows for the table as `between` rules: magnitudes no publisher could
    print (a unit mix-up, 1e30 typed into a cell), kept as data with the reason for each."""
    import csv

    rules = []
    with open(root / "value_bounds.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["raw_table"] != table:
                continue
            arg: dict[str, Any] = {"column": row["column"]}
            for key in ("min", "max"):
                if row[key].strip():
                    arg[key] = float(row[key])
            if row["where"].strip():
                arg["where"] = row["where"]
            rules.append({"between": arg})
    return tuple(rules)


def expectations(table: str, source: Source, vintage: str, dataset: str) -> Specs:
    """(GX expectation class, kwargs) of one load: the rules of every table, the table's own,
    its value bounds, then the source's own rules."""
    spec = suite_spec(table)
    values = load_values(source, vintage, dataset)
    out: Specs = []
    for i, rule in enumerate(every_table_rules(), 1):
        out += expand(rule, values, f"{SUITES_DIR / '_every_table.yml'}: rule {i}")
    for i, rule in enumerate(bound_rules(table), 1):
        out += expand(rule, values, f"{SUITES_DIR / 'value_bounds.csv'}: {table} bound {i}")
    for i, rule in enumerate(spec.rules, 1):
        out += expand(rule, values, f"{spec.path}: rule {i}")
    for i, rule in enumerate(source.checks.get(table, ()), 1):
        out += expand(rule, values, f"{source.folder / 'source.yml'}: checks.{table} rule {i}")
    return out


def expand(rule: Any, values: dict, where: str) -> Specs:
    """The expectations one rule stands for."""
    if not isinstance(rule, dict) or len(rule) != 1:
        raise SuiteDefinitionError(f"{where}: a rule is one `name: argument` entry, got {rule!r}")
    name, arg = next(iter(rule.items()))
    if name not in RULES:
        raise SuiteDefinitionError(f"{where}: unknown rule {name!r} (one of {sorted(RULES)})")
    cls, fixed = RULES[name]
    if name == "unique_together":
        columns = resolve(arg["columns"] if isinstance(arg, dict) else arg, values, where)
        return [(cls, {"column_list": columns})]
    arg = {"columns": arg} if isinstance(arg, str | list) else dict(arg)
    columns = arg.pop("columns", None)
    columns = [arg.pop("column")] if "column" in arg else resolve(columns, values, where)
    columns = [columns] if isinstance(columns, str) else columns
    if not columns:
        raise SuiteDefinitionError(f"{where}: {name} names no column")
    kwargs: dict[str, Any] = {}
    for key, value in arg.items():
        if key == "where":
            kwargs["row_condition"] = re.sub(r"\$(\w+)", lambda m: repr(_value(m.group(1), values, where)), value)
            kwargs["condition_parser"] = "pandas"
        elif key in ARGUMENTS:
            kwargs[ARGUMENTS[key]] = resolve(value, values, where)
        else:
            raise SuiteDefinitionError(f"{where}: {name} has no argument {key!r} "
                                       f"(column, columns, where, {', '.join(ARGUMENTS)})")
    return [(cls, {"column": c, **kwargs, **fixed}) for c in columns]


def resolve(value: Any, values: dict, where: str) -> Any:
    """$name -> its value; in a list, a $name that is a list is spliced in."""
    if isinstance(value, str) and value.startswith("$"):
        return _value(value[1:], values, where)
    if isinstance(value, list):
        out = []
        for item in value:
            got = resolve(item, values, where)
            out += got if isinstance(item, str) and item.startswith("$") and isinstance(got, list) else [got]
        return out
    return value


def _value(name: str, values: dict, where: str) -> Any:
    if name not in values:
        raise SuiteDefinitionError(f"{where}: unknown value ${name} (known: {', '.join(sorted(values))})")
    return values[name]()
