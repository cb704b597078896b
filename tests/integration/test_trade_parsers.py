"""Every real trade sample parses, with exact values; malformed copies are refused with file,
line and field."""

import polars as pl
import pytest
from integration_helpers import REAL
from trade_files import one, rows

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
