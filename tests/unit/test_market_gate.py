"""The curated market files (price_assessments, prices, china_quotas, policy_events): the parsers
refuse structure naming file, line and field; the audits the GX suites assert flag a figure that
does not stand on its quote, a date out of order, an unknown source. On the SYNTHETIC rows of
tests/market_fixture.py (the warehouse's refusal of a whole file: tests/integration/test_market.py)."""

from __future__ import annotations

import polars as pl
import pytest
from market_fixture import write_market_fixture

from ingest.errors import ParseError
from ingest.registry import parse_file
from ingest.sources.curated.quoted import (
    cell_stands_on_header,
    every_stated_number,
    range_stands_on_quote,
    stands_on_quote,
)
from warehouse.audits import AUDITS

AUDIT_OF = {"prices": "prices", "china_quotas": "quotas", "policy_events": "policy", "price_assessments": "none"}


@pytest.fixture
def curated(tmp_path):
    return write_market_fixture(tmp_path / "curated")


def edit(folder, name: str, old: str, new: str):
    p = folder / name
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


def audited(folder, table: str) -> pl.DataFrame:
    frame = parse_file(table, folder / f"{table}.csv").frames[table]
    return AUDITS[AUDIT_OF[table]](frame)


def failing(folder, table: str, audit: str, key: str) -> list[str]:
    out = audited(folder, table)
    return out.filter(~pl.col(audit).fill_null(False))[key].to_list()


def test_the_fixture_files_parse_and_pass_every_audit(curated):
    for table in AUDIT_OF:
        out = audited(curated, table)
        assert out.height > 0
        for col in [c for c in out.columns if c.startswith("audit_") and out[c].dtype == pl.Boolean]:
            assert out[col].all(), (table, col)
    prices = parse_file("prices", curated / "prices.csv").frames["prices"]
    feb = prices.filter(pl.col("observation_id") == "t-apt-2025-02").row(0, named=True)
    assert (feb["period_start_date"], feb["period_end_date"], feb["currency"]) == ("2025-02-01", "2025-02-28", "USD")
    assert prices.filter(pl.col("observation_id") == "t-conc-2025-02-14")["price_low"].item() == 143_000


def test_header_only_files_load_as_empty_tables(tmp_path):
    from ingest.sources.curated.market import SPECS

    for name, spec in SPECS.items():
        (tmp_path / f"{name}.csv").write_text(",".join(spec.columns) + "\n", encoding="utf-8")
    for name in SPECS:
        assert parse_file(name, tmp_path / f"{name}.csv").frames[name].height == 0


@pytest.mark.parametrize("name, old, new, match", [
    ("prices.csv", "t-apt-2025-02,test_apt_europe,", "t-apt-2025-02,test_apt_typo,",
     r"prices\.csv, line 3, field 'assessment_id': assessment_id 'test_apt_typo' is not defined in price_assessments\.csv"),
    ("prices.csv", "2025-02,2025-02,450", "2025-02-30,2025-02,450", r"line 3, field 'period_start'.*is not a date"),
    ("prices.csv", "2025-02,2025-02,450", "2025-13,2025-02,450", r"line 3, field 'period_start'.*is not a date"),
    ("prices.csv", ",450,470,average", ",450,n/a,average", r"line 3, field 'price_high'.*is not a number"),
    ("prices.csv", ",450,470,average", ",450,,average", r"line 3, field 'price_high': price_high is blank"),
    ("prices.csv", "observation_id,assessment_id", "observation,assessment_id", r"line 1.*missing columns \['observation_id'\]"),
    ("china_quotas.csv", "t-q-2024-1,2024,", "t-q-2024-1,2024.5,", r"line 3, field 'year'.*is not a year"),
    ("china_quotas.csv", ",note\n", ",note,extra\n", r"unknown columns"),
    ("policy_events.csv", ",25,,,8101,", ",25%,,,8101,", r"line 3, field 'rate_pct'.*is not a number"),
])
def test_structure_is_refused_naming_file_line_and_field(curated, name, old, new, match):
    path = edit(curated, name, old, new)
    with pytest.raises(ParseError, match=match):
        parse_file(name.removesuffix(".csv"), path)


def test_prices_need_their_assessments_beside_them(curated):
    (curated / "price_assessments.csv").unlink()
    with pytest.raises(ParseError, match=r"prices\.csv: price_assessments\.csv.*is not beside it"):
        parse_file("prices", curated / "prices.csv")


@pytest.mark.parametrize("old, new, audit", [
    ("$450-470/mtu,synthetic", "$450-480/mtu,synthetic", "audit_stands_on_quote"),      # not the quote's words
    (",450,470,average", ",450,475,average", "audit_stands_on_quote"),                      # not the words' number
    ("$450-470/mtu,synthetic", "450-470/mtu,synthetic", "audit_stands_on_quote"),          # no currency words
    (",average,2025-03-03,", ",average,2025-01-20,", "audit_published_after_period_start"),  # before the period
    (",450,470,", ",470,450,", "audit_range_ordered"),
    (",2025-02,2025-02,450", ",2025-02,2025-01,450", "audit_period_ordered"),
    ("TestReporter,project_blue,p1,\"TEST: APT averaged $450", "TestReporter,my_blog,p1,\"TEST: APT averaged $450",
     "audit_source_known"),
])
def test_a_price_that_breaks_a_rule_is_flagged(curated, old, new, audit):
    edit(curated, "prices.csv", old, new)
    assert failing(curated, "prices", audit, "observation_id") == ["t-apt-2025-02"]


def test_a_yuan_price_needs_yuan_words(curated):
    edit(curated, "prices.csv", '"TEST: concentrate at 143,000-144,000 yuan/t","143,000-144,000 yuan/t"',
         '"TEST: concentrate at US$143,000-144,000/t","US$143,000-144,000/t"')
    assert failing(curated, "prices", "audit_stands_on_quote", "observation_id") == ["t-conc-2025-02-14"]


def test_a_quota_and_an_event_that_break_a_rule_are_flagged(curated):
    edit(curated, "china_quotas.csv", 't-q-2024-2,2024,2,,"50,000"', 't-q-2024-2,2024,2,,"5,000"')
    assert failing(curated, "china_quotas", "audit_stands_on_quote", "quota_id") == ["t-q-2024-2"]
    edit(curated, "china_quotas.csv", "TEST ministry,2024-03,2024-03-20", "TEST ministry,2024-04,2024-03-20")
    assert failing(curated, "china_quotas", "audit_issued_not_after_publication", "quota_id") == ["t-q-2024-1"]
    edit(curated, "policy_events.csv", "USA,tariff,TEST tariff on HS 8101,TEST tariff,25,", "USA,tariff,TEST tariff on HS 8101,TEST tariff,20,")
    edit(curated, "policy_events.csv", "2023-10-01,2023-10-01,2024-09-30", "2023-10-01,2023-10-01,2023-09-30")
    edit(curated, "policy_events.csv", ",,2611;810194,", ",,2611;81019,")
    edit(curated, "policy_events.csv", ",8101,,CHN,", ",8101,,CHINA,")
    out = audited(curated, "policy_events")
    assert out.filter(~pl.col("audit_stands_on_quote"))["event_id"].to_list() == ["t-usa-tariff-8101"]
    assert out.filter(~pl.col("audit_ended_after_effective"))["event_id"].to_list() == ["t-usa-nds-sale"]
    assert out.filter(~pl.col("audit_hs_codes_well_formed"))["event_id"].to_list() == ["t-chn-ec-2025-02"]
    assert out.filter(~pl.col("audit_countries_known"))["event_id"].to_list() == ["t-usa-tariff-8101"]


def test_an_event_states_one_figure_and_every_figure_needs_its_words(curated):
    edit(curated, "policy_events.csv", 'TEST stockpile sale,TEST,,"1,000",t_w', 'TEST stockpile sale,TEST,5,"1,000",t_w')
    edit(curated, "policy_events.csv", '"TEST: export controls on tungsten items take effect",,synthetic',
         '"TEST: export controls on tungsten items take effect",20%,synthetic')
    assert sorted(failing(curated, "policy_events", "audit_stands_on_quote", "event_id")) == [
        "t-chn-ec-2025-02", "t-usa-nds-sale"]


@pytest.mark.parametrize("words, numbers", [
    ("$340-350/mtu", {340, 350}),
    ("US$ 1,500 - 1,600 per tonne", {1500, 1600}),
    ("12.1-12.4万/标吨", {12.1, 121_000, 124_000}),
    ("28.75万元/吨", {287_500}),
    ("Yn82,000-83,000/t", {82_000, 83_000}),
])
def test_every_stated_number_reads_ranges_and_chinese_scales(words, numbers):
    assert {round(n, 6) for n in every_stated_number(words)} == numbers


def test_range_and_table_cell_rules():
    quote = "2017年钨精矿价格年内最高为12.1-12.4万/标吨,涨幅65.5%"
    assert range_stands_on_quote(121_000, 124_000, "cny", "12.1-12.4万/标吨", quote)
    assert not range_stands_on_quote(121_000, 124_000, "usd", "12.1-12.4万/标吨", quote)
    assert not range_stands_on_quote(12_100, 124_000, "cny", "12.1-12.4万/标吨", quote)
    assert stands_on_quote(91_300, "t", "9.13萬噸", "下達2016年鎢礦開採總量控制指標9.13萬噸")
    row = "2013年 | 7.1 | 1.8 | 8.9 | |"
    assert cell_stands_on_header(89_000, "t", "8.9", row, "table X, row 2013年, column 开采总量(万吨)")
    assert cell_stands_on_header(15_700, "t", "15.7", "Tungsten 15.7 9.79", "column Export quota ('000 tons)")
    assert not cell_stands_on_header(8.9, "t", "8.9", row, "table X, row 2013年, column 开采总量(万吨)")
    assert not cell_stands_on_header(89_000, "t", "8.9", row, "table X, row 2013年")  # no header named
    assert not cell_stands_on_header(89_000, "usd", "8.9", row, "column 开采总量(万吨)")
