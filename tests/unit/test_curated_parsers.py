"""Parsers of the curated files in the repository (claims.csv, projects.yml), on the files and
damaged copies (the ICMM workbook: tests/integration/test_curated_parsers.py)."""

import polars as pl
import pytest

from ingest.errors import ParseError
from ingest.locations import CURATED_DIR
from ingest.registry import parse_file


def parse_claims(path, **kw):
    return parse_file("claims", path, **kw)


def parse_projects(path, **kw):
    return parse_file("projects", path, **kw)


def test_claims_file_parses():
    c = parse_claims(CURATED_DIR / "claims.csv").frames["claims"]
    assert c.height == 37 and c["claim_id"].n_unique() == 37
    kaz = c.filter(pl.col("claim_id") == "A2-KAZ-RESERVES-WO3").row(0, named=True)
    assert round(kaz["value_t_w"]) == 1_585_942
    assert c.filter(pl.col("claim_id") == "A1-JV-RESERVES")["value_t_w"].item() is None


@pytest.mark.parametrize("old, new, match", [
    ("claim_id,subject_type", "id,subject_type", "missing columns"),
    (",81,,,pct,", ",eighty-one,,,pct,", "not a number"),
    (",exact,false,project_blue,", ",exact,maybe,project_blue,", "is_forecast"),
])
def test_claims_structural_errors(tmp_path, old, new, match):
    p = tmp_path / "claims.csv"
    p.write_text((CURATED_DIR / "claims.csv").read_text().replace(old, new, 1))
    with pytest.raises(ParseError, match=match):
        parse_claims(p)


def test_projects_file_parses():
    frames = parse_projects(CURATED_DIR / "projects.yml").frames
    assert frames["projects"].height >= 20 and frames["projects"]["country_iso3"].n_unique() >= 8
    capacity = frames["project_figures"].filter(pl.col("figure") == "capacity")
    boguty = capacity.filter(pl.col("project_id") == "boguty", pl.col("basis") == "W").row(0, named=True)
    assert boguty["value_t_w"] == 7500 and boguty["as_published"] == "7,500tpy"
    jv = capacity.filter(pl.col("group_id") == "kairakty_katpar_jv", pl.col("grade_is_assumed")).row(0, named=True)
    assert round(jv["value_t_w"]) == 6185 and jv["grade_pct_wo3"] == 65
    # mtu and ore tonnes at a grade convert to contained t W; financing in US$ gets amount_usd
    mtu = capacity.filter(pl.col("unit") == "mtu_per_year").row(0, named=True)
    assert mtu["value_t_w"] == pytest.approx(mtu["value"] * 0.00792971)
    usd = frames["project_financing"].filter(pl.col("currency") == "USD")
    assert usd["amount_usd"].to_list() == usd["amount"].to_list()
    assert frames["project_financing"].filter(pl.col("currency") != "USD")["amount_usd"].null_count() == \
        frames["project_financing"].filter(pl.col("currency") != "USD").height


@pytest.mark.parametrize("old, new, match", [
    ("  stage: producing\n", "  stage: producing\n  colour: red\n", "unknown keys"),
    ("  amount: 900000000\n", "  amount: 900000000\n  amount_usd: 900000000\n", "unknown keys"),   # derived, never given
    ("  amount: 900000000\n", "  amount: lots\n", "amount"),
    ("companies:\n", "companies: nope\nother:\n", "unknown sections|must be a list"),
    ("- project_id: boguty\n  name: Boguty\n", "- project_id: boguty\n", "missing"),
    ("  group_id: trinity_metals_rwanda\n  country_iso3: RWA\n", "  country_iso3: RWA\n", "has no project"),
])
def test_projects_structural_errors(tmp_path, old, new, match):
    p = tmp_path / "projects.yml"
    text = (CURATED_DIR / "projects.yml").read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    with pytest.raises(ParseError, match=match):
        parse_projects(p)


@pytest.mark.parametrize("as_published, value, unit, ok", [
    ("US$1.1Bn", 1.1e9, "usd", True),
    ("12,000tpy", 12000, "t_per_year", True),
    ("7.9Mt", 7.9e6, "t_ore", True),
    ("800 000 t", 800000, "t", True),
    ("1.500 Tonnen", 1500, "t_per_year", True),        # German thousands
    ("$93-million", 93e6, "usd", True),
    ("12,000 mt/year", 12000, "t_per_year", True),     # mt: metric tonnes, not a million
    ("2.3 million tonnes", 2300, "t_per_year", False),  # the words say 2.3 million, not 2,300
    ("US$900M", 900e6, "eur", False),                   # a dollar amount is no euro figure
    ("2,300 tonnes", 2300, "usd", False),
])
def test_a_figure_stands_on_its_quoted_words(as_published, value, unit, ok):
    from ingest.sources.curated.quoted import stands_on_quote

    assert stands_on_quote(value, unit, as_published, f"the page says {as_published} here") is ok
    assert not stands_on_quote(value, unit, as_published, "a quote without the words")
