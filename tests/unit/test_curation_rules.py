"""The curation rules of issue 24 as the gate checks them, over the whole curated data and on
one broken row each: a deal is one facility, a basis the page does not state never reaches
t W, every cited page has a tier its source type gives (tests/integration/test_analyst_checks.py
reads the marts built on them)."""

import csv
from collections import Counter

import polars as pl
import pytest
from helpers import edited

from ingest.errors import ParseError
from ingest.locations import CURATED_DIR
from ingest.registry import parse_file
from ingest.sources import SOURCES_DIR, check_tier, cited_sources
from ingest.sources.curated.quoted import basis_is_stated
from warehouse.audits import financing_audit, quoted_audit

CITED = SOURCES_DIR / "curated" / "cited_sources.csv"


def projects(path=CURATED_DIR / "projects.yml"):
    return parse_file("projects", path).frames


def claims():
    return parse_file("claims", CURATED_DIR / "claims.csv").frames["claims"]


def test_no_two_deals_share_an_identity_in_the_curated_data():
    """Lender, borrower, instrument and facility year identify a facility: each is entered once,
    later reports are its events (Sangdong's KfW loan: one facility, a restatement, a drawdown)."""
    fin = projects()["project_financing"]
    facilities = fin.filter(pl.col("event") == "facility").with_columns(
        scope=pl.coalesce("group_id", "project_id"), year=pl.col("date").str.slice(0, 4))
    identity = Counter(facilities.select("institution_company_id", "scope", "instrument", "year").rows())
    assert [k for k, n in identity.items() if n > 1] == []
    assert facilities["deal"].n_unique() == facilities.height == fin["deal"].n_unique()
    sangdong = fin.filter(pl.col("deal").str.starts_with("sangdong_kfw"))
    assert sorted(sangdong["event"].to_list()) == ["drawdown", "facility", "restatement"]
    audited = financing_audit(fin)
    for col in ("audit_deal_has_one_facility", "audit_deal_identity_unique", "audit_event_is_of_its_deal"):
        assert audited[col].all(), col


def test_the_same_loan_entered_as_a_second_deal_is_refused_by_the_audit(tmp_path):
    p = edited(tmp_path, "projects.yml", "- deal: sangdong_kfw_ipex_project_loan_2020\n  event: restatement",
               "- deal: sangdong_kfw_second_entry\n  event: facility")
    audited = financing_audit(projects(p)["project_financing"])
    bad = audited.filter(~pl.col("audit_deal_identity_unique"))["deal"].to_list()
    assert sorted(bad) == ["sangdong_kfw_ipex_project_loan_2020", "sangdong_kfw_second_entry"]


def test_a_drawdown_of_another_lender_is_refused_by_the_audit(tmp_path):
    p = edited(tmp_path, "projects.yml", "- deal: sangdong_kfw_ipex_project_loan_2020\n  event: drawdown\n  project_id: sangdong",
               "- deal: sangdong_kfw_ipex_project_loan_2020\n  event: drawdown\n  project_id: nui_phao")
    audited = financing_audit(projects(p)["project_financing"])
    assert audited.filter(~pl.col("audit_event_is_of_its_deal")).height == 1


def test_a_financing_row_without_its_deal_is_refused(tmp_path):
    p = edited(tmp_path, "projects.yml", "- deal: ima_exim_loi_2025\n  event: facility\n  project_id: ima",
               "- project_id: ima")
    with pytest.raises(ParseError, match=r"financing\[7\].*missing.*'deal'"):
        projects(p)


def test_no_figure_of_unstated_basis_is_converted_to_t_w_in_the_curated_data():
    """Every tonnage with a t W value states its basis in its page's words: "410kt of tungsten
    reserves" and "12,000 mt/year of tungsten" do not, so they stay unconverted."""
    fig = projects()["project_figures"]
    converted = fig.filter(pl.col("value_t_w").is_not_null())
    assert converted.height >= 5
    for row in converted.iter_rows(named=True):
        assert basis_is_stated(row["basis"], row["quote"], row["basis_quote"]), (row["source_item"], row["quote"])
    audited = quoted_audit(fig)
    assert audited["audit_basis_stated"].all(), audited.filter(~pl.col("audit_basis_stated"))["source_item"].to_list()
    c = claims()
    for row in c.filter(pl.col("value_t_w").is_not_null()).iter_rows(named=True):
        assert basis_is_stated(row["basis"], row["quote"]), row["claim_id"]
    jv = fig.filter((pl.col("group_id") == "kairakty_katpar_jv") & (pl.col("figure") == "reserves"))
    assert jv.height == 2 and jv["basis"].to_list() == ["unknown", "unknown"] and jv["value_t_w"].is_null().all()


def test_a_headline_entered_on_a_basis_it_does_not_state_is_refused_by_the_audit(tmp_path):
    p = edited(tmp_path, "projects.yml", "  unit: t\n  basis: unknown\n  category: not_stated\n  code: not_stated\n  as_published: 410kt",
               "  unit: t\n  basis: W\n  category: not_stated\n  code: not_stated\n  as_published: 410kt")
    fig = projects(p)["project_figures"]
    audited = quoted_audit(fig)
    bad = audited.filter(~pl.col("audit_basis_stated"))
    assert bad.height == 1 and bad["value_t_w"][0] == 410000


@pytest.mark.parametrize(("basis", "words", "stated"), [
    ("W", "expected to produce around 7,500tpy W at full capacity", True),
    ("W", "Together, the deposits are estimated to contain 410kt of tungsten reserves.", False),
    ("W", "Severnyi Katpar to produce 12,000 mt/year of tungsten", False),
    ("WO3", "Average annual production of 2,900 tonnes of WO3 in concentrate", True),
    ("concentrate", "planned output of 12,000tpy concentrate", True),
    ("unknown", "410kt of tungsten", False),
])
def test_basis_words(basis, words, stated):
    assert basis_is_stated(basis, words) is stated


def test_every_cited_page_has_the_tier_its_source_type_gives():
    rows = cited_sources()
    assert len(rows) >= 80
    rule = {r["source_type"]: r["tier"] for r in csv.DictReader(CITED.with_name("source_tiers.csv").open())}
    for r in rows:
        assert r["tier"] in ("primary", "secondary", "tertiary") and r["tier"] == rule[r["source_type"]], r["source_id"]
    assert {r["tier"] for r in rows} == {"primary", "secondary", "tertiary"}


@pytest.mark.parametrize(("row", "message"), [
    ({"source_id": "x", "source_type": "press", "tier": ""}, "has no tier"),
    ({"source_id": "x", "source_type": "press", "tier": "top"}, "is not one of"),
    ({"source_id": "x", "source_type": "press", "tier": "primary"}, "a press page is secondary"),
    ({"source_id": "x", "source_type": "rumour", "tier": "tertiary"}, "has no tier rule"),
])
def test_a_cited_page_without_its_tier_is_refused_naming_the_row(row, message):
    rule = {"press": "secondary", "company": "primary"}
    with pytest.raises(ParseError, match=message) as err:
        check_tier(row, rule, "cited_sources.csv", 7)
    assert "cited_sources.csv" in str(err.value) and "7" in str(err.value)
