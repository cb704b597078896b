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
