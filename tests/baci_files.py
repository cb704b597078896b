"""Small CEPII BACI files in the published layout, made by the tests (header t,i,j,k,v,q; v
thousand US$; q tonnes, NA when unknown; numeric country codes with the release's own table)."""

from __future__ import annotations

import zipfile
from pathlib import Path

COUNTRIES = "country_code,country_name,country_iso2,country_iso3\n156,China,CN,CHN\n392,Japan,JP,JPN\n" \
            "842,USA,US,USA\n490,\"Other Asia, nes\",,S19\n724,Spain,ES,ESP\n"
PRODUCTS = "code,description\n261100,Tungsten ores and concentrates\n810110,Tungsten powders\n"


def year_csv(year: int, rows: list[str], header: str = "t,i,j,k,v,q") -> str:
    """A BACI yearly CSV: the tungsten rows given, between rows of other products."""
    other = [f"{year},156,392,70900,12.5,3.25", f"{year},842,724,10121,1.0,NA"]
    return "\n".join([header, other[0], *rows, other[1]]) + "\n"


def release(tmp_path: Path, years: dict[int, str], *, version: str = "202401b", countries: str = COUNTRIES) -> Path:
    """A release zip as CEPII lays it out: BACI_HS92_V<version>.zip with a CSV per year and the code tables."""
    path = tmp_path / f"BACI_HS92_V{version}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for year, text in years.items():
            zf.writestr(f"BACI_HS92_Y{year}_V{version}.csv", text)
        zf.writestr(f"country_codes_V{version}.csv", countries)
        zf.writestr(f"product_codes_HS92_V{version}.csv", PRODUCTS)
    return path
