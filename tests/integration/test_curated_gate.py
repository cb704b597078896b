"""Curated rows that break a rule are refused, naming the row and the rule; the last good
data stays served."""

import hashlib
import shutil

from helpers import edited

from ingest.locations import CURATED_DIR
from tungsten_cli.daily import run_daily
from warehouse.refresh import ingest_file


def digest(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()



def refused(warehouse, source, path, *expected):
    before = digest(warehouse.serving)
    summary = ingest_file(warehouse, source, path)
    assert not summary.ok
    message = summary.errors[0]
    for e in expected:
        assert e in message, message
    assert digest(warehouse.serving) == before
    return message


def test_claim_without_source(warehouse, tmp_path):
    p = edited(tmp_path, "claims.csv", "PB-CHN-SHARE-2024,country,CHN,mine_supply_share,2024,81,,,pct,not_applicable,exact,false,project_blue,",
               "PB-CHN-SHARE-2024,country,CHN,mine_supply_share,2024,81,,,pct,not_applicable,exact,false,,")
    refused(warehouse, "claims", p, "expect_column_values_to_not_be_null on source_id", "PB-CHN-SHARE-2024", "source_line")


def test_claim_with_unknown_source(warehouse, tmp_path):
    p = edited(tmp_path, "claims.csv", ",project_blue,2025-11,", ",my_blog,2025-11,")
    refused(warehouse, "claims", p, "audit_source_known")


def test_claim_basis_outside_the_allowed_set(warehouse, tmp_path):
    p = edited(tmp_path, "claims.csv", "2000000,,,t,WO3,", "2000000,,,t,W2O5,")
    refused(warehouse, "claims", p, "on basis", "A2-KAZ-RESERVES-WO3")


def test_claim_dated_after_its_source(warehouse, tmp_path):
    p = edited(tmp_path, "claims.csv", "false,project_blue,2025-11,", "false,project_blue,2026-03,")
    refused(warehouse, "claims", p, "audit_not_dated_after_source", "PB-CHN-SHARE-2024")


def test_observed_claim_about_a_later_year(warehouse, tmp_path):
    p = edited(tmp_path, "claims.csv", "A1-BOGUTY-START,project,boguty,first_production_year,2025,2025",
               "A1-BOGUTY-START,project,boguty,first_production_year,2027,2027")
    refused(warehouse, "claims", p, "audit_observed_not_after_publication", "A1-BOGUTY-START")


def test_stakes_over_100_percent(warehouse, tmp_path):
    p = edited(tmp_path, "projects.yml", "company_id: tau_ken_samruk\n  stake_pct: 30", "company_id: tau_ken_samruk\n  stake_pct: 40")
    msg = refused(warehouse, "projects", p, "audit_stake_total_pct")
    assert "projects.yml" in msg and "project_stakes" in msg


def test_unsourced_project_figure(warehouse, tmp_path):
    p = edited(tmp_path, "projects.yml", "contain 410kt of tungsten reserves.\n  source_id: press_2025_11_us_kz_tungsten_jv",
               "contain 410kt of tungsten reserves.\n  source_id: press_never_published")
    refused(warehouse, "projects", p, "project_figures", "audit_source_known")


def test_refused_curated_file_keeps_last_good_data(warehouse, tmp_path, monkeypatch):
    """A broken curated file in the repo: the daily run refuses it and serves the last good marts."""
    cur = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, cur)
    (cur / "projects.yml").write_text((CURATED_DIR / "projects.yml").read_text().replace("stake_pct: 30", "stake_pct: 31"))
    monkeypatch.setenv("TUNGSTEN_CURATED_DIR", str(cur))
    from warehouse.paths import current

    before = digest(warehouse.serving)
    summary = run_daily(current())
    assert not summary.ok and "audit_stake_total_pct" in summary.errors[0]
    assert digest(warehouse.serving) == before
