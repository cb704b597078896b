"""Trade Map's "Excel" download (an HTML table saved with an .xls name), made here from the
real text exports' own header and cells, parses to the same tidy rows as the text export and
loads through the gate; a gzipped export and an HTML page without the table are refused with
what they are. (Edge cases on small files: tests/unit/test_trade_edge_cases.py.)"""

import csv
import gzip
import html

import polars as pl
import pytest
from integration_helpers import REAL
from integration_helpers import query as q
from trade_files import rows

from ingest.errors import ParseError
from ingest.registry import parse_file
from warehouse.refresh import ingest_file

TRADE = REAL / "trade"
MARKETS = TRADE / "Trade_Map_-_List_of_importing_markets_for_a_product_exported_by_China.txt"
PRODUCTS = TRADE / "Trade_Map_-_List_of_products_exported_by_China.txt"
EXPORTERS = TRADE / "Trade_Map_-_List_of_exporters_for_the_selected_product_(All_products).txt"
# everything but what names the file (source_file, source_sha256)
DATA = ["source_id", "vintage", "dataset", "freq", "year", "period", "classification", "reporter_code", "reporter_published",
        "reporter_iso3", "reporter_is_area", "partner_code", "partner_published", "partner_iso3", "partner_is_area",
        "partner2_code", "flow_code", "flow", "hs_code", "hs_published", "customs_code", "mot_code", "value_published",
        "value_unit", "value_usd", "source_line"]


def table_of(text_export) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a Trade Map text export as its own reader sees them (trailing tab dropped)."""
    with open(text_export, encoding="utf-8-sig", newline="") as fh:
        records = [r for r in csv.reader(fh, delimiter="\t") if r]
    header = records[0][:-1] if records[0][-1] == "" else records[0]
    return header, [r[: len(header)] for r in records[1:]]


def as_xls(text_export, title: str, product: str | None, *, encoding: str = "utf-8") -> bytes:
    """The text export's table as Trade Map's "Excel" download shapes it: an HTML document with
    the title, Product and Unit lines, then a table of the same header and cells."""
    header, body = table_of(text_export)
    lines = [title, *([product] if product else []), "Unit : US Dollar thousand"]
    out = ['<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>',
           f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}"></head><body><table>']
    out += [f'<tr><td colspan="{len(header)}">{html.escape(line)}</td></tr>' for line in lines]
    out += ["</table><table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body]
    out.append("</table></body></html>")
    return ("\ufeff" + "\r\n".join(out)).encode(encoding)


def same_rows(xls: pl.DataFrame, text: pl.DataFrame) -> None:
    assert xls.columns == text.columns and xls.schema == text.schema
    a, b = xls.select(DATA), text.select(DATA)
    assert a.height == b.height > 0
    assert a.sort(DATA, nulls_last=True).equals(b.sort(DATA, nulls_last=True))
    assert a.equals(b)  # and in the same order


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_importing_markets_xls_equals_the_text_export(tmp_path, encoding):
    xls = tmp_path / MARKETS.with_suffix(".xls").name
    xls.write_bytes(as_xls(MARKETS, "List of importing markets for a product exported by China", "Product: TOTAL All products",
                           encoding=encoding))
    text = rows(parse_file("itc", MARKETS, hs="TOTAL"))
    pf = parse_file("itc", xls)  # the product from the file's own Product line, no --hs needed
    got = rows(pf)
    same_rows(got, text)
    assert got.height == 2676 and pf.file_name == xls.name and pf.format.startswith("itc trade map html")
    assert got.filter((pl.col("partner_iso3") == "USA") & (pl.col("year") == 2009))["value_usd"].to_list() == [221295020 * 1000.0]
    # an option given on the command line still wins over the file's Product line
    assert set(rows(parse_file("itc", xls, hs="2611"))["hs_code"]) == {"2611"}


def test_products_xls_equals_the_text_export(tmp_path):
    xls = tmp_path / PRODUCTS.with_suffix(".xls").name
    xls.write_bytes(as_xls(PRODUCTS, "List of products exported by China", "Product: TOTAL All products"))
    same_rows(rows(parse_file("itc", xls)), rows(parse_file("itc", PRODUCTS)))


def test_exporters_xls_equals_the_text_export(tmp_path):
    xls = tmp_path / EXPORTERS.with_suffix(".xls").name
    xls.write_bytes(as_xls(EXPORTERS, "List of exporters for the selected product", "Product: TOTAL All products"))
    same_rows(rows(parse_file("itc", xls)), rows(parse_file("itc", EXPORTERS)))


def test_xls_loads_through_the_gate(warehouse, tmp_path):
    xls = tmp_path / MARKETS.with_suffix(".xls").name
    xls.write_bytes(as_xls(MARKETS, "List of importing markets for a product exported by China", "Product: TOTAL All products"))
    summary = ingest_file(warehouse, "itc", xls)
    assert summary.ok, summary.errors
    assert [(r.status, r.rows) for r in summary.loads if r.file_name == xls.name] == [("passed", 2676)]
    got = q(warehouse.build, "SELECT count(*), sum(value_usd), min(hs_code), max(hs_code), min(source_file) FROM raw.trade_flows "
                             "WHERE source_id = 'itc_trademap'")
    text = rows(parse_file("itc", MARKETS, hs="TOTAL"))
    assert got == [(2676, text["value_usd"].sum(), "TOTAL", "TOTAL", xls.name)]


def test_gzipped_export_and_html_page_without_the_table_are_named(warehouse, tmp_path):
    gz = tmp_path / (MARKETS.name + ".gz")
    gz.write_bytes(gzip.compress(MARKETS.read_bytes()))
    with pytest.raises(ParseError, match="a gzip archive, not an ITC Trade Map export: decompress it first") as exc:
        parse_file("itc", gz, hs="TOTAL")
    assert exc.value.file == gz.name
    page = tmp_path / MARKETS.with_suffix(".xls").name
    page.write_bytes(b"\xef\xbb\xbf<!DOCTYPE html><html><head><title>Trade Map - Session expired</title></head>"
                     b"<body><h1>Trade Map</h1><p>Your session has expired. Please log in again.</p></body></html>")
    with pytest.raises(ParseError, match="an HTML page without a Trade Map table") as exc:
        parse_file("itc", page)
    assert exc.value.file == page.name
    with pytest.raises(ParseError, match="an HTML page without a Trade Map table"):  # and through the gate, nothing loaded
        ingest_file(warehouse, "itc", page)
    assert q(warehouse.build, "SELECT count(*) FROM raw.trade_flows WHERE source_id = 'itc_trademap'") == [(0,)]
