"""Every real trade sample parses, with exact values; malformed files are refused with file,
line and field."""

import csv
import io

import polars as pl
import pytest
from conftest import REAL
from trade_files import BILATERAL, api_body, csv_text, record

from ingest.errors import ParseError
from ingest.registry import parse_file
from ingest.trade import TRADE_SCHEMA

TRADE = REAL / "trade"
EXPORTERS = TRADE / "Trade_Map_-_List_of_exporters_for_the_selected_product_(All_products).txt"
MARKETS = TRADE / "Trade_Map_-_List_of_importing_markets_for_a_product_exported_by_China.txt"
PRODUCTS = TRADE / "Trade_Map_-_List_of_products_exported_by_China.txt"
CMR = TRADE / "critical-minerals-replication_docs_data_tungsten.json"


def parse_comtrade(path, **kw):
    return parse_file("comtrade", path, **kw)


def parse_itc(path, **kw):
    return parse_file("itc", path, **kw)


def parse_cmr(path, **kw):
    return parse_file("cmr", path, **kw)


def rows(pf) -> pl.DataFrame:
    frame = pf.frames["flows"]
    return frame if isinstance(frame, pl.DataFrame) else frame.collect()


def one(frame: pl.DataFrame, **where) -> dict:
    hit = frame.filter(*[pl.col(k) == v for k, v in where.items()])
    assert hit.height == 1, (where, hit.height)
    return hit.row(0, named=True)


def test_semiconductor_sample_all_47_columns():
    pf = parse_comtrade(TRADE / "semiconductor_trade.csv")
    f = rows(pf)
    assert f.schema == pl.Schema(TRADE_SCHEMA)
    assert f.height == 173 and pf.format == "comtrade api_v1 csv"
    first = one(f, source_line=2)
    assert (first["reporter_iso3"], first["partner_iso3"], first["flow"], first["hs_code"], first["year"]) == \
        ("CHN", "USA", "import", "8542", 2010)
    assert first["value_usd"] == 7903767147.0 and first["cif_usd"] == 7903767147.0 and first["net_weight_kg"] == 853234.0
    assert first["partner2_code"] == "0" and first["classification"] == "H3" and first["freq"] == "A"
    # a partner2 breakdown row: motCode "0 " with its trailing space is read as 0
    row = one(f, source_line=7)
    assert (row["partner2_code"], row["mot_code"], row["value_usd"], row["net_weight_kg"]) == ("56", "0", 3992055.0, 2512.0)
    assert f["partner2_code"].n_unique() > 1 and set(f["mot_code"]) == {"0"}


def test_cobalt_sample_with_three_extra_columns():
    f = rows(parse_comtrade(TRADE / "cobalt_trade_data.csv"))
    assert f.height == 86
    drc = one(f, source_line=2)
    assert (drc["reporter_iso3"], drc["partner_iso3"], drc["flow"], drc["hs_code"], drc["year"]) == ("COD", "CHN", "export", "8105", 2021)
    assert drc["value_usd"] == 3083513.084 and drc["fob_usd"] == 3083513.084 and drc["net_weight_kg"] == 656225.0
    assert drc["qty_unit_code"] == "8" and drc["qty"] == 656225.0
    usa = one(f, source_line=4)
    assert (usa["reporter_iso3"], usa["partner_iso3"], usa["partner_is_area"], usa["flow"]) == ("USA", "WLD", True, "import")
    assert usa["value_usd"] == 355111586.0 and usa["net_weight_kg"] == 10104440.0


def test_itc_exporters_list():
    pf = parse_itc(EXPORTERS)
    f = rows(pf)
    assert f.height == 2682 and pf.encoding == "utf-8"
    world = one(f, reporter_iso3="WLD", year=2009)
    assert world["value_usd"] == 12344059790 * 1000.0 and world["value_published"] == 12344059790.0
    assert world["value_unit"] == "thousand US$" and world["hs_code"] == "TOTAL" and world["partner_iso3"] == "WLD"
    assert one(f, reporter_iso3="CHN", year=2020)["value_usd"] == 2590607686 * 1000.0
    ant = f.filter(pl.col("reporter_published") == "Netherlands Antilles")
    assert ant["reporter_iso3"].unique().to_list() == ["ANT"] and sorted(ant["year"]) == [2009, 2010, 2011]  # empty cells: no rows
    assert f["reporter_iso3"].null_count() == 0


def test_itc_importing_markets_needs_the_product():
    with pytest.raises(ParseError, match="give --hs CODE"):
        parse_itc(MARKETS)
    f = rows(parse_itc(MARKETS, hs="TOTAL"))
    assert f.height == 2676 and set(f["reporter_iso3"]) == {"CHN"} and set(f["flow"]) == {"export"}
    assert one(f, partner_iso3="USA", year=2009)["value_usd"] == 221295020 * 1000.0
    assert one(f, partner_iso3="HKG", year=2009)["value_usd"] == 166216920 * 1000.0
    assert one(f, partner_iso3="XSD", year=2012)["value_usd"] == 0.0  # "Sudan (before 2012)", not Sudan


def test_itc_products_list():
    f = rows(parse_itc(PRODUCTS))
    assert f.height == 1176 and set(f["reporter_iso3"]) == {"CHN"} and set(f["partner_iso3"]) == {"WLD"}
    assert one(f, hs_code="TOTAL", year=2009)["value_usd"] == 1201646800 * 1000.0
    assert one(f, hs_code="85", year=2020)["value_usd"] == 710123506 * 1000.0
    assert one(f, hs_code="26", year=2020)["hs_published"].startswith("Ores, slag and ash")


def test_cmr_aggregate_rwanda_first_in_2022():
    f = rows(parse_cmr(CMR))
    assert f.height == 506 and f["reporter_iso3"].null_count() == 0
    exports = f.filter((pl.col("year") == 2022) & (pl.col("flow") == "export"))
    assert one(exports, reporter_iso3="WLD")["value_usd"] == 188637296.946
    assert one(exports, reporter_iso3="RWA")["value_usd"] == 54524251.14
    assert one(f.filter(pl.col("flow") == "import"), reporter_iso3="CHN", year=2022)["value_usd"] == 65870348.0
    assert set(f["hs_code"]) == {"261100"}


def test_api_json_and_csv_give_the_same_rows(tmp_path):
    (tmp_path / "a.json").write_bytes(api_body(BILATERAL))
    (tmp_path / "a.csv").write_text(csv_text(BILATERAL))
    j = rows(parse_comtrade(tmp_path / "a.json")).drop("source_file", "source_sha256", "format", strict=False)
    c = rows(parse_comtrade(tmp_path / "a.csv")).drop("source_file", "source_sha256", strict=False)
    cols = ["reporter_iso3", "partner_iso3", "flow", "hs_code", "year", "value_usd", "net_weight_kg"]
    assert j.select(cols).rows() == c.select(cols).rows()
    assert sorted(j.filter(pl.col("partner_iso3") == "WLD")["reporter_iso3"]) == ["AUT", "USA"]


def test_empty_api_data_is_no_rows(tmp_path):
    (tmp_path / "e.json").write_bytes(api_body([]))
    assert rows(parse_comtrade(tmp_path / "e.json")).height == 0


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


def test_itc_unknown_formats_say_what_was_expected(tmp_path):
    text = EXPORTERS.read_text(encoding="utf-8-sig")
    odd = tmp_path / "Trade_Map_-_odd.txt"
    odd.write_text(text.replace("Exported value in 2011", "Exported quantity in 2011", 1), encoding="utf-8-sig")
    with pytest.raises(ParseError, match="expected 'Exported value in YYYY'") as exc:
        parse_itc(odd)
    assert exc.value.field == "Exported quantity in 2011"
    csvish = tmp_path / "Trade_Map_-_comma.txt"
    csvish.write_text(text.replace("\t", ","), encoding="utf-8")
    with pytest.raises(ParseError, match="expected tab-separated"):
        parse_itc(csvish)
    texty = tmp_path / "Trade_Map_-_List_of_exporters_for_the_selected_product_(All_products).txt"
    texty.write_text(text.replace("1577763800", "lots", 1), encoding="utf-8-sig")
    with pytest.raises(ParseError, match="'lots' is not a number") as exc:
        parse_itc(texty)
    assert (exc.value.line, exc.value.field) == (3, "Exported value in 2010")


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
