"""Is a load's figure plausible beside what the warehouse knows? A tonnage far from the same
country's figure for the year before (in the same file), in the edition before, or in another
source (bounds as reference data: ingest/reference/plausibility_bounds.csv), and a country that
produces in the same year as its predecessor or successor state (ingest/reference/successor_states.csv)
are refused, naming the figures, unless the user accepts them (`--accept-outliers`). A wrong
decimal mark ("66.000" read as 66 t) is what this stops from reaching the marts."""

from __future__ import annotations

import duckdb

from ingest.reference import table

EXAMPLES = 5


def _bounds_sql() -> str:
    rows = table("plausibility_bounds")
    return " UNION ALL ".join(
        f"SELECT '{r['metric']}' AS metric, {float(r['min_t'])} AS min_t, {float(r['max_ratio_previous_year'])} AS yr, "
        f"{float(r['max_ratio_previous_edition'])} AS ed, {float(r['max_ratio_other_source'])} AS src" for r in rows)


def _t(v: float) -> str:
    return f"{v:,.0f} t" if v >= 10 else f"{v:g} t"


def implausible(con: duckdb.DuckDBPyConnection, raw_table: str, source_id: str, vintage: str, dataset: str,
                load_id: str) -> list[str]:
    """What is implausible in the figures load `load_id` wrote (pending), as sentences; [] when nothing is."""
    if raw_table != "figures":
        return []
    new = ("SELECT country_published, country_iso3, metric, year, value, source_line FROM raw.figures "
           "WHERE load_id = $lid AND NOT is_aggregate AND country_iso3 IS NOT NULL AND value > 0")
    held = ("SELECT source_id, vintage, dataset, country_iso3, metric, year, value FROM raw.figures "
            "WHERE load_id <> $lid AND load_id NOT IN (SELECT load_id FROM work.pending_loads) "
            "AND NOT is_aggregate AND country_iso3 IS NOT NULL AND value > 0")
    judged = (f"WITH b AS ({_bounds_sql()}), n AS ({new}), h AS ({held}) "
              "SELECT n.country_published, n.year, n.value, n.source_line, kind, other, other_value FROM n JOIN b USING (metric) "
              "JOIN LATERAL (SELECT 'the year before in this file' AS kind, '' AS other, p.value AS other_value, b.yr AS bound "
              "  FROM n p WHERE p.country_iso3 = n.country_iso3 AND p.metric = n.metric AND p.year = n.year - 1 "
              " UNION ALL SELECT 'the edition before', h.vintage, h.value, b.ed FROM h WHERE h.source_id = $src "
              "  AND h.dataset = $ds AND h.vintage < $vintage AND h.country_iso3 = n.country_iso3 AND h.metric = n.metric "
              "  AND h.year = n.year "
              " UNION ALL SELECT 'another source', h.source_id || ' ' || h.vintage, h.value, b.src FROM h "
              "  WHERE h.source_id <> $src AND h.country_iso3 = n.country_iso3 AND h.metric = n.metric AND h.year = n.year"
              ") o ON greatest(n.value, o.other_value) >= b.min_t "
              "AND greatest(n.value / o.other_value, o.other_value / n.value) > o.bound "
              "ORDER BY n.source_line, kind LIMIT 50")
    params = {"lid": load_id, "src": source_id, "ds": dataset, "vintage": vintage}
    out = []
    for country, year, value, line, kind, other, other_value in con.execute(judged, params).fetchall():
        out.append(f"{country} {year}: {_t(value)} (line {line}) against {_t(other_value)} in {kind}"
                   + (f" ({other})" if other else ""))
        if len(out) >= EXAMPLES:
            break
    return out + _successor_overlaps(con, load_id)


def _successor_overlaps(con: duckdb.DuckDBPyConnection, load_id: str) -> list[str]:
    """A state and its predecessor both producing in one year of the load, or a state of the
    predecessor's era (or after it) on the wrong side of its end."""
    out = []
    for r in table("successor_states"):
        successors = r["successors_iso3"].split(";")
        last = int(r["last_year"])
        rows = con.execute(
            "SELECT f.country_published, f.country_iso3, f.metric, f.year, f.source_line FROM raw.figures f "
            "WHERE f.load_id = ? AND f.value > 0 AND (f.country_iso3 = ? AND f.year > ? OR list_contains(?, f.country_iso3) "
            "AND f.year <= ? AND EXISTS (SELECT 1 FROM raw.figures p WHERE p.load_id = f.load_id AND p.country_iso3 = ? "
            "AND p.year = f.year AND p.metric = f.metric AND p.value > 0)) ORDER BY f.source_line LIMIT ?",
            [load_id, r["predecessor_iso3"], last, successors, last, r["predecessor_iso3"], EXAMPLES]).fetchall()
        for country, iso3, _metric, year, line in rows:
            if iso3 == r["predecessor_iso3"]:
                out.append(f"{country} {year} (line {line}): {r['predecessor_name']} ended in {last}")
            else:
                out.append(f"{country} {year} (line {line}): in the same year as {r['predecessor_name']}, "
                           f"which it was part of until {last}")
    return out[:EXAMPLES]
