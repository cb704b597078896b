"""Issue 24's defects 1-6 read from the serving file of the session's cold daily run: the
figures an analyst checks first (one facility counted once, one capacity on one basis, no
unstated basis in a t W column, the outlook's base, claims judged with their precision)."""

import pytest


def one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def test_sangdongs_kfw_facility_is_counted_once(serving_con):
    """Three pages (US$75m, US$75.1m, US$53.9m drawn) report one facility: US$75.1m."""
    assert one(serving_con, "SELECT financing_usd FROM marts.pipeline_units WHERE unit_id = 'sangdong'")[0] == 75.1e6
    deal = one(serving_con, """SELECT count(*), any_value(n_events), any_value(latest_drawn_amount)
                               FROM marts.project_financing WHERE unit_id = 'sangdong'""")
    assert deal == (1, 3, 53.9e6)
    events = dict(serving_con.execute("""SELECT event, event_amount FROM marts.project_financing_events
                                         WHERE deal_id = 'sangdong_kfw_ipex_project_loan_2020'""").fetchall())
    assert events == {"facility": 75.1e6, "restatement": 75e6, "drawdown": 53.9e6}


def test_no_two_deals_share_an_identity(serving_con):
    dupes = serving_con.execute("""SELECT institution_company_id, unit_id, instrument, left(date, 4), count(*)
                                   FROM marts.project_financing GROUP BY ALL HAVING count(*) > 1""").fetchall()
    assert dupes == []
    # every report is an event of a deal, and the deals' total is what the units sum to
    assert one(serving_con, """SELECT count(*) FROM marts.project_financing_events e
                               WHERE NOT EXISTS (SELECT 1 FROM marts.project_financing d WHERE d.deal_id = e.deal_id)""")[0] == 0
    assert one(serving_con, "SELECT sum(financing_usd) FROM marts.pipeline_units")[0] == pytest.approx(
        one(serving_con, "SELECT sum(amount_usd) FROM marts.project_financing")[0])


def test_a_projects_figure_contradicting_its_groups_is_a_disagreement_never_selected(serving_con):
    """North Katpar's headline "12,000 mt/year of tungsten" is the JV's 12,000 t of concentrate
    for both deposits read on another basis: shown, never selected; Kazakhstan sums the same in
    both pipeline marts (the JV's 6,185 t W once, Boguty's 7,500)."""
    row = one(serving_con, """SELECT is_selected, contradicts_group, disagrees_with_selected, selection_reason
                              FROM marts.project_claims WHERE scope_id = 'north_katpar' AND figure = 'capacity'
                                AND value = 12000""")
    assert row[:3] == (False, True, True) and "contradicts its group's figure" in row[3]
    pipeline = one(serving_con, "SELECT sum(capacity_t_w_per_year) FROM marts.project_pipeline WHERE country_iso3 = 'KAZ'")[0]
    units = one(serving_con, "SELECT sum(capacity_t_w_per_year) FROM marts.pipeline_units WHERE country_iso3 = 'KAZ'")[0]
    assert units == pytest.approx(13685, abs=1)
    # project_pipeline shows project-level figures only: never more than the units for any country
    over = serving_con.execute("""SELECT p.country_iso3, sum(p.capacity_t_w_per_year), max(u.cap)
                                  FROM marts.project_pipeline p JOIN (SELECT country_iso3, sum(capacity_t_w_per_year) cap
                                       FROM marts.pipeline_units GROUP BY 1) u USING (country_iso3)
                                  GROUP BY 1 HAVING sum(p.capacity_t_w_per_year) > max(u.cap) + 1""").fetchall()
    assert over == [] and pipeline <= units


def test_every_claim_says_why_it_was_selected_or_not_by_the_rule_held_as_data(serving_con):
    assert one(serving_con, "SELECT count(*) FROM marts.project_claims WHERE selection_reason IS NULL")[0] == 0
    steps = [r[0] for r in serving_con.execute("SELECT DISTINCT criterion FROM ref.figure_selection_rule ORDER BY 1").fetchall()]
    assert steps == ["basis", "file_order", "page_date", "page_tier"]
    # a stated basis before a headline's, then a primary page before a secondary one
    hemerdon = one(serving_con, """SELECT source_tier, selection_reason FROM marts.project_claims
                                   WHERE scope_id = 'hemerdon' AND figure = 'capacity' AND is_selected""")
    assert hemerdon[0] == "primary" and "primary" in hemerdon[1]
    # one selected claim per scope, figure, phase and category; each figure shows its page's tier
    assert one(serving_con, """SELECT count(*) FROM (SELECT scope_id, figure, phase_key, category FROM marts.project_claims
                               WHERE is_selected GROUP BY ALL HAVING count(*) > 1)""")[0] == 0
    assert one(serving_con, "SELECT count(*) FROM marts.project_claims WHERE source_tier IS NULL")[0] == 0


def test_no_t_w_column_holds_a_figure_of_unstated_basis(serving_con):
    """The JV's "410kt of tungsten reserves" stays as quoted with why; every t W figure of the
    pipeline marts is a selected claim whose basis its page states."""
    reserves, why = one(serving_con, """SELECT reserves_t_w, reserves_t_w_missing_reason FROM marts.pipeline_units
                                        WHERE unit_id = 'kairakty_katpar_jv'""")
    assert reserves is None and "does not state its basis" in why
    stated = {r[0] for r in serving_con.execute(
        "SELECT round(value_t_w, 3) FROM marts.project_claims WHERE is_selected AND basis_class = 'converted_t_w'").fetchall()}
    for mart, cols in (("pipeline_units", ["reserves_t_w", "resources_t_w"]),
                       ("project_pipeline", ["capacity_t_w_per_year", "reserves_t_w", "resources_t_w"])):
        for col in cols:
            values = {r[0] for r in serving_con.execute(f"SELECT round({col}, 3) FROM marts.{mart} WHERE {col} IS NOT NULL").fetchall()}
            assert values <= stated, (mart, col, values - stated)
    assert one(serving_con, """SELECT count(*) FROM marts.project_claims
                               WHERE basis = 'unknown' AND value_t_w IS NOT NULL""")[0] == 0


def status(con, claim_id):
    return one(con, "SELECT status, explanation FROM marts.claims_reconciliation WHERE claim_id = ?", [claim_id])


def test_claims_are_judged_with_the_precision_and_basis_they_have(serving_con):
    # a plant commissioned in 2024 is not contradicted by USGS's zero for 2024: it produced in 2025
    assert status(serving_con, "A2-JIAXIN-PLANT-2024")[0] == "consistent"
    # "decline slightly" against 67,000 t in both years, each rounded to 1,000 t: cannot be told
    s, why = status(serving_con, "PB-CHN-OUTPUT-2025")
    assert s == "unverifiable" and "rounded" in why and "declines slightly" in why
    # a national WO3 figure against a world total in W that gives no figure for Kazakhstan
    s, why = status(serving_con, "A2-KAZ-HALF-WORLD")
    assert s == "not_comparable" and "WO3" in why and "KAZ" in why


def test_bogutys_bloc_is_its_operators_ultimate_parents(serving_con):
    bloc, basis, shares = one(serving_con, """SELECT sponsor_bloc, sponsor_bloc_basis, sponsor_bloc_shares
                                              FROM marts.pipeline_units WHERE unit_id = 'boguty'""")
    assert (bloc, basis) == ("china", "operator_ultimate_parent") and "Jiaxin" in shares
    # stated stakes still decide where they are stated
    assert one(serving_con, "SELECT sponsor_bloc_basis FROM marts.pipeline_units WHERE unit_id = 'kairakty_katpar_jv'")[0] == "stakes"


def test_a_stage_older_than_18_months_against_the_projects_newest_page_is_stale(serving_con):
    rows = serving_con.execute("""SELECT project_id, stage_as_of, newest_page_date, stage_is_stale FROM marts.project_pipeline""").fetchall()
    assert all(s is not None for *_, s in rows)
    stale = {r[0] for r in rows if r[3]}
    assert "sisson" in stale  # stage page 2017, a page of 2025 held
    assert "boguty" not in stale


def test_a_producing_units_base_deduction_is_its_countrys_figure_in_the_warehouse(serving_con):
    """Boguty's deduction is USGS's 2,400 t for Kazakhstan in 2025, never the model's own output."""
    usgs = one(serving_con, """SELECT production_t_w FROM marts.supply_share
                               WHERE source_id = 'usgs_mcs' AND country_iso3 = 'KAZ' AND year = 2025""")[0]
    assert usgs == 2400
    deductions = serving_con.execute("""SELECT DISTINCT base_deduction_t_w, base_deduction_from FROM marts.mine_supply_projection_units
                                        WHERE unit_id = 'boguty'""").fetchall()
    assert [d for d, _ in deductions] == [usgs] and "MCS2026 KAZ 2025" in deductions[0][1]
    # every deduction is a country's figure shared among its producing units: per country and case it sums to that figure
    over = serving_con.execute("""SELECT u.pipeline_case, u.country_iso3, sum(u.base_deduction_t_w), max(s.production_t_w)
                                  FROM (SELECT DISTINCT pipeline_case, unit_id, country_iso3, base_deduction_t_w
                                        FROM marts.mine_supply_projection_units WHERE base_deduction_t_w > 0) u
                                  JOIN marts.supply_share s ON s.source_id = 'usgs_mcs' AND s.year = 2025 AND s.country_iso3 = u.country_iso3
                                  GROUP BY 1, 2 HAVING abs(sum(u.base_deduction_t_w) - max(s.production_t_w)) > 0.01""").fetchall()
    assert over == []


def test_chinas_cases_span_the_production_sources_disagreement(serving_con):
    usgs, wmd = one(serving_con, """SELECT max(china_production_t_w) FILTER (WHERE source_id = 'usgs_mcs'),
                                           max(china_production_t_w) FILTER (WHERE source_id = 'wmd')
                                    FROM marts.supply_concentration WHERE year = 2024""")
    assert (usgs, wmd) == (67000, 58760)
    low, high = one(serving_con, """SELECT min(china_t_w), max(china_t_w) FROM marts.mine_supply_projection
                                    WHERE year = base_year AND pipeline_case = 'sponsor' AND risk_basis = 'risked'""")
    assert low <= 67000 * wmd / usgs + 0.5 and high >= 67000


def test_at_least_12_units_outside_china_drive_the_outlook_and_the_sensitivity_says_which(serving_con):
    units = one(serving_con, """SELECT count(DISTINCT unit_id) FROM marts.mine_supply_projection_units
                                WHERE coalesce(country_iso3, '') <> 'CHN' AND pipeline_case = 'sponsor' AND added_t_w > 0""")[0]
    assert units >= 12
    # the base year is observed: nothing is added to it
    assert one(serving_con, """SELECT max(pipeline_added_t_w) FROM marts.mine_supply_projection WHERE year = base_year""")[0] == 0
    rows = serving_con.execute("""SELECT pipeline_case, sum(share_of_risked_addition_pct), sum(added_risked_t_w),
                                         sum(added_risked_t_w) FILTER (WHERE rests_on_secondary_or_tertiary)
                                  FROM marts.outlook_sensitivity GROUP BY 1""").fetchall()
    assert {r[0] for r in rows} == {"sponsor", "conservative"}
    for case, share, added, on_lower_tiers in rows:
        assert share == pytest.approx(100) and 0 < on_lower_tiers < added, case
        projected = one(serving_con, """SELECT pipeline_added_t_w FROM marts.mine_supply_projection
                                        WHERE pipeline_case = ? AND risk_basis = 'risked' AND china_case = 'flat'
                                          AND year = (SELECT max(year) FROM marts.mine_supply_projection)""", [case])[0]
        assert added == pytest.approx(projected)
    # no single press line carries most of the risked addition any more
    assert one(serving_con, "SELECT max(share_of_risked_addition_pct) FROM marts.outlook_sensitivity")[0] < 50


def test_a_deeper_pipeline_with_capacities_quoted_or_derived_from_quoted_inputs(serving_con):
    projects, countries = one(serving_con, "SELECT count(*), count(DISTINCT country_iso3) FROM marts.project_pipeline")
    assert projects >= 35 and countries >= 16
    with_t_w = serving_con.execute("""SELECT unit_id, capacity_is_derived FROM marts.pipeline_units
                                      WHERE capacity_t_w_per_year IS NOT NULL AND coalesce(country_iso3, '') <> 'CHN'""").fetchall()
    assert len(with_t_w) >= 15
    derived = {u for u, d in with_t_w if d}
    rows = {r[0]: r[1:] for r in serving_con.execute(
        """SELECT unit_id, ore_claim_id, head_grade_from, recovery_from, head_grade_is_assumed OR recovery_is_assumed
           FROM marts.capacity_derivation WHERE used_in_pipeline_units""").fetchall()}
    assert derived and derived == set(rows)
    for unit in derived:
        ore_claim, grade_from, recovery_from, assumed = rows[unit]
        assert one(serving_con, "SELECT count(*) FROM marts.project_claims WHERE claim_id = ? AND is_selected", [ore_claim])[0] == 1
        assert grade_from and recovery_from
        assert assumed == ("assumed" in grade_from or "assumed" in recovery_from)
        assert one(serving_con, "SELECT capacity_inputs_assumed FROM marts.pipeline_units WHERE unit_id = ?", [unit])[0] == assumed
