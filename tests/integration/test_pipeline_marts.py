"""Issue 4's promises about the seed projects and the claims, read from the serving file."""

import pytest


def one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def test_jv_ownership_and_bloc(serving_con):
    for pid in ("upper_kairaktinskoye", "north_katpar"):
        owners, bloc, shares = one(serving_con, "SELECT owners, sponsor_bloc, sponsor_bloc_shares FROM marts.project_pipeline WHERE project_id = ?", [pid])
        assert owners == "Cove Capital LLC 70%, Tau-Ken Samruk 30%"
        assert bloc == "us_allied" and shares == "us_allied 70.0%, kazakhstan_state 30.0%"
    assert one(serving_con, "SELECT sponsor_bloc FROM marts.project_pipeline WHERE project_id = 'boguty'")[0] == "china"


def test_capacity_converted_at_the_stored_grade(serving_con):
    cap, grade, assumed, quoted, scope = one(serving_con, """
        SELECT capacity_t_w_per_year, capacity_grade_pct_wo3, capacity_grade_is_assumed, capacity_as_quoted, figures_scope
        FROM marts.project_pipeline WHERE project_id = 'upper_kairaktinskoye'""")
    assert round(cap) == 6185 and grade == 65 and assumed and quoted == "12000 t_per_year concentrate"
    assert scope == "joint: kairakty_katpar_jv"


def test_exim_money_is_a_letter_of_interest(serving_con):
    usd, status, detail = one(serving_con, "SELECT financing_usd, financing_status, financing_detail FROM marts.project_pipeline WHERE project_id = 'north_katpar'")
    assert usd == 900_000_000 and status == "interest_expressed"
    assert "letter_of_interest" in detail and "committed" not in status


def test_reserves_of_unknown_basis_are_never_converted(serving_con):
    quoted, basis, t_w = one(serving_con, "SELECT reserves_as_quoted, reserves_basis, reserves_t_w FROM marts.project_pipeline WHERE project_id = 'upper_kairaktinskoye'")
    assert (quoted, basis, t_w) == ("410000 t", "unknown", None)
    claim = one(serving_con, "SELECT claimed_value_normalized, status FROM marts.claims_reconciliation WHERE claim_id = 'A1-JV-RESERVES'")
    assert claim == (None, "unverifiable")


def test_first_production_by_scenario(serving_con):
    rows = serving_con.execute("""SELECT project_id, construction_start_year_sponsor, first_production_year_sponsor, first_production_year_conservative
        FROM marts.project_pipeline ORDER BY project_id""").fetchall()
    assert rows == [("boguty", None, 2025, 2025), ("north_katpar", 2027, 2029, 2035), ("upper_kairaktinskoye", 2027, 2029, 2035)]


def test_capacity_by_year_counts_the_jv_once(serving_con):
    rows = serving_con.execute("""SELECT scenario, year, sponsor_bloc, round(new_capacity_t_w) FROM marts.pipeline_capacity_by_year
        WHERE new_capacity_t_w > 0 ORDER BY scenario, year""").fetchall()
    assert rows == [("conservative", 2025, "china", 7500), ("conservative", 2035, "us_allied", 6185),
                    ("sponsor", 2025, "china", 7500), ("sponsor", 2029, "us_allied", 6185)]
    assert round(one(serving_con, "SELECT cumulative_capacity_t_w FROM marts.pipeline_capacity_by_year WHERE scenario='sponsor' AND year=2040 AND sponsor_bloc='us_allied'")[0]) == 6185


def test_supply_outlook(serving_con):
    base = one(serving_con, "SELECT world_production_t_w, china_share_pct, base_year FROM marts.supply_outlook WHERE scenario='sponsor' AND year=2025")
    assert base[0] == 85_000 and base[1] == pytest.approx(100 * 67_000 / 85_000) and base[2] == 2025
    sponsor_2029 = one(serving_con, "SELECT china_share_pct FROM marts.supply_outlook WHERE scenario='sponsor' AND year=2029")[0]
    conservative_2029 = one(serving_con, "SELECT china_share_pct FROM marts.supply_outlook WHERE scenario='conservative' AND year=2029")[0]
    assert sponsor_2029 == pytest.approx(100 * 67_000 / (85_000 + 12_000 * 0.65 * 0.792971), abs=1e-3)
    assert conservative_2029 == pytest.approx(base[1])  # the JV only counts from 2035 in the conservative case


def test_icmm_match(serving_con):
    assert one(serving_con, "SELECT count(*) FROM raw.sites WHERE source_id = 'icmm_gmd'")[0] == 170
    upper = one(serving_con, "SELECT icmm_id, icmm_match_confidence, latitude FROM marts.project_pipeline WHERE project_id = 'upper_kairaktinskoye'")
    assert upper == ("ICMM06897", "medium", 48.4479)
    assert one(serving_con, "SELECT icmm_id FROM marts.project_pipeline WHERE project_id = 'boguty'")[0] is None


@pytest.mark.parametrize("claim_id, status", [
    ("PB-CHN-SHARE-2024", "consistent"),
    ("A2-KAZ-RESERVES-WO3", "basis_mismatch"),
    ("A2-KAZ-HALF-WORLD", "basis_mismatch"),
    ("A1-BOGUTY-START", "inconsistent"),
    ("A2-JIAXIN-PLANT-2024", "inconsistent"),
    ("A1-JV-LOCATION", "inconsistent"),
    ("A2-JV-LOCATION", "inconsistent"),
    ("A1-JV-PRODUCTION", "inconsistent"),
    ("A2-WORLD-RESERVES", "consistent"),
])
def test_reconciliation_statuses(serving_con, claim_id, status):
    assert one(serving_con, "SELECT status FROM marts.claims_reconciliation WHERE claim_id = ?", [claim_id])[0] == status


def test_reconciliation_figures(serving_con):
    pb = one(serving_con, "SELECT claimed_value, warehouse_value, explanation FROM marts.claims_reconciliation WHERE claim_id = 'PB-CHN-SHARE-2024'")
    assert pb[0] == 81 and pb[1] == pytest.approx(100 * 67_000 / 82_000) and "MCS2026" in pb[2]
    kaz = one(serving_con, "SELECT claimed_value_normalized, explanation FROM marts.claims_reconciliation WHERE claim_id = 'A2-KAZ-RESERVES-WO3'")
    assert round(kaz[0]) == 1_585_942 and "1585942 t W" in kaz[1]
    half = one(serving_con, "SELECT warehouse_value, explanation FROM marts.claims_reconciliation WHERE claim_id = 'A2-KAZ-HALF-WORLD'")
    assert half[0] == pytest.approx(100 * 1_585_942 / 4_700_000, abs=0.01) and "1.586 Mt W" in half[1]


def test_sources_registry(serving_con):
    rows = dict(serving_con.execute("SELECT source_id, is_public FROM meta.sources").fetchall())
    assert rows["project_blue"] is False and rows["icmm_gmd"] is True
    assert {"press_2025_11_us_kz_tungsten_jv", "press_2025_kz_tungsten_strategy", "usgs_mcs", "bgs_wms", "cove_capital", "us_exim"} <= set(rows)
    types = dict(serving_con.execute("SELECT source_id, source_type FROM meta.sources").fetchall())
    assert {types["cove_capital"], types["us_exim"], types["icmm_gmd"], types["project_blue"]} == {"company", "government", "dataset", "analyst"}
