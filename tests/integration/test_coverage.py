"""Loads replace only what they cover: a file narrower than the edition held (one year of a BACI
release, two years of a USGS salient table) is refused naming what it would remove, and the edition
stays whole; with --replace-edition the file's rows become the edition, as the user asked."""

import os
import subprocess
import sys

import pytest
from baci_files import year_csv
from integration_helpers import USGS, query

pytestmark = pytest.mark.slow


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                          capture_output=True, text=True, env=dict(os.environ), timeout=900)


def _years(warehouse, sql: str) -> list[int]:
    return [y for (y,) in query(warehouse.build, sql)]


BACI_YEARS = ("SELECT DISTINCT year FROM raw.trade_flows WHERE source_id = 'cepii_baci' "
              "AND vintage = 'HS92_V202401b' ORDER BY 1")
SALIENT_YEARS = ("SELECT DISTINCT year FROM raw.figures WHERE source_id = 'usgs_mcs' AND vintage = 'MCS2025' "
                 "AND dataset = 'salient' ORDER BY 1")


def test_one_year_of_a_release_does_not_wipe_the_release(warehouse, tmp_path):
    before = _years(warehouse, BACI_YEARS)
    assert len(before) > 20
    path = tmp_path / "BACI_HS92_Y2022_V202401b.csv"
    path.write_text(year_csv(2022, ["2022,156,392,261100,1500.5,100.25", "2022,724,842,261100,80,NA"]))
    r = _cli("ingest", "baci", str(path))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "covers less than edition HS92_V202401b" in r.stderr and "--replace-edition" in r.stderr, r.stderr
    assert "year 1995" in r.stderr, r.stderr
    assert _years(warehouse, BACI_YEARS) == before

    r = _cli("ingest", "baci", str(path), "--replace-edition", "--no-publish")
    assert r.returncode == 0, r.stdout + r.stderr
    assert _years(warehouse, BACI_YEARS) == [2022]


def test_two_years_of_a_salient_table_do_not_replace_its_five(warehouse, tmp_path):
    before = _years(warehouse, SALIENT_YEARS)
    lines = (USGS / "mcs2025-tungs_salient.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "mcs2025-tungs_salient.csv"
    path.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # the header and 2020-2021
    r = _cli("ingest", "usgs", str(path))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "covers less than edition MCS2025 of usgs_mcs" in r.stderr, r.stderr
    assert "year 2022, 2023, 2024" in r.stderr, r.stderr
    assert _years(warehouse, SALIENT_YEARS) == before
