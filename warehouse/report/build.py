"""Build the report's figures from the serving file: run each chart's query (read-only), turn the
rows into a Vega spec (Vega-Lite compiled here by vl-convert, so a broken chart is found at build
time, not by a reader), and gather the footer: sources with licences, editions, the query.

One chart's failure never stops the others: a chart whose mart is empty or missing becomes a
figure that says so (no empty plot), and the report is still written."""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.report.spec import ChartSpec

COUNTRIES_TOPOJSON = Path(__file__).with_name("countries-110m.json")
MAX_CHART_ROWS = 5000  # a chart's data is inlined in the page: aggregate in SQL beyond this
VEGA_LITE_VERSION = "6.4"
CONFIG = {
    "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "background": "white",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "grid": True, "gridColor": "#eceff1"},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 260},
}


@dataclass
class Figure:
    """One chart or table of the report, ready to be written as HTML."""

    spec: ChartSpec
    status: str  # drawn (a chart with data) | table | empty (no rows) | error (could not be drawn)
    message: str | None = None
    vega: dict | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    sources: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, name, publisher, licence
    editions: list[str] = field(default_factory=list)
    subtitle: str | None = None
    sql: str = ""  # the query that drew it (the first of the spec's queries whose tables exist)

    @property
    def row_count(self) -> int:
        return len(self.rows)


def _plain(value):
    """A query value as JSON takes it (dates as ISO text, decimals as floats, NaN as null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _query(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return cols, [tuple(_plain(v) for v in r) for r in cur.fetchall()]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _compile(vega_lite: dict, rows: list[dict], with_countries: bool) -> dict:
    """The chart's Vega spec: its Vega-Lite fragment with the rows (and the country outlines for
    a map) as named datasets, compiled by vl-convert (which raises on an invalid spec)."""
    import vl_convert as vlc

    spec = copy.deepcopy(vega_lite)
    datasets = {"rows": rows}
    if with_countries:
        datasets["countries"] = json.loads(COUNTRIES_TOPOJSON.read_text())
    spec = {"data": {"name": "rows"}, **spec, "datasets": datasets,
            "config": {**CONFIG, **spec.get("config", {})}}
    return vlc.vegalite_to_vega(spec, vl_version=VEGA_LITE_VERSION)


class _Provenance:
    """meta.sources read once: each source id's name, publisher and licence."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        try:
            _, rows = _query(con, "SELECT source_id, name, publisher, licence FROM meta.sources")
        except duckdb.Error:
            rows = []
        self.by_id = {r[0]: r for r in rows}

    def sources(self, spec: ChartSpec, columns: list[str], rows: list[tuple]) -> list[tuple[str, str, str, str]]:
        ids = list(spec.sources)
        if "source_id" in columns:
            i = columns.index("source_id")
            ids += sorted({r[i] for r in rows if r[i]})
        out, seen = [], set()
        for sid in ids:
            for one in str(sid).split(","):
                one = one.strip()
                if one and one not in seen:
                    seen.add(one)
                    out.append(self.by_id.get(one, (one, one, "", "")))
        return out


def _editions(con, spec: ChartSpec, columns: list[str], rows: list[tuple]) -> list[str]:
    found: set[str] = set()
    for col in ("vintage", "vintages"):
        if col in columns:
            i = columns.index(col)
            for r in rows:
                if r[i]:
                    found.update(v.strip() for v in str(r[i]).split(",") if v.strip())
    if spec.editions_sql:
        try:
            found.update(str(r[0]) for r in _query(con, spec.editions_sql)[1] if r and r[0] is not None)
        except duckdb.Error:
            pass
    return sorted(found)


def build_figure(con: duckdb.DuckDBPyConnection, spec: ChartSpec, provenance: _Provenance) -> Figure:
    """One figure; never raises for a query or spec problem (the figure says what went wrong)."""
    if spec.kind == "sources":
        return _sources_figure(con, spec)
    if spec.kind == "dictionary":
        return _dictionary_figure(con, spec)
    sql, error = spec.sql, None
    for sql in spec.queries:  # the first query whose tables and columns exist in this build
        try:
            columns, rows = _query(con, sql)
            error = None
            break
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            error = exc
        except duckdb.Error as exc:
            error = exc
            break
    if error is not None:
        return Figure(spec, "error", f"the query failed ({', '.join(spec.tables(sql)) or 'no table named'}): "
                                     f"{_first_line(error)}", sql=sql)
    fig = Figure(spec, "table", columns=columns, rows=rows, sql=sql,
                 sources=provenance.sources(spec, columns, rows), editions=_editions(con, spec, columns, rows))
    if spec.subtitle_sql:
        try:
            sub = _query(con, spec.subtitle_sql)[1]
            fig.subtitle = str(sub[0][0]) if sub and sub[0][0] is not None else None
        except duckdb.Error:
            pass
    if spec.kind in ("table", "validation"):
        return fig
    if not rows:
        fig.status = "empty"
        fig.message = (f"No data to draw: {', '.join(spec.tables(sql)) or 'the query'} returned no rows in this build. "
                       "The chart appears once the mart is filled.")
        return fig
    if len(rows) > MAX_CHART_ROWS:
        fig.status = "error"
        fig.message = f"{len(rows)} rows is too many to inline in a chart (at most {MAX_CHART_ROWS}): aggregate in its query"
        return fig
    try:
        fig.vega = _compile(spec.vega_lite, [dict(zip(columns, r, strict=True)) for r in rows], spec.kind == "map")
    except Exception as exc:  # vl-convert raises ValueError with the compiler's message
        fig.status = "error"
        fig.message = f"the chart definition (charts.yml, {spec.id}) does not compile: {_first_line(exc)}"
        return fig
    fig.status = "drawn"
    return fig


def _sources_figure(con, spec: ChartSpec) -> Figure:
    """Every registered source, as `tungsten sources` lists it, from the serving file's meta tables."""
    from warehouse.status import freshness, source_states

    try:
        states = source_states(con)
    except duckdb.Error as exc:
        return Figure(spec, "error", f"the meta tables could not be read: {_first_line(exc)}", sql=spec.sql)
    columns = ["source", "name", "publisher", "licence", "editions held", "latest edition", "rows", "last load", "freshness"]
    rows = []
    for s in states:
        f = freshness(s)
        last = f"{s.last_status} {s.last_loaded_at:%Y-%m-%d %H:%M} UTC" if s.last_loaded_at and s.last_status else None
        rows.append((s.source.id, s.source.name, s.source.publisher, s.source.licence, ", ".join(s.editions) or None,
                     s.latest_edition, s.rows, last, ("fresh: " if f.fresh else "STALE: ") + f.reason))
    return Figure(spec, "table", columns=columns, rows=rows, sql=spec.sql)


def _dictionary_figure(con, spec: ChartSpec) -> Figure:
    """The data dictionary (warehouse.dictionary, when that module is present)."""
    from warehouse.report.dictionary_page import dictionary_rows

    try:
        columns, rows = dictionary_rows(con)
    except Exception as exc:
        return Figure(spec, "error", f"the data dictionary could not be built: {_first_line(exc)}", sql=spec.sql)
    return Figure(spec, "table", columns=columns, rows=rows, sql=spec.sql)


def build_figures(serving: Path, specs: list[ChartSpec]) -> tuple[list[Figure], dict]:
    """Every figure, and the build the serving file holds (published_at, build_id)."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        provenance = _Provenance(con)
        figures = [build_figure(con, s, provenance) for s in specs]
        build = {}
        try:
            row = con.execute("""SELECT build_id, strftime(timezone('UTC', finished_at), '%Y-%m-%d %H:%M UTC')
                                 FROM meta.builds WHERE status = 'published' ORDER BY finished_at DESC LIMIT 1""").fetchone()
            if row:
                build = {"build_id": row[0], "finished_at": row[1]}
        except duckdb.Error:
            pass
    finally:
        con.close()
    return figures, build
