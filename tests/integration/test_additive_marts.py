"""A figure a BI user sums must sum right: in every country-level mart, within one scenario and
one edition (the table's grain without its country columns), the plain SUM of each additive
column (US$, t, t W, kg: the data dictionary's units) equals the deduplicated total - no
aggregate row (World, the EU as a whole) beside its members, no figure read from one source
line counted on two rows, no total repeated on each of its parts' rows."""

from __future__ import annotations

import pytest

from warehouse.dictionary import data_dictionary

ADDITIVE_UNITS = {"US$", "US$ (CIF)", "US$ (FOB)", "t", "t W", "t W/year", "kg"}
COUNTRY_COLUMNS = ("country_iso3", "reporter_iso3", "partner_iso3", "importer_iso3", "exporter_iso3")
AGGREGATE_NAMES = ("World", "World total", "Total", "World total (rounded)")
# the columns that name a scenario or a point of view: never summed across
SCENARIO_COLUMNS = ("scenario", "pipeline_case", "china_case", "risk_basis", "flow", "reported_by")
# the columns that name one figure of a source: its file and line (and, for a revision, the previous
# edition's), its year and what it measures
FIGURE_COLUMNS = ("source_id", "vintage", "source_file", "source_line", "previous_source_file",
                  "previous_source_line", "metric", "year", "previous_year")


@pytest.fixture(scope="module")
def marts(built_warehouse):
    """{mart: (grain columns, additive columns, all columns)} of the marts with a country column."""
    import duckdb
    from helpers import warehouse_env

    con = duckdb.connect(warehouse_env(built_warehouse)["TUNGSTEN_SERVING_PATH"], read_only=True)
    out: dict[str, tuple[list[str], list[str], set[str]]] = {}
    for c in data_dictionary(con, ("marts",)):
        grain, additive, cols = out.setdefault(c.table, ([g.strip() for g in c.grain.split(",") if g.strip()], [], set()))
        cols.add(c.column)
        if c.unit in ADDITIVE_UNITS and c.type.upper() in ("DOUBLE", "BIGINT", "INTEGER", "HUGEINT", "FLOAT", "DECIMAL"):
            additive.append(c.column)
    con.close()
    # trade_totals and reserves_world are the aggregates' own tables, apart from the country rows
    return {m: v for m, v in out.items() if any(k in v[2] for k in COUNTRY_COLUMNS) and m != "trade_totals"}


def test_the_country_level_marts_are_found(marts):
    assert {"reserves", "trade_flows", "trade_partner_share", "trade_market_share", "import_dependence",
            "supply_share", "supply_risk", "price_proxies"} <= set(marts)
    assert "value_usd" in marts["trade_flows"][1] and "reserves_t_w" in marts["reserves"][1]


def test_no_country_level_mart_holds_an_aggregate_row(serving_con, marts):
    """World and the EU as a whole are totals of their members: a row of theirs beside the
    members' doubles a plain sum (reserves' World total; World's own trade declarations; a
    reporter's World row beside its partner rows; a revision of USGS's World total beside its
    countries' revisions)."""
    totals = [r[0] for r in serving_con.execute(
        "SELECT area_code FROM ref.trade_areas WHERE kind = 'world' OR area_code = 'EUU'").fetchall()]
    marks = ", ".join("?" * len(totals))
    found = []
    for mart, (_grain, additive, cols) in marts.items():
        for col in (c for c in ("country_iso3", "reporter_iso3") if c in cols):
            n = serving_con.execute(f"SELECT count(*) FROM marts.{mart} WHERE {col} IN ({marks})", totals).fetchone()[0]
            if n:
                found.append(f"{mart}.{col}: {n} rows of World/EU")
        if {"reporter_iso3", "partner_iso3"} <= cols:
            key = ", ".join(c for c in ("source_id", "vintage", "reporter_iso3", "flow", "hs_code", "year") if c in cols)
            n = serving_con.execute(
                f"SELECT count(*) FROM (SELECT {key} FROM marts.{mart} GROUP BY ALL "
                f"HAVING count(*) FILTER (WHERE partner_iso3 = 'WLD') > 0 AND count(*) FILTER (WHERE partner_iso3 <> 'WLD') > 0)"
            ).fetchone()[0]
            if n:
                found.append(f"{mart}: {n} World rows beside the same declaration's partner rows")
        if "country_name" in cols:
            n = serving_con.execute(f"SELECT count(*) FROM marts.{mart} WHERE country_name IN "
                                    f"({', '.join('?' * len(AGGREGATE_NAMES))})", list(AGGREGATE_NAMES)).fetchone()[0]
            if n:
                found.append(f"{mart}.country_name: {n} World rows")
        if "aggregate_kind" in cols and additive:
            # a world total's row (no ISO code, named as its edition prints it) may stay for reading,
            # but with no additive figure beside its members'
            n = serving_con.execute(f"SELECT count(*) FROM marts.{mart} WHERE aggregate_kind = 'world' AND "
                                    f"({' OR '.join(f'{c} IS NOT NULL' for c in additive)})").fetchone()[0]
            if n:
                found.append(f"{mart}.aggregate_kind: {n} World rows with a figure in {', '.join(additive)}")
    assert not found, found


def test_no_source_line_is_counted_on_two_rows(serving_con, marts):
    """Where a mart's rows carry their source line, summing the rows within one scenario (or
    point of view: a flow seen as an import or as an export) equals summing the distinct lines'
    figures (a BACI flow held as an export and again as an import fails this). A figure is its
    line, year and metric (one line of USGS's salient statistics holds a figure per metric), and
    a revision's also the previous edition's line."""
    bad = []
    for mart, (_grain, additive, cols) in marts.items():
        if not {"source_file", "source_line"} <= cols:
            continue
        # a mart with the reporting side as a column sums within it, whichever way each side looks
        by = [c for c in SCENARIO_COLUMNS if c in cols and not (c == "flow" and "reported_by" in cols)]
        place = ", ".join([*by, *(c for c in FIGURE_COLUMNS if c in cols)])
        group = f"row({', '.join(by)})" if by else "NULL"
        for col in additive:
            rows = serving_con.execute(
                f"SELECT p.g, p.total, d.total FROM (SELECT {group} AS g, sum({col}) AS total FROM marts.{mart} GROUP BY 1) p "
                f"JOIN (SELECT {group} AS g, sum({col}) AS total FROM (SELECT DISTINCT {place}, {col} FROM marts.{mart}) "
                f"GROUP BY 1) d ON p.g IS NOT DISTINCT FROM d.g").fetchall()
            for g, plain, dedup in rows:
                if (plain or 0) != pytest.approx(dedup or 0, rel=1e-9, abs=1e-6):
                    bad.append(f"{mart}.{col} ({g}): sum {plain} against {dedup} over distinct lines")
        if {"previous_source_file", "previous_source_line"} <= cols:
            # a comparison of two editions reads a row from two lines; neither edition's figure may
            # stand on two rows (an older figure paired with two newer ones counts twice in a change)
            for prefix, vintage in (("", "vintage"), ("previous_", "previous_vintage")):
                key = ", ".join(c for c in ("source_id", vintage, f"{prefix}source_file", f"{prefix}source_line", "metric",
                                            f"{prefix}year") if c in cols)
                n = serving_con.execute(f"SELECT count(*) FROM (SELECT {key} FROM marts.{mart} WHERE {prefix}source_line "
                                        f"IS NOT NULL GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
                if n:
                    bad.append(f"{mart}: {n} figures of the {prefix or 'newer '}edition's lines on two rows ({key})")
    assert not bad, bad


def test_no_total_is_repeated_on_its_parts_rows(serving_con, marts):
    """An additive column that holds one value on every row of a slice (the grain without one
    country column) is a total repeated per part: its plain SUM is that total times the rows."""
    bad = []
    for mart, (grain, additive, _cols) in marts.items():
        for country in (c for c in COUNTRY_COLUMNS if c in grain):
            slice_ = [g for g in grain if g != country]
            by = ", ".join(slice_) if slice_ else "1"
            for col in additive:
                if col in grain:
                    continue
                n = serving_con.execute(
                    f"SELECT count(*) FROM (SELECT {by} FROM marts.{mart} WHERE {col} IS NOT NULL AND {col} <> 0 "
                    f"GROUP BY {by} HAVING count(DISTINCT {country}) > 2 AND count(DISTINCT {col}) = 1)").fetchone()[0]
                if n:
                    bad.append(f"{mart}.{col}: one value repeated over the {country}s of {n} slices")
    assert not bad, bad


def test_reserves_rows_sum_to_the_published_world_total(serving_con):
    """Within an edition the reserves rows (countries and Other countries) sum to the world
    total USGS prints (a lower bound, rounded: MCS2026 4.70 Mt), not to twice it."""
    rows = dict(serving_con.execute("SELECT vintage, sum(reserves_t_w) FROM marts.reserves GROUP BY 1").fetchall())
    world = dict(serving_con.execute("SELECT vintage, world_reserves_t_w FROM marts.reserves_world").fetchall())
    assert set(rows) == set(world) and "MCS2026" in rows
    for vintage, total in rows.items():
        assert total == pytest.approx(world[vintage], rel=0.02), vintage


def test_trade_flows_holds_each_baci_flow_once(serving_con):
    """BACI's 2022 flows sum to what BACI's file holds (US$618m), each once, with the reporting
    side as a column - not to twice it (US$1,229m) as an export and again as an import."""
    got = serving_con.execute("SELECT reported_by, count(*), sum(value_usd) FROM marts.trade_flows "
                              "WHERE source_id = 'cepii_baci' AND year = 2022 GROUP BY 1").fetchall()
    raw = serving_con.execute("SELECT count(*), sum(value_usd) FROM raw.trade_flows "
                              "WHERE source_id = 'cepii_baci' AND year = 2022").fetchone()
    assert [(r[0], r[1]) for r in got] == [("reconciled", raw[0])]
    assert got[0][2] == pytest.approx(raw[1]) and round(got[0][2] / 1e6) == 618
