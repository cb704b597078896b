"""CEPII BACI as CEPII publishes it: release zips and yearly CSVs that the tests make in the
published layout (header t,i,j,k,v,q; v thousand US$; q tonnes, NA when unknown)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest
from baci_files import release, year_csv

from ingest.errors import ParseError
from ingest.registry import parse_file


def flows(path: Path, **kw) -> pl.DataFrame:
    return parse_file("baci", path, **kw).frames["flows"].collect()


def refusal(path: Path) -> ParseError:
    with pytest.raises(ParseError) as info:
        flows(path)
    return info.value


def test_a_release_zip_gives_the_tungsten_rows_of_each_year(tmp_path):
    path = release(tmp_path, {
        2021: year_csv(2021, ["2021,156,392,261100,1500.5,100.25", "2021,724,842,261100,80,NA"]),
        2022: year_csv(2022, ["2022,156,392,810110,2000,40", "2022,156,490,261100,10,1"]),
    })
    parsed = parse_file("baci", path)
    assert parsed.vintage == "HS92_V202401b"
    f = parsed.frames["flows"].collect().sort("year", "source_line")
    assert f.height == 4  # the other products are left out
    first = f.row(0, named=True)
    assert (first["reporter_iso3"], first["partner_iso3"], first["flow"], first["hs_code"]) == ("CHN", "JPN", "export", "261100")
    assert first["value_usd"] == pytest.approx(1_500_500) and first["fob_usd"] == first["value_usd"]
    assert first["net_weight_kg"] == pytest.approx(100_250) and first["qty"] == pytest.approx(100.25)
    assert first["source_line"] == 3 and first["is_reported"] is False
    assert f.row(1, named=True)["net_weight_kg"] is None  # NA quantity
    other_asia = f.filter(pl.col("partner_code") == "490").row(0, named=True)
    assert other_asia["partner_iso3"] == "XOA" and other_asia["partner_is_area"] is True  # BACI's S19
    assert set(f["classification"]) == {"H0"}


def test_a_single_yearly_csv_reads_with_the_folder_country_table(tmp_path):
    path = tmp_path / "BACI_HS92_Y2022_V202401b.csv"
    path.write_text(year_csv(2022, ["2022,156,392,261100,5,0.5"]))
    f = flows(path)
    assert f.height == 1 and f["reporter_iso3"][0] == "CHN" and f["source_line"][0] == 3
    unnamed = tmp_path / "tungsten.csv"
    unnamed.write_text(year_csv(2022, []))
    assert "BACI_HS92_Y2022_V202401b.csv" in str(refusal(unnamed))


@pytest.mark.parametrize("rows, header, line, field, words", [
    (["2022,156,392,261100,abc,1"], "t,i,j,k,v,q", 3, "v", "'abc' is not a number"),
    (["2022,156,392,261100,inf,1"], "t,i,j,k,v,q", 3, "v", "finite"),
    (["2022,156,392,261100,-5,1"], "t,i,j,k,v,q", 3, "v", "finite"),
    (["2022,156,392,261100,5,NaN"], "t,i,j,k,v,q", 3, "q", "finite"),  # NaN is no "not available"
    (["2022,156,999,261100,5,1"], "t,i,j,k,v,q", 3, "j", "importer code '999'"),
    (["2022,998,392,261100,5,1"], "t,i,j,k,v,q", 3, "i", "exporter code '998'"),
    (["2022,156,392,261100,5,1", "2022,156,392,261100,6,1"], "t,i,j,k,v,q", 4, "k", "given twice (first at line 3)"),
    (["2021,156,392,261100,5,1"], "t,i,j,k,v,q", 3, "t", "year 2021 in the file of year 2022"),
    ([], "year,exporter,importer,hs,value,qty", 1, None, "is not BACI's t,i,j,k,v,q"),
])
def test_a_damaged_member_is_refused_naming_archive_member_line_and_field(tmp_path, rows, header, line, field, words):
    path = release(tmp_path, {2021: year_csv(2021, ["2021,156,392,261100,1,1"]), 2022: year_csv(2022, rows, header)})
    err = refusal(path)
    assert err.file == path.name and "member BACI_HS92_Y2022_V202401b.csv" in err.reason, err
    assert err.line == line and err.field == field and words in err.reason, err


def test_a_ragged_line_is_refused_with_its_line(tmp_path):
    path = release(tmp_path, {2022: year_csv(2022, ["2022,156,392,261100,5"])})
    err = refusal(path)
    assert err.line == 3 and "fields" in err.reason and "BACI_HS92_Y2022_V202401b.csv" in err.reason


def test_a_truncated_member_is_refused(tmp_path):
    big = year_csv(2022, [f"2022,156,392,261100,{n},1" for n in range(1)] + [f"2022,156,392,{700000 + n},1,1" for n in range(60000)])
    path = release(tmp_path, {2022: big})
    data = path.read_bytes()
    cut = tmp_path / "BACI_HS92_V202401b_cut.zip"
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("BACI_HS92_Y2022_V202401b.csv")
    # keep the central directory but damage the member's compressed bytes halfway
    start = info.header_offset + 30 + len(info.filename)
    mid = start + info.compress_size // 2
    cut.write_bytes(data[:mid] + bytes(200) + data[mid + 200:])
    err = refusal(cut)
    assert err.file == cut.name and "member BACI_HS92_Y2022_V202401b.csv" in err.reason
    assert "damaged" in err.reason or "malformed" in err.reason, err


def test_a_zip_without_baci_members_or_country_table_is_refused(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "not a CEPII BACI release zip" in str(refusal(path))
    path = tmp_path / "BACI_HS92_V202401b.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("BACI_HS92_Y2022_V202401b.csv", year_csv(2022, []))
    assert "country_codes_V202401b.csv" in str(refusal(path))


def test_an_unknown_hs_revision_or_a_future_version_is_refused(tmp_path):
    path = tmp_path / "BACI_HS31_Y2022_V202401b.csv"
    path.write_text(year_csv(2022, []))
    assert "HS31" in str(refusal(path))
    path = tmp_path / "BACI_HS92_Y2022_V209901b.csv"
    path.write_text(year_csv(2022, []))
    assert "2099" in str(refusal(path))


@pytest.mark.parametrize("block", [1, 5, 17, 64, 333, 1 << 20])
@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("last_newline", [True, False])
def test_blocks_cut_anywhere_give_the_same_rows_and_file_lines(tmp_path, monkeypatch, block, ending, last_newline):
    """A block boundary may fall inside a line, on its line break, or between \\r and \\n: every
    tungsten row keeps the line it is on in the file, and none is lost or doubled."""
    from ingest.sources.cepii_baci import parser

    codes = [4, 8, 12, 20, 24, 32, 36, 40, 56, 76, 124, 156]
    rows = [f"2022,{codes[n % 12]},{codes[(n // 12 + n + 1) % 12]},{[261100, 70900, 810110, 1012][n % 4]},"
            f"{n * 37 % 1000}.5,{'NA' if n % 5 == 0 else n}" for n in range(60)]
    text = ending.join(["t,i,j,k,v,q", *rows]) + (ending if last_newline else "")
    path = tmp_path / "BACI_HS92_Y2022_V202401b.csv"
    path.write_bytes(text.encode())
    expected = [n + 2 for n, r in enumerate(rows) if r.split(",")[3] in ("261100", "810110")]
    monkeypatch.setattr(parser, "BLOCK", block)
    got = flows(path).sort("source_line")
    assert got["source_line"].to_list() == expected
    assert got["hs_code"].to_list() == [rows[n - 2].split(",")[3] for n in expected]
    assert got["value_usd"].to_list() == pytest.approx([float(rows[n - 2].split(",")[4]) * 1000 for n in expected])


@pytest.mark.parametrize("again", ["156,Atlantis,AT,CHN", "156,Atlantis,,ATL"])
def test_a_code_table_that_lists_a_code_twice_is_refused(tmp_path, again):
    """Issue 27, item 12: a second row for 156 would turn China's flows into Atlantis's."""
    from baci_files import COUNTRIES

    path = release(tmp_path, {2022: year_csv(2022, ["2022,156,392,261100,10,1"])}, countries=COUNTRIES + again + "\n")
    message = str(refusal(path))
    assert "country_codes_V202401b.csv" in message and "code 156" in message, message
    assert "'China'" in message and "'Atlantis'" in message, message


def test_a_refused_member_leaves_no_reader_thread_for_a_garbage_collection_to_end(tmp_path):
    """A member refused mid-read has its block reader (and the thread that inflates ahead) closed
    before the refusal reaches the caller, not left to a garbage collection: one that ran inside
    another thread's start deadlocked on threading's shutdown lock (seen as a hung test)."""
    import gc
    import threading

    path = release(tmp_path, {2021: year_csv(2021, ["2021,156,392,261100,1,1"]),
                              2022: year_csv(2022, ["2022,156,392,261100,abc,1"])})
    gc.collect()
    gc.disable()  # only what the parser itself closes is closed
    try:
        refusal(path)
        left = [t.name for t in threading.enumerate() if t.name.startswith(("baci-inflate", "baci-member"))]
    finally:
        gc.enable()
    assert left == []
