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
    assert c.height == 29 and c["claim_id"].n_unique() == 29
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
    assert frames["projects"].height == 3 and frames["companies"].height == 9
    capacity = frames["project_figures"].filter(pl.col("figure") == "capacity").sort("value").rows(named=True)
    assert round(capacity[0]["value_t_w"]) == 7500 and round(capacity[1]["value_t_w"]) == 6185
    assert capacity[1]["grade_pct_wo3"] == 65 and capacity[1]["grade_is_assumed"] is True


@pytest.mark.parametrize("old, new, match", [
    ("    stage: production\n", "    stage: production\n    colour: red\n", "unknown keys"),
    ("amount_usd: 900000000", "amount_usd: lots", "amount_usd"),
    ("companies:\n", "companies: nope\nother:\n", "unknown sections|must be a list"),
    ("  - project_id: boguty\n    name: Boguty\n", "  - project_id: boguty\n", "missing"),
])
def test_projects_structural_errors(tmp_path, old, new, match):
    p = tmp_path / "projects.yml"
    text = (CURATED_DIR / "projects.yml").read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    with pytest.raises(ParseError, match=match):
        parse_projects(p)
