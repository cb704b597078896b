"""Provenance on demand (`tungsten explain`): a mart row, the raw rows it came from, and for each
the file, sha256, line, column, edition, DOI or URL, licence, dates published and loaded.

How a mart row reaches its raw rows, with no per-mart code:
  * every pair of columns `<p>source_file<s>` / `<p>source_line<s>` on the mart (source_file and
    source_line; source_file_a / source_line_a; usgs_source_file / usgs_source_line ...) names a
    place in a publisher file; the source and edition, where the mart has them beside it
    (`<p>source_id<s>` or `<p>source<s>`, `<p>vintage<s>`), narrow it further. The place is
    looked up in meta.provenance (warehouse/provenance.sql, one row per place: no duplicates),
    and its raw rows in the raw table it names (those of the mart row's year, when both have one);
  * marts built from the curated files (no file line) name their raw rows by SQL in
    warehouse/explain_links.yml, with the mart row's columns as parameters.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LINKS = Path(__file__).with_name("explain_links.yml")
ALIASES = {"source": "source_id", "edition": "vintage", "country": "country_iso3", "hs": "hs_code",
           "reporter": "reporter_iso3", "partner": "partner_iso3", "importer": "importer_iso3",
           "exporter": "exporter_iso3", "project": "project_id", "claim": "claim_id"}
MAX_ROWS = 5  # mart rows explained at once; more means the filters do not name one figure
PROVENANCE_COLUMNS = ("source_file", "source_sha256", "source_line", "source_item", "source_columns", "vintage",
                      "doi", "url", "title", "licence", "date_published", "date_accessed", "loaded_at", "loaded_file",
                      "loaded_sha256", "cited_source_ids", "cited_titles", "cited_urls", "cited_licences",
                      "cited_dates_published")


class ExplainError(Exception):
    """A mart or filter that does not exist, or filters that match no row; the message names it."""


@dataclass
class Source:
    raw_table: str
    provenance: dict                      # one row of meta.provenance
    raw_rows: list[dict] = field(default_factory=list)
    via: str = ""                         # which mart columns led here (source_file_a/source_line_a ...)


@dataclass
class Explained:
    mart: str
    row: dict
    sources: list[Source]


def resolve_filters(con, mart: str, filters: dict[str, str]) -> dict[str, str]:
    """Option names -> mart columns: the column itself, an alias (source -> source_id,
    country -> country_iso3, edition -> vintage), or name + _id / _iso3 / _code."""
    cols = _columns(con, "marts", mart)
    if not cols:
        marts = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                                           "ORDER BY 1").fetchall()]
        raise ExplainError(f"no mart named {mart!r}; marts: {', '.join(marts)}")
    out = {}
    for name, value in filters.items():
        key = name.replace("-", "_")
        for cand in (key, ALIASES.get(key), f"{key}_id", f"{key}_iso3", f"{key}_code"):
            if cand and cand in cols:
                out[cand] = value
                break
        else:
            raise ExplainError(f"marts.{mart} has no column for --{name}; its columns: {', '.join(cols)}")
    return out


def explain(con, mart: str, filters: dict[str, str]) -> list[Explained]:
    """The rows of marts.<mart> matching filters (column or alias -> value, compared as text),
    each with the sources it came from. `con` is a connection to the serving file."""
    where = resolve_filters(con, mart, filters)
    cond = " AND ".join(f'CAST("{c}" AS VARCHAR) = ?' for c in where) or "TRUE"
    cur = con.execute(f'SELECT * FROM marts."{mart}" WHERE {cond} LIMIT {MAX_ROWS + 1}', list(where.values()))
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if not rows:
        said = ", ".join(f"{k} = {v}" for k, v in where.items()) or "no filter"
        raise ExplainError(f"no row of marts.{mart} has {said}")
    if len(rows) > MAX_ROWS:
        from warehouse.dictionary import table_grain

        raise ExplainError(f"more than {MAX_ROWS} rows of marts.{mart} match; name one figure with its key columns "
                           f"({table_grain('marts', mart)})")
    return [Explained(mart, row, _sources(con, mart, row)) for row in rows]


def _columns(con, schema: str, table: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                                      "ORDER BY column_index", [schema, table]).fetchall()]


def _sources(con, mart: str, row: dict) -> list[Source]:
    out: list[Source] = []
    for col in row:
        m = re.fullmatch(r"(.*)source_file(.*)", col)
        if not m:
            continue
        p, s = m.groups()
        line_col = f"{p}source_line{s}"
        if line_col not in row or row[col] is None or row[line_col] is None:
            continue
        keys = {"source_file": row[col], "source_line": row[line_col]}
        for cand in (f"{p}source_id{s}", f"{p}source{s}"):
            if cand in row and row[cand] is not None:
                keys["source_id"] = row[cand]
                break
        if f"{p}vintage{s}" in row and row[f"{p}vintage{s}"] is not None:
            keys["vintage"] = row[f"{p}vintage{s}"]
        for prov in _provenance(con, keys):
            out.append(Source(prov["raw_table"], prov, _raw_rows(con, prov, row.get("year")), f"{col}, {line_col}"))
    for link in _links().get(mart, []):
        params = {k: row[k] for k in re.findall(r"\$(\w+)", link["sql"]) if k in row}
        places = con.execute(link["sql"], params).fetchall()
        for raw_table, source_file, source_line, source_item in places:
            keys = {"raw_table": raw_table, "source_file": source_file, "source_line": source_line,
                    "source_item": source_item}
            for prov in _provenance(con, keys):
                out.append(Source(raw_table, prov, _raw_rows(con, prov, None), link.get("via", "")))
    return out


def _provenance(con, keys: dict) -> list[dict]:
    cond = " AND ".join(f"{k} IS NOT DISTINCT FROM ?" for k in keys)
    cur = con.execute(f"SELECT * FROM meta.provenance WHERE {cond} ORDER BY raw_table, source_line, source_item",
                      list(keys.values()))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _raw_rows(con, prov: dict, year) -> list[dict]:
    table = prov["raw_table"]
    cols = _columns(con, "raw", table)
    cond = ["source_file = ?", "vintage = ?"]
    params = [prov["source_file"], prov["vintage"]]
    cond.append("source_line = ?" if prov["source_line"] is not None else "source_item = ?")
    params.append(prov["source_line"] if prov["source_line"] is not None else prov["source_item"])
    order = "source_column" if "source_column" in cols else "1"
    cur = con.execute(f'SELECT * FROM raw."{table}" WHERE {" AND ".join(cond)} ORDER BY {order}', params)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if year is not None and "year" in cols and any(r["year"] == year for r in rows):
        rows = [r for r in rows if r["year"] == year]
    return rows


@functools.cache
def _links() -> dict:
    return yaml.safe_load(LINKS.read_text()) or {}


def what(raw_row: dict) -> str:
    """A raw row in a few words: what was read, not its provenance (printed beside it)."""
    skip = {"source_id", "vintage", "dataset", "source_file", "source_sha256", "source_line", "source_column",
            "load_id", "source_id_file", "source_item"}
    return ", ".join(f"{k}={v}" for k, v in raw_row.items() if k not in skip and v is not None)
