"""The USGS parser on files the tests write: unknown and damaged files are refused, other
editions' layouts read by pattern (every real USGS file: tests/integration/test_usgs_parsers.py)."""

import pytest
from helpers import fig

from ingest.errors import ParseError
from ingest.registry import parse_file


def parse_usgs(path, **kw):
    return parse_file("usgs", path, **kw)



def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_unknown_header_is_refused(tmp_path):
    p = write(tmp_path, "mcs2025-tungs_world.csv", "Foo,Bar\n1,2\n")
    with pytest.raises(ParseError, match=r"mcs2025-tungs_world.csv, line 1: unrecognised header"):
        parse_usgs(p)


def test_unknown_column_is_refused(tmp_path):
    p = write(tmp_path, "x.csv", "Source,Country,Type,Prod_t_2020,Mystery\nMCS2022,China,\"Mine production, contained tungsten\",1,2\n")
    with pytest.raises(ParseError, match=r"field 'Mystery': unknown column"):
        parse_usgs(p)


def test_empty_and_binary_files_are_refused(tmp_path):
    with pytest.raises(ParseError, match="empty"):
        parse_usgs(write(tmp_path, "e.csv", ""))
    b = tmp_path / "b.csv"
    b.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ParseError, match="binary"):
        parse_usgs(b)


def test_other_editions_layout_by_pattern(tmp_path):
    """A per-commodity world file of an edition not in shared/ (MCS2021 layout) reads by pattern."""
    text = ("\ufeffSource,Country,Type,Prod_t_2019,Prod_t_est_2020,Reserves_t,Reserves_notes\r\n"
            "MCS2021,China,\"Mine production, contained tungsten\",\"69,000\",\"69,000\",\"1,900,000\",\r\n"
            "MCS2021,World total (rounded),\"Mine production, contained tungsten\",\"83,800\",\"84,000\",\"3,400,000\",\r\n")
    w = parse_usgs(write(tmp_path, "mcs2021-tungs_world.csv", text)).frames["world"]
    assert fig(w, "China", 2020, "reserves")["value_t_w"] == 1_900_000
    assert fig(w, "China", 2020, "mine_production")["is_estimate"]
