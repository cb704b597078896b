"""Trade parsers under hostile input, on small files the tests make (no ../shared needed):
Trade Map's "Excel" download (an HTML table named .xls) read like its text export; files that
are not Trade Map exports (gzip, zip, an HTML page without the table) named for what they are;
a 50 MB cell refused as a ParseError naming file and line; a header with no data rows refused.
The real Trade Map files as HTML: tests/integration/test_itc_xls.py."""

import csv
import gzip
import html
import sys

import polars as pl
import pytest
from trade_files import BILATERAL, api_body, csv_text, record, rows

from ingest.errors import ParseError
from ingest.registry import parse_file
from ingest.sources import folder_table
from ingest.sources.itc_trademap import parser as itc_parser

MARKETS = "Trade_Map_-_List_of_importing_markets_for_a_product_exported_by_China"
EXPORTERS = "Trade_Map_-_List_of_exporters_for_the_selected_product"
PRODUCTS = "Trade_Map_-_List_of_products_exported_by_China"
BIG = 50 << 20  # a 50 MB cell

HEADER = ["Importers", "Exported value in 2019", "Exported value in 2020"]
ROWS = [["World", "9154", "11250"], ["United States of America", "3210", ""], ["Japan", "1,204", "0"],
        ["Netherlands", "", "877"]]
PRODUCT_HEADER = ["Code", "Product label", "Exported value in 2019", "Exported value in 2020"]
PRODUCT_ROWS = [["TOTAL", "All products", "2498569866", "2590607686"], ["'2611", "Tungsten ores and concentrates", "51", "73"]]
DATA = ["reporter_iso3", "partner_iso3", "partner_published", "flow", "hs_code", "hs_published", "year",
        "value_published", "value_unit", "value_usd"]


def text_export(header: list[str], body: list[list[str]]) -> bytes:
    """A Trade Map "Text" download: UTF-8 with BOM, names quoted, a tab after every field."""
    lines = ["\t".join(header) + "\t"]
    for r in body:
        lines.append("\t".join([f'"{r[0]}"', *r[1:]]) + "\t")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def html_export(header: list[str], body: list[list[str]], *, title: str = "List of importing markets for a product "
                "exported by China", product: str | None = "Product: 2611 Tungsten ores and concentrates",
                unit: str | None = "Unit : US Dollar thousand", encoding: str = "utf-8", bom: bool = True,
                header_tag: str = "th") -> bytes:
    """A Trade Map "Excel" download: an HTML document named .xls, with the title, Product and
    Unit lines above a table of the text export's columns."""
    meta = [f"<tr><td colspan='{len(header)}'>{html.escape(line)}</td></tr>" for line in (title, product, unit) if line]
    head = "<tr>" + "".join(f"<{header_tag}>{html.escape(h)}</{header_tag}>" for h in header) + "</tr>"
    data = ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body]
    doc = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}"></head><body>\n'
           "<table>\n" + "\n".join(meta) + "\n</table>\n<table border='1'>\n" + head + "\n" + "\n".join(data) +
           "\n</table>\n</body></html>\n")
    raw = doc.encode(encoding)
    if bom:
        raw = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding] + raw
    return raw


def parse_itc(path, **kw):
    return parse_file("itc", path, **kw)


def data_columns(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(DATA).sort(DATA, nulls_last=True)


def write(tmp_path, name: str, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


# --- 1. Trade Map's "Excel" download: an HTML table named .xls ----------------------------------

@pytest.mark.parametrize("encoding, bom", [("utf-8", True), ("utf-8", False), ("utf-16-le", True), ("utf-16-be", True),
                                           ("utf-16-le", False)])
def test_html_xls_gives_the_rows_of_the_text_export(tmp_path, encoding, bom):
    txt = write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, ROWS))
    xls = write(tmp_path, f"{MARKETS}.xls", html_export(HEADER, ROWS, encoding=encoding, bom=bom))
    t = rows(parse_itc(txt, hs="2611"))
    pf = parse_itc(xls)  # the product is the file's own Product line
    x = rows(pf)
    assert x.height == t.height == 6
    assert data_columns(x).equals(data_columns(t))
    assert x["source_line"].to_list() == t["source_line"].to_list()  # the table's rows, header row 1
    assert set(x["hs_code"]) == {"2611"} and set(x["value_unit"]) == {"thousand US$"}
    assert x.filter(pl.col("partner_iso3") == "JPN").sort("year")["value_usd"].to_list() == [1_204_000.0, 0.0]
    assert pf.format.startswith("itc trade map html") and pf.file_name == f"{MARKETS}.xls"


def test_html_xls_header_in_td_cells_with_unclosed_tags_and_markup_in_cells(tmp_path):
    """HTML as browsers read it: cells and rows left open, <b>, <br> and &nbsp; in cells, a thead."""
    doc = ("<!DOCTYPE html><html><body><p>List of importing markets for a product exported by China</p>"
           "<p>Product: 2611 Tungsten ores and concentrates</p><p>Unit&nbsp;: US Dollar thousand</p>"
           "<table><thead><tr><td><b>Importers</b><td>Exported value<br>in 2019<td>Exported value in 2020</thead>"
           "<tbody><tr><td><a href='#'>World</a><td>9154<td>11,250"
           "<tr><td>United&nbsp;States of America<td> 3210 <td>"
           "<tr><td>Japan<td>1,204<td>0<tr><td>Netherlands<td>&nbsp;<td>877</tbody></table></body></html>")
    xls = write(tmp_path, "odd.xls", doc.encode())
    txt = write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, ROWS))
    assert data_columns(rows(parse_itc(xls, reporter="CHN"))).equals(data_columns(rows(parse_itc(txt, hs="2611"))))


def test_html_xls_product_list(tmp_path):
    title = "List of products exported by China"
    xls = write(tmp_path, f"{PRODUCTS}.xls", html_export(PRODUCT_HEADER, PRODUCT_ROWS, title=title, product=None))
    txt = write(tmp_path, f"{PRODUCTS}.txt", text_export(PRODUCT_HEADER, PRODUCT_ROWS))
    x = rows(parse_itc(xls))
    assert data_columns(x).equals(data_columns(rows(parse_itc(txt))))
    assert sorted(set(x["hs_code"])) == ["2611", "TOTAL"]


@pytest.mark.parametrize("product, name, options, expected", [
    ("Product: TOTAL All products", MARKETS, {}, "TOTAL"),
    ("Product: 261100 Tungsten ores and concentrates", MARKETS, {}, "261100"),
    ("Product : 2611 - Tungsten ores and concentrates", MARKETS, {}, "2611"),
    ("Product: 2611 Tungsten ores and concentrates", MARKETS, {"hs": "8101.94"}, "810194"),  # the option wins
    (None, f"{EXPORTERS}_(Tungsten_ores_and_concentrates)", {}, "261100"),  # no Product line: the file name
    ("Product: TOTAL All products", f"{EXPORTERS}_(Tungsten_ores_and_concentrates)", {}, "TOTAL"),  # the file's own line
])
def test_html_xls_product_from_the_product_line_option_or_file_name(tmp_path, product, name, options, expected):
    header = ["Exporters", *HEADER[1:]] if name.startswith(EXPORTERS) else HEADER
    xls = write(tmp_path, f"{name}.xls", html_export(header, ROWS, product=product, title="Trade Map"))
    f = rows(parse_itc(xls, **options))
    assert set(f["hs_code"]) == {expected}


def test_html_xls_reporter_from_the_option_file_name_or_title(tmp_path):
    xls = write(tmp_path, f"{MARKETS}.xls", html_export(HEADER, ROWS))
    assert set(rows(parse_itc(xls))["reporter_iso3"]) == {"CHN"}
    assert set(rows(parse_itc(xls, reporter="RWA"))["reporter_iso3"]) == {"RWA"}
    renamed = write(tmp_path, "download (1).xls", html_export(HEADER, ROWS))  # the title names China
    assert set(rows(parse_itc(renamed))["reporter_iso3"]) == {"CHN"}
    anonymous = write(tmp_path, "download (2).xls", html_export(HEADER, ROWS, title="Trade Map"))
    with pytest.raises(ParseError, match="give --reporter ISO3"):
        parse_itc(anonymous)


def test_html_xls_product_missing_or_unknown_is_refused(tmp_path):
    xls = write(tmp_path, "markets.xls", html_export(HEADER, ROWS, product=None, title="Trade Map"))
    with pytest.raises(ParseError, match="give --hs CODE"):
        parse_itc(xls, reporter="CHN")
    odd = write(tmp_path, "odd.xls", html_export(HEADER, ROWS, product="Product: Gadgets", title="Trade Map"))
    with pytest.raises(ParseError, match="the product 'Gadgets' .* is not a known HS label"):
        parse_itc(odd, reporter="CHN")


def test_html_xls_unit_line(tmp_path):
    tons = write(tmp_path, f"{MARKETS}.xls", html_export(HEADER, ROWS, unit="Unit : Tons"))
    with pytest.raises(ParseError, match="unit 'Tons'.*expected 'US Dollar thousand'") as exc:
        parse_itc(tons)
    assert exc.value.file == f"{MARKETS}.xls"
    none = write(tmp_path, "none.xls", html_export(HEADER, ROWS, unit=None))  # as the text export: thousand US$
    assert set(rows(parse_itc(none, reporter="CHN"))["value_unit"]) == {"thousand US$"}


def test_html_xls_bad_cells_name_the_table_row_and_column(tmp_path):
    bad = [*ROWS[:2], ["Japan", "lots", "0"]]
    xls = write(tmp_path, f"{MARKETS}.xls", html_export(HEADER, bad))
    with pytest.raises(ParseError, match="'lots' is not a number") as exc:
        parse_itc(xls)
    assert (exc.value.file, exc.value.line, exc.value.field) == (f"{MARKETS}.xls", 4, "Exported value in 2019")
    short = write(tmp_path, "short.xls", html_export(HEADER, [*ROWS[:2], ["Japan", "1"]]))
    with pytest.raises(ParseError, match="cut short") as exc:
        parse_itc(short, reporter="CHN")
    assert exc.value.line == 4


@pytest.mark.parametrize("data, reason", [
    (gzip.compress(text_export(HEADER, ROWS)), "a gzip archive, not an ITC Trade Map export: decompress it first"),
    (b"PK\x03\x04" + b"\x00" * 200, "a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "a binary Excel workbook"),
    (b"<!DOCTYPE html><html><head><title>Trade Map - Log in</title></head><body><p>Please log in</p></body></html>",
     "an HTML page without a Trade Map table"),
    (b"<html><body><table><tr><th>Country</th><th>Value</th></tr><tr><td>China</td><td>1</td></tr></table></body></html>",
     r"an HTML page without a Trade Map table: .*first row 'Country', 'Value'"),
    ("\ufeff<html><body><p>nothing</p></body></html>".encode("utf-16-le"), "an HTML page without a Trade Map table"),
])
def test_files_that_are_not_trade_map_exports_are_named(tmp_path, data, reason):
    p = write(tmp_path, f"{MARKETS}.xls", data)
    with pytest.raises(ParseError, match=reason) as exc:
        parse_itc(p)
    assert exc.value.file == f"{MARKETS}.xls"


def test_html_is_sniffed_by_content_not_name(tmp_path):
    as_txt = write(tmp_path, f"{MARKETS}.txt", html_export(HEADER, ROWS))
    assert rows(parse_itc(as_txt)).height == 6
    text_as_xls = write(tmp_path, f"{MARKETS}.xls", text_export(HEADER, ROWS))
    assert rows(parse_itc(text_as_xls, hs="2611")).height == 6


# --- 2. a 50 MB cell ----------------------------------------------------------------------------

def test_itc_text_50mb_cell_is_a_parse_error(tmp_path):
    body = [*ROWS[:2], ["x" * BIG, "1", "2"], *ROWS[2:]]
    p = write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, body))
    with pytest.raises(ParseError, match="larger than any real") as exc:
        parse_itc(p, hs="2611")
    assert (exc.value.file, exc.value.line) == (f"{MARKETS}.txt", 4)
    assert len(str(exc.value)) < 500


def test_itc_text_50mb_cell_refused_even_when_csv_field_limit_is_raised(tmp_path):
    """Another library (agate, under dbt) may raise csv's process-wide field limit."""
    body = [*ROWS[:1], ["Japan", "1" * BIG, "2"]]
    p = write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, body))
    old = csv.field_size_limit(sys.maxsize)
    try:
        with pytest.raises(ParseError, match="larger than any real") as exc:
            parse_itc(p, hs="2611")
    finally:
        csv.field_size_limit(old)
    assert (exc.value.line, exc.value.field) == (3, "Exported value in 2019")


def test_itc_html_50mb_cell_is_a_parse_error(tmp_path):
    body = [*ROWS[:2], ["Japan", "9" * BIG, "2"]]
    p = write(tmp_path, f"{MARKETS}.xls", html_export(HEADER, body))
    with pytest.raises(ParseError, match="larger than any real") as exc:
        parse_itc(p)
    assert exc.value.file == f"{MARKETS}.xls" and exc.value.line is not None and len(str(exc.value)) < 500


@pytest.mark.parametrize("column", ["cmdDesc", "primaryValue", "cmdCode", "reporterDesc"])
def test_comtrade_csv_50mb_cell_is_a_parse_error(tmp_path, column):
    recs = [dict(r) for r in BILATERAL]
    recs[2][column] = "7" * BIG
    p = tmp_path / "big.csv"
    p.write_text(csv_text(recs))
    with pytest.raises(ParseError, match="larger than any real") as exc:
        rows(parse_file("comtrade", p))
    assert (exc.value.file, exc.value.line, exc.value.field) == ("big.csv", 4, column)
    assert len(str(exc.value)) < 500


def test_comtrade_json_50mb_cell_is_a_parse_error(tmp_path):
    recs = [dict(r) for r in BILATERAL]
    recs[1]["reporterDesc"] = "x" * BIG
    p = tmp_path / "big.json"
    p.write_bytes(api_body(recs))
    with pytest.raises(ParseError, match="larger than any real") as exc:
        rows(parse_file("comtrade", p))
    assert (exc.value.line, exc.value.field) == (2, "reporterDesc")


def test_comtrade_csv_header_longer_than_any_real_one(tmp_path):
    p = tmp_path / "wide.csv"
    p.write_text("refYear," + "x" * (200 << 10) + "\n2022,1\n")
    with pytest.raises(ParseError, match="first line .* longer than any real Comtrade header") as exc:
        rows(parse_file("comtrade", p))
    assert exc.value.line == 1


# --- 3. a header and no data rows ---------------------------------------------------------------

def test_itc_text_header_only_is_refused(tmp_path):
    p = write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, []) + b"\r\n\r\n")
    with pytest.raises(ParseError, match="no data rows") as exc:
        parse_itc(p, hs="2611")
    assert exc.value.file == f"{MARKETS}.txt"


def test_itc_html_header_only_is_refused(tmp_path):
    p = write(tmp_path, f"{MARKETS}.xls", html_export(HEADER, []))
    with pytest.raises(ParseError, match="no data rows") as exc:
        parse_itc(p)
    assert exc.value.file == f"{MARKETS}.xls"


def test_itc_rows_without_any_value_are_refused(tmp_path):
    p = write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, [["World", "", ""], ["Japan", "", ""]]))
    with pytest.raises(ParseError, match="no values: its 2 rows have only empty value cells"):
        parse_itc(p, hs="2611")


@pytest.mark.parametrize("name, make", [
    ("h.csv", lambda: csv_text([]).encode()),
    ("h_blank_lines.csv", lambda: (csv_text([]) + "\n\n").encode()),
    ("h.tsv", lambda: csv_text([]).replace(",", "\t").encode()),
    ("h.csv.gz", lambda: gzip.compress(csv_text([]).encode())),
    ("h_padded.csv", lambda: (csv_text([]) + "\n" * 70_000).encode()),  # beyond the 64 KiB the parser sniffs
])
def test_comtrade_csv_header_only_is_refused(tmp_path, name, make):
    p = tmp_path / name
    p.write_bytes(make())
    with pytest.raises(ParseError, match="no data rows") as exc:
        rows(parse_file("comtrade", p))
    assert exc.value.file == name
    with pytest.raises(ParseError, match="no data rows"):
        rows(parse_file("comtrade", p, data=p.read_bytes()))


def test_comtrade_json_without_records_is_refused_as_a_user_file(tmp_path):
    """`fetch` never parses a response without records (warehouse.refresh.fetch_comtrade skips
    it); a user's file of none is refused like a CSV of a header only."""
    p = tmp_path / "e.json"
    p.write_bytes(api_body([]))
    with pytest.raises(ParseError, match="no data rows") as exc:
        rows(parse_file("comtrade", p))
    assert exc.value.file == "e.json"


def test_one_data_row_is_enough(tmp_path):
    p = tmp_path / "one.csv"
    p.write_text(csv_text([record(842, 156, "M", "261100", 2022, 1.0, 1.0)]))
    assert rows(parse_file("comtrade", p)).height == 1
    t = write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, [["Japan", "", "5"]]))
    assert rows(parse_itc(t, hs="2611"))["value_usd"].to_list() == [5000.0]


# --- Real Trade Map exports read for what they say (issue 27, item 15) ---------------------------
# ITC's own areas ("European Union Nes", "Caribbean Nes" ...) are areas, each with a code of its
# own; two names of one table never become one code; a value header as ITC varies it
# ("exported value in 2009, US Dollar thousand") is recognised.

ITC_AREAS = ["European Union Nes", "Caribbean Nes", "Asia not elsewhere specified", "Centr.Amer.Com.Market (CACM) Nes",
             "East Europe not elsewhere specified", "Europe EFTA not elsewhere specified", "Europe Othr. Nes",
             "North Africa not elsewhere specified", "West Asia not elsewhere specified", "Area Nes",
             "Territory not allocated"]


def test_itcs_own_areas_are_read_as_areas_each_with_its_own_code(tmp_path):
    body = [["World", "100", "110"], ["Japan", "10", "11"], *[[name, "1", "2"] for name in ITC_AREAS]]
    f = rows(parse_itc(write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, body)), hs="2611"))
    areas = f.filter(pl.col("partner_published").is_in(ITC_AREAS)).select("partner_published", "partner_iso3",
                                                                           "partner_is_area").unique()
    assert areas.height == len(ITC_AREAS) and areas["partner_is_area"].all(), areas
    assert areas["partner_iso3"].null_count() == 0 and areas["partner_iso3"].n_unique() == len(ITC_AREAS), areas
    codes = dict(zip(areas["partner_published"], areas["partner_iso3"], strict=True))
    assert codes["European Union Nes"] == "XEN" and codes["Caribbean Nes"] == "XCB" and codes["Area Nes"] == "XAN"


def test_the_area_list_gives_every_itc_area_a_code_of_its_own():
    from ingest.sources.itc_trademap.folder_tables import itc_areas

    listed = folder_table(itc_parser.__file__, "areas")
    assert len(itc_areas()) == len(listed) >= 20
    assert len(set(itc_areas().values())) == len(listed)


def test_two_names_read_as_one_area_are_refused(tmp_path):
    body = [["World", "100", "110"], ["Area Nes", "1", "2"], ["Areas, nes", "3", "4"]]
    path = write(tmp_path, f"{MARKETS}.txt", text_export(HEADER, body))
    with pytest.raises(ParseError) as info:
        parse_itc(path, hs="2611")
    message = str(info.value)
    assert "'Areas, nes'" in message and "'Area Nes'" in message and "XAN" in message and "line 4" in message


@pytest.mark.parametrize("header", [
    ["Importers", "exported value in 2019, US Dollar thousand", "exported value in 2020, US Dollar thousand"],
    ["Importers", "EXPORTED VALUE IN 2019", "Exported  value  in 2020"],
    ["Importers", "Exported value in 2019 (US Dollar thousand)", "Exported value in 2020 (US Dollar thousand)"],
    ["Importers", "Exported value 2019", "Exported values 2020"],
])
def test_value_headers_as_itc_varies_them_are_recognised(tmp_path, header):
    body = [["World", "100", "110"], ["Japan", "10", "11"]]
    for name, data in ((f"{MARKETS}.txt", text_export(header, body)), (f"{MARKETS}.xls", html_export(header, body))):
        f = rows(parse_itc(write(tmp_path, name, data), hs="2611"))
        assert sorted(f["year"].unique()) == [2019, 2020], name
        japan = f.filter((pl.col("partner_iso3") == "JPN") & (pl.col("year") == 2020)).row(0, named=True)
        assert japan["value_usd"] == pytest.approx(11_000) and japan["flow"] == "export"


def test_a_header_unit_the_reader_does_not_know_is_refused(tmp_path):
    header = ["Importers", "Exported value in 2019, Euro million", "Exported value in 2020, Euro million"]
    path = write(tmp_path, f"{MARKETS}.txt", text_export(header, [["World", "1", "2"]]))
    with pytest.raises(ParseError, match="'Euro million' of the value columns is not a value unit"):
        parse_itc(path, hs="2611")
