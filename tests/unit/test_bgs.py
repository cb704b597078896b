"""The BGS parser on files the tests write (the real BGS file: tests/integration/test_bgs.py)."""

import pytest

from ingest.errors import ParseError
from ingest.registry import parse_file


def parse_bgs(path, **kw):
    return parse_file("bgs", path, **kw)


def test_bgs_wrong_header(tmp_path):
    p = tmp_path / "bgs.csv"
    p.write_text("country,year,tonnes\nChina,2020,1\n")
    with pytest.raises(ParseError, match="missing columns"):
        parse_bgs(p)
