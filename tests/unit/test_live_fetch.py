"""The live ScienceBase path without a server (against a loopback server:
tests/integration/test_live_fetch.py)."""

import pytest

from ingest.http import FetchError
from ingest.sources.usgs_mcs.sciencebase import fetch_edition


def test_unknown_edition_needs_an_item():
    with pytest.raises(FetchError, match="no ScienceBase item known for MCS2019"):
        fetch_edition("MCS2019", None)
