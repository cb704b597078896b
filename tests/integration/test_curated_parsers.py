"""Parser of the ICMM workbook, on the real file and a damaged copy."""

import polars as pl
import pytest
from integration_helpers import REAL

from ingest.errors import ParseError
from ingest.registry import parse_file

ICMM = REAL / "projects" / "ICMM_global-mining-dataset_2025-09_V1.xlsx"


def parse_icmm(path, **kw):
    return parse_file("icmm", path, **kw)


@pytest.fixture(scope="module")
def icmm_sites():
    return parse_icmm(ICMM).frames["sites"]


def test_icmm_tungsten_sites(icmm_sites):
    assert icmm_sites.height == 170
    assert icmm_sites.filter(pl.col("tungsten_mentioned_in") == "commodities").height == 161
    kairakty = icmm_sites.filter(pl.col("icmm_id") == "ICMM06897").row(0, named=True)
    assert (kairakty["site_name"], kairakty["country_iso3"], kairakty["latitude"], kairakty["longitude"]) == (
        "Kairakty", "KAZ", 48.4479, 73.20905)
    mp = icmm_sites.filter(pl.col("site_name") == "Mount Pleasant Tungsten Mine").row(0, named=True)
    assert mp["tungsten_mentioned_in"] == "name" and mp["primary_commodity"] == "barium"
    assert icmm_sites["country_iso3"].null_count() == 0
    assert icmm_sites["source_line"].min() >= 2


def test_icmm_damaged_workbook(tmp_path):
    p = tmp_path / "gmd.xlsx"
    p.write_bytes(ICMM.read_bytes()[:5000])
    with pytest.raises(ParseError, match="not a readable xlsx"):
        parse_icmm(p)
