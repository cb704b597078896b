"""Trade parsers on Comtrade-format files the tests make (trade_files.py): API JSON and CSV,
gzipped bulk files; malformed files are refused with file, line and field (the real trade
samples: tests/integration/test_trade_parsers.py)."""

import csv
import io

import polars as pl
import pytest
from trade_files import BILATERAL, api_body, csv_text, one, record, rows

from ingest.errors import ParseError
from ingest.registry import parse_file


def parse_comtrade(path, **kw):
    return parse_file("comtrade", path, **kw)




def test_api_json_and_csv_give_the_same_rows(tmp_path):
    (tmp_path / "a.json").write_bytes(api_body(BILATERAL))
    (tmp_path / "a.csv").write_text(csv_text(BILATERAL))
    j = rows(parse_comtrade(tmp_path / "a.json")).drop("source_file", "source_sha256", "format", strict=False)
    c = rows(parse_comtrade(tmp_path / "a.csv")).drop("source_file", "source_sha256", strict=False)
    cols = ["reporter_iso3", "partner_iso3", "flow", "hs_code", "year", "value_usd", "net_weight_kg"]
    assert j.select(cols).rows() == c.select(cols).rows()
    assert sorted(j.filter(pl.col("partner_iso3") == "WLD")["reporter_iso3"]) == ["AUT", "USA"]


def test_empty_api_data_given_as_a_file_is_refused(tmp_path):
    """A response with no records is a load of nothing: refused when a user gives it (`fetch`
    drops such responses before parsing)."""
    (tmp_path / "e.json").write_bytes(api_body([]))
    with pytest.raises(ParseError, match="no data rows"):
        rows(parse_comtrade(tmp_path / "e.json"))


def test_special_areas_kept_and_flagged(tmp_path):
    recs = [record(842, 490, "M", "261100", 2022, 1.0, 1.0), record(842, 899, "M", "261100", 2022, 1.0, 1.0),
            record(97, 156, "M", "261100", 2022, 1.0, 1.0)]
    (tmp_path / "s.json").write_bytes(api_body(recs))
    f = rows(parse_comtrade(tmp_path / "s.json"))
    assert f.select("reporter_iso3", "partner_iso3", "partner_is_area").rows() == [
        ("USA", "XOA", True), ("USA", "XAN", True), ("EUU", "CHN", False)]
    assert f["reporter_is_area"].to_list() == [False, False, True]


@pytest.mark.parametrize("mutate, line, field, reason", [
    (lambda t: t.replace("primaryValue", "tradeValue"), 1, None, "missing primaryValue"),
    (lambda t: t.replace(",10000000.0,", ",10,000,000 USD,", 1), None, None, "malformed CSV|not a number"),
    (lambda t: t.replace("5700000.0", "n/a"), 6, "fobvalue", "'n/a' is not a number"),
    (lambda t: t.replace("True,False", "Yes?,False", 1), 2, "isReported", "not true/false"),
])
def test_malformed_comtrade_csv_is_refused(tmp_path, mutate, line, field, reason):
    path = tmp_path / "bad.csv"
    path.write_text(mutate(csv_text(BILATERAL)))
    with pytest.raises(ParseError, match=reason) as exc:
        rows(parse_comtrade(path))
    assert exc.value.file == "bad.csv"
    with pytest.raises(ParseError, match=reason) as exc:  # a small file is handed over as bytes
        rows(parse_comtrade(path, data=path.read_bytes()))
    assert exc.value.file == "bad.csv"
    if line:
        assert exc.value.line == line and exc.value.field == field


def test_damaged_files_are_refused(tmp_path):
    (tmp_path / "cut.json").write_bytes(api_body(BILATERAL)[:-40])
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_comtrade(tmp_path / "cut.json")
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01binary" * 100)
    with pytest.raises(ParseError, match="binary"):
        parse_comtrade(tmp_path / "bin.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        parse_comtrade(tmp_path / "empty.csv")


def test_cells_the_typed_reader_rejects_are_read_on_as_text(tmp_path, monkeypatch):
    """Numbers and true/false are typed by the CSV reader (the fast path); from the first cell it
    cannot take, the rest of the file is read as text, where a padded number or 'yes' is still
    accepted and the rows are those of the clean file."""
    from ingest.sources.un_comtrade import parser as comtrade

    monkeypatch.setattr(comtrade, "CHUNK_ROWS", 3)
    clean, messy = tmp_path / "clean.csv", tmp_path / "messy.csv"
    clean.write_text(csv_text(BILATERAL))
    lines = csv_text(BILATERAL).splitlines()
    lines[7] = lines[7].replace(",2500000.0,", ", 2500000.0 ,")  # line 8, third chunk: a padded number
    lines[8] = lines[8].replace(",True,False", ",yes,no")  # line 9: true/false spelled out
    messy.write_text("\n".join(lines) + "\n")
    ignore = ["source_file", "source_sha256", "vintage"]
    a, b = rows(parse_comtrade(clean)).drop(ignore), rows(parse_comtrade(messy)).drop(ignore)
    assert a.height == b.height == 8
    assert a.equals(b)
    assert one(b, source_line=8)["value_usd"] == 2_500_000.0 and one(b, source_line=9)["is_aggregate"] is False
    # every field quoted, CRLF line ends and a BOM, as spreadsheet exports write them: the same rows
    quoted = tmp_path / "quoted.csv"
    rows_ = list(csv.reader(io.StringIO(csv_text(BILATERAL))))
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows_)
    quoted.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    assert rows(parse_comtrade(quoted)).drop(ignore).equals(a)


def test_gzipped_tab_separated_bulk_file(tmp_path):
    """Comtrade's bulk downloads are gzipped, tab-separated text: the same rows as the CSV; a
    copy cut short is refused, naming the file."""
    import gzip

    clean = tmp_path / "clean.csv"
    clean.write_text(csv_text(BILATERAL))
    tsv = csv_text(BILATERAL).replace(",", "\t")
    bulk = tmp_path / "TARIFFLINE_2022_261100.txt.gz"
    bulk.write_bytes(gzip.compress(tsv.encode()))
    pf = parse_comtrade(bulk)
    assert pf.format == "comtrade api_v1 csv (gzip)" and pf.vintage == "TARIFFLINE_2022_261100"
    ignore = ["source_file", "source_sha256", "vintage"]
    assert rows(pf).drop(ignore).equals(rows(parse_comtrade(clean)).drop(ignore))
    body = gzip.compress((tsv * 40).encode())
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(body[: len(body) // 2])
    with pytest.raises(ParseError) as exc:
        rows(parse_comtrade(cut))
    assert exc.value.file == "cut.txt.gz"
    api = tmp_path / "response.json.gz"
    api.write_bytes(gzip.compress(api_body(BILATERAL)))
    assert rows(parse_comtrade(api)).height == 8
