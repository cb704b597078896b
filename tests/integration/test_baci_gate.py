"""A BACI release zip through the gate: it loads and feeds the trade marts; a damaged one is
refused naming archive, member, line and field, and nothing served or loaded changes."""

from __future__ import annotations

import pytest
from baci_files import release, year_csv
from integration_helpers import digest, query

from ingest.errors import ParseError
from tungsten_cli.daily import run_daily
from warehouse.refresh import ingest_file

VERSION = "202501"  # newer than the embedded snapshot's V202401b: it replaces it in the marts


@pytest.mark.slow
def test_a_release_zip_loads_and_feeds_import_dependence(warehouse, tmp_path):
    path = release(tmp_path, {2021: year_csv(2021, ["2021,156,392,261100,600,30", "2021,724,392,261100,400,20",
                                                     "2021,156,392,810110,50,1"])}, version=VERSION)
    summary = ingest_file(warehouse, "baci", path)
    assert summary.ok, summary.errors
    assert run_daily(warehouse).published
    assert query(warehouse.serving, "SELECT count(*), sum(value_usd) FROM raw.trade_flows "
                                    f"WHERE vintage = 'HS92_V{VERSION}'") == [(3, 1_050_000.0)]
    ores = query(warehouse.serving, "SELECT imports_usd, from_china_pct, top_partner_iso3, imports_t, flow_basis "
                                    "FROM marts.import_dependence WHERE source_id = 'cepii_baci' AND country_iso3 = 'JPN' "
                                    "AND year = 2021 AND hs_group = 'ores_concentrates'")
    # the embedded snapshot's V202401b holds other flows into Japan in 2021: a newer release
    # replaces it whole (int_trade_annual), so only this release's flows count
    assert ores == [(1_000_000.0, 60.0, "CHN", 50.0, "reconciled")]


def test_a_damaged_release_zip_changes_nothing(warehouse, tmp_path):
    served = digest(warehouse.serving)
    before = query(warehouse.build, "SELECT count(*), sum(value_usd) FROM raw.trade_flows")
    path = release(tmp_path, {2021: year_csv(2021, ["2021,156,392,261100,600,30", "2021,156,777,261100,1,1"])},
                   version=VERSION)
    with pytest.raises(ParseError) as info:
        ingest_file(warehouse, "baci", path)
    message = str(info.value)
    assert path.name in message and f"member BACI_HS92_Y2021_V{VERSION}.csv" in message, message
    assert "line 4" in message and "'j'" in message, message
    assert digest(warehouse.serving) == served
    assert query(warehouse.build, "SELECT count(*), sum(value_usd) FROM raw.trade_flows") == before
