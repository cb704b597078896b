"""The report's chart definitions, read from charts.yml: each chart's question, query, kind,
footer and Vega-Lite fragment are data, so a new chart is a new entry there, not new code.
A malformed entry is refused naming the file, the chart and the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SPEC_PATH = Path(__file__).with_name("charts.yml")
KINDS = ("chart", "map", "table", "sources", "validation", "dictionary")
_ID = re.compile(r"^[a-z0-9_]+$")


class SpecError(ValueError):
    """A charts file entry that cannot be used."""


@dataclass(frozen=True)
class ChartSpec:
    id: str
    section: str
    question: str
    kind: str
    queries: tuple[str, ...]  # `sql`: one query, or several tried in order (the first whose tables exist)
    vega_lite: dict | None = None
    sources: tuple[str, ...] = ()
    editions_sql: str | None = None
    subtitle_sql: str | None = None
    note: str | None = None
    empty_text: str | None = None
    status_column: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def sql(self) -> str:
        return self.queries[0]

    @staticmethod
    def tables(sql: str) -> list[str]:
        """The schema.table names a query reads (for the message when one is empty or missing)."""
        return sorted(set(re.findall(r"\b((?:marts|raw|meta|ref)\.[a-z_0-9]+)", sql)))


def load_specs(path: Path = SPEC_PATH) -> list[ChartSpec]:
    """Every chart of the charts file, in file order."""
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot be read as YAML: {exc}") from None
    entries = (doc or {}).get("charts")
    if not isinstance(entries, list) or not entries:
        raise SpecError(f"{path}: needs a non-empty list `charts`")
    specs, seen = [], set()
    for n, entry in enumerate(entries, 1):
        where = f"{path.name}, chart {n} ({entry.get('id', '?') if isinstance(entry, dict) else '?'})"
        if not isinstance(entry, dict):
            raise SpecError(f"{where}: an entry must be a mapping")
        for key in ("id", "section", "question", "kind"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise SpecError(f"{where}, field '{key}': missing or not text")
        sql = entry.get("sql")
        queries = [sql] if isinstance(sql, str) else sql
        if not isinstance(queries, list) or not queries or not all(isinstance(q, str) and q.strip() for q in queries):
            raise SpecError(f"{where}, field 'sql': a query, or a list of queries, is needed")
        if not _ID.match(entry["id"]):
            raise SpecError(f"{where}, field 'id': use lower-case letters, digits and _ only")
        if entry["id"] in seen:
            raise SpecError(f"{where}, field 'id': {entry['id']!r} is used twice")
        seen.add(entry["id"])
        if entry["kind"] not in KINDS:
            raise SpecError(f"{where}, field 'kind': {entry['kind']!r} is not one of {', '.join(KINDS)}")
        if entry["kind"] in ("chart", "map") and not isinstance(entry.get("vega_lite"), dict):
            raise SpecError(f"{where}, field 'vega_lite': a {entry['kind']} needs a Vega-Lite mapping")
        known = {f for f in ChartSpec.__dataclass_fields__ if f != "extra"} | {"sql"}
        specs.append(ChartSpec(
            id=entry["id"], section=entry["section"], question=entry["question"].strip(), kind=entry["kind"],
            queries=tuple(q.strip() for q in queries), vega_lite=entry.get("vega_lite"), sources=tuple(entry.get("sources") or ()),
            editions_sql=entry.get("editions_sql"), subtitle_sql=entry.get("subtitle_sql"), note=entry.get("note"),
            empty_text=entry.get("empty_text"), status_column=entry.get("status_column"),
            extra={k: v for k, v in entry.items() if k not in known}))
    return specs
