"""The Comtrade --years option (the live path against a loopback server:
tests/integration/test_comtrade_live.py)."""

import pytest

from ingest.sources.un_comtrade.api import parse_years


def test_years_option():
    assert parse_years("2018-2020,2022") == [2018, 2019, 2020, 2022]
    with pytest.raises(ValueError, match="expected a year"):
        parse_years("last five")
