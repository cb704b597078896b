"""The project pipeline, its outlook and the claims, read from the serving file of the session's
cold daily run on the embedded data (issue 13's promises)."""

import pytest

from ingest.sources.curated.quoted import stands_on_quote


def one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def test_pipeline_spans_the_world(serving_con):
    projects, countries = one(serving_con, "SELECT count(*), count(DISTINCT country_iso3) FROM marts.project_pipeline")
    assert projects >= 20 and countries >= 8, (projects, countries)
    # every project's stage stands on a page's words
    assert one(serving_con, "SELECT count(*) FROM marts.project_pipeline WHERE stage_quote IS NULL OR stage_source_id IS NULL")[0] == 0


def test_every_figure_appears_in_its_own_quoted_words(serving_con):
    rows = serving_con.execute("""SELECT claim_id, value, unit, as_published, quote, source_id, publisher, source_date
                                  FROM marts.project_claims""").fetchall()
    assert len(rows) >= 40
    for claim_id, value, unit, as_published, quote, source_id, publisher, date in rows:
        assert as_published in quote, claim_id
        assert stands_on_quote(value, unit, as_published, quote), (claim_id, value, unit, as_published)
        assert publisher and date, (claim_id, source_id)
    deals = serving_con.execute("SELECT deal_id, amount, lower(currency), as_published, quote FROM marts.project_financing").fetchall()
    assert deals and all(stands_on_quote(a, c, p, q) for _, a, c, p, q in deals), deals


def test_a_page_that_disagrees_stays_beside_the_selected_claim(serving_con):
    rows = serving_con.execute("""SELECT scope_id, figure, count(*) FILTER (WHERE is_selected), count(*) FILTER (WHERE disagrees_with_selected)
                                  FROM marts.project_claims GROUP BY ALL HAVING count(*) FILTER (WHERE disagrees_with_selected) > 0""").fetchall()
    assert rows
    # Boguty's capex: US$300m as quoted in November 2025, US$350m in June 2024: both stay, the newer is used
    selected = one(serving_con, """SELECT value FROM marts.project_claims WHERE scope_id = 'boguty' AND figure = 'capex'
                                   AND phase_key = 'base' AND is_selected""")[0]
    assert selected == 300e6
    assert one(serving_con, """SELECT count(*) FROM marts.project_claims WHERE scope_id = 'boguty' AND figure = 'capex'
                               AND value = 350e6 AND disagrees_with_selected""")[0] == 1


GRAINS = {
    "project_pipeline": ["project_id"],
    "pipeline_units": ["unit_id"],
    "project_financing": ["deal_id"],
    "project_claims": ["claim_id"],
    "pipeline_capacity_by_year": ["year", "scenario", "sponsor_bloc"],
    "pipeline_capacity_by_country": ["country_iso3", "stage"],
    "mine_supply_projection_units": ["pipeline_case", "year", "unit_id"],
    "mine_supply_projection": ["pipeline_case", "china_case", "risk_basis", "year"],
    "outlook_assumptions": ["assumption_group", "name"],
}


# What a figure is quoted once for, where that is coarser than the mart's grain: a figure quoted
# for a unit must not repeat over its projects; a deal reported by several pages is one deal; one
# selected claim per scope, figure, phase and category. (key columns, row filter, figure columns)
FIGURE_KEYS = {
    "project_pipeline": (["unit_id"], "true", ["capacity_t_w_per_year", "capex_usd", "reserves_t_w", "resources_t_w"]),
    "project_financing": (["unit_id", "institution_company_id", "instrument", "currency"], "true", ["amount", "amount_usd"]),
    "project_claims": (["scope_id", "figure", "phase_key", "category"], "is_selected", ["value", "value_t_w"]),
}


@pytest.mark.parametrize("mart", sorted(GRAINS))
def test_every_pipeline_mart_has_one_row_per_grain(serving_con, mart):
    keys = ", ".join(f'"{k}"' for k in GRAINS[mart])
    assert one(serving_con, f"SELECT count(*) - count(DISTINCT ({keys})) FROM marts.{mart}")[0] == 0


@pytest.mark.parametrize("mart", sorted(FIGURE_KEYS))
def test_figure_columns_sum_to_their_deduplicated_total(serving_con, mart):
    """A plain SUM of each figure column equals its SUM with each figure counted once (its value
    taken once per the key it is quoted for)."""
    key, where, columns = FIGURE_KEYS[mart]
    keys = ", ".join(f'coalesce("{k}"::varchar, \'\')' for k in key)
    for col in columns:
        plain, dedup = one(serving_con, f"""SELECT (SELECT sum("{col}") FROM marts.{mart} WHERE {where}),
                                                   (SELECT sum(v) FROM (SELECT DISTINCT {keys}, "{col}" AS v
                                                                        FROM marts.{mart} WHERE {where}))""")
        assert plain == pytest.approx(dedup), (mart, col)
    assert one(serving_con, f"SELECT sum(\"{columns[0]}\") FROM marts.{mart} WHERE {where}")[0] > 0, mart


def test_the_sum_check_catches_a_figure_repeated_over_a_groups_projects(serving_con):
    """The check above fails on what the old project_pipeline did: the JV's capex on both deposits."""
    repeated = """(SELECT p.unit_id, u.capex_usd FROM marts.project_pipeline p JOIN marts.pipeline_units u USING (unit_id))"""
    plain, dedup = one(serving_con, f"""SELECT (SELECT sum(capex_usd) FROM {repeated}),
                                               (SELECT sum(v) FROM (SELECT DISTINCT unit_id, capex_usd AS v FROM {repeated}))""")
    assert plain > dedup


def test_figures_quoted_for_a_group_are_counted_once(serving_con):
    # the JV's 12,000 t/y of concentrate (6,185 t W at an assumed 65% WO3) once, plus Boguty's 7,500 t W
    kaz = one(serving_con, "SELECT sum(capacity_t_w_per_year) FROM marts.pipeline_units WHERE country_iso3 = 'KAZ'")[0]
    assert kaz == pytest.approx(13685, abs=1)
    jv_projects = serving_con.execute("""SELECT capacity_t_w_per_year, capex_usd, figures_quoted_for FROM marts.project_pipeline
                                         WHERE unit_id = 'kairakty_katpar_jv' AND project_id = 'upper_kairaktinskoye'""").fetchall()
    assert jv_projects == [(None, None, "group kairakty_katpar_jv (see marts.pipeline_units)")]
    assert one(serving_con, "SELECT capex_usd FROM marts.pipeline_units WHERE unit_id = 'kairakty_katpar_jv'")[0] == 1.1e9
    # the selected capacity claims, each counted once, are what the units sum to
    claims = one(serving_con, """SELECT sum(value_t_w) FROM marts.project_claims c
                                 WHERE is_selected AND figure = 'capacity' AND phase_key = 'base'
                                   AND (scope_type = 'project_group' OR NOT EXISTS (
                                        SELECT 1 FROM marts.project_claims g WHERE g.scope_id = (
                                            SELECT unit_id FROM marts.project_pipeline p WHERE p.project_id = c.scope_id)
                                          AND g.scope_type = 'project_group' AND g.figure = 'capacity'))""")[0]
    derived = one(serving_con, "SELECT sum(capacity_t_w_per_year) FROM marts.capacity_derivation WHERE used_in_pipeline_units")[0]
    assert one(serving_con, "SELECT sum(capacity_t_w_per_year) FROM marts.pipeline_units")[0] == pytest.approx(claims + derived)
    # a deal reported by three pages is one deal
    assert one(serving_con, "SELECT count(*) FROM marts.project_financing WHERE unit_id = 'kairakty_katpar_jv' AND amount = 9e8")[0] == 1
    assert one(serving_con, "SELECT sum(financing_usd) FROM marts.pipeline_units")[0] == pytest.approx(
        one(serving_con, "SELECT sum(amount_usd) FROM marts.project_financing")[0])


def test_outlook_shows_boguty_ramping_up_the_jv_in_both_cases_and_a_risked_line(serving_con):
    boguty = dict(serving_con.execute("""SELECT year, added_t_w FROM marts.mine_supply_projection_units
                                         WHERE unit_id = 'boguty' AND pipeline_case = 'sponsor' ORDER BY year""").fetchall())
    assert boguty[2025] == 0  # its 2025 output is in USGS's 2025 figure for Kazakhstan (2,400 t)
    assert 0 < boguty[2026] < boguty[2027] < boguty[2028] == boguty[2035]
    starts = dict(serving_con.execute("""SELECT pipeline_case, min(year) FILTER (WHERE added_t_w > 0)
                                         FROM marts.mine_supply_projection_units WHERE unit_id = 'kairakty_katpar_jv' GROUP BY 1""").fetchall())
    assert starts == {"sponsor": 2029, "conservative": 2035}
    risked, unrisked = one(serving_con, """SELECT max(pipeline_added_t_w) FILTER (WHERE risk_basis = 'risked'),
                                                  max(pipeline_added_t_w) FILTER (WHERE risk_basis = 'unrisked')
                                           FROM marts.mine_supply_projection WHERE pipeline_case = 'sponsor' AND china_case = 'flat' AND year = 2032""")
    assert 0 < risked < unrisked
    base = one(serving_con, """SELECT world_t_w, china_t_w, base_vintage FROM marts.mine_supply_projection
                               WHERE year = 2025 AND pipeline_case = 'sponsor' AND china_case = 'flat' AND risk_basis = 'unrisked'""")
    assert base == (85000, 67000, "MCS2026")
    china = dict(serving_con.execute("""SELECT china_case, china_t_w FROM marts.mine_supply_projection
                                        WHERE year = 2030 AND pipeline_case = 'sponsor' AND risk_basis = 'risked'""").fetchall())
    assert china["gentle_decline"] < china["flat"] < china["growth"]
    groups = {r[0] for r in serving_con.execute("SELECT DISTINCT assumption_group FROM marts.outlook_assumptions").fetchall()}
    assert {"base", "parameter", "stage_probability", "ramp_up", "china_case", "left_out"} <= groups


def claim(con, claim_id):
    return con.execute("SELECT status, explanation, edition_current_at_claim, latest_edition FROM marts.claims_reconciliation "
                       "WHERE claim_id = ?", [claim_id]).fetchone()


def test_claims_are_judged_against_the_edition_of_their_date_and_the_latest(serving_con):
    status, explanation, then, latest = claim(serving_con, "A2-WORLD-RESERVES")
    assert (status, then, latest) == ("outdated", "MCS2025", "MCS2026")
    assert "4600000" in explanation.replace(",", "") and "Agrees with MCS2023, MCS2024" in explanation
    status, explanation, _, latest = claim(serving_con, "A1-BOGUTY-START")
    assert (status, latest) == ("consistent", "MCS2026") and "2,400" in explanation
    status, explanation, _, latest = claim(serving_con, "PB-CHN-OUTPUT-2025")
    assert (status, latest) == ("unverifiable", "MCS2026") and "67000 t W in 2024 -> 67000 t W in 2025" in explanation
    assert claim(serving_con, "PB-CHN-SHARE-2024")[0] == "consistent"
    assert claim(serving_con, "A2-USGS-CRITICAL")[0] == "consistent"
    # the half-of-world-reserves share is computed from warehouse figures, never typed in, and
    # not judged: a national WO3 figure against a world W total that gives none for Kazakhstan
    status, explanation, then, _ = claim(serving_con, "A2-KAZ-HALF-WORLD")
    assert status == "not_comparable" and "34.5%" in explanation


def test_the_added_facts_and_the_vehicle_names_disagreement(serving_con):
    ids = {r[0] for r in serving_con.execute("SELECT claim_id FROM marts.claims_reconciliation").fetchall()}
    assert {"A2-SUMMIT-2025-11-06", "A2-NO-US-EQUITY", "A2-US-STATE-LOANS", "A2-US-DFC-EXIM", "A2-JIAXIN-CARBIDE",
            "A2-USGS-CRITICAL"} <= ids
    for cid, other in (("A1-US-VEHICLE-NAME", "Cove Kaz Group Capital LLC"), ("A2-US-VEHICLE-NAME", "Cove Kaz Capital Group")):
        status, says = one(serving_con, "SELECT status, other_claim_says FROM marts.claims_reconciliation WHERE claim_id = ?", [cid])
        assert status == "inconsistent" and other in says


def test_jv_owners_and_bloc_are_the_units(serving_con):
    owners, bloc, shares = one(serving_con, "SELECT owners, sponsor_bloc, sponsor_bloc_shares FROM marts.pipeline_units "
                                            "WHERE unit_id = 'kairakty_katpar_jv'")
    assert owners == "Cove Capital LLC 70%, Tau-Ken Samruk 30%"
    assert bloc == "us_allied" and shares.startswith("us_allied 70.0%")
    assert one(serving_con, "SELECT sponsor_bloc FROM marts.project_pipeline WHERE project_id = 'north_katpar'")[0] == "us_allied"


def test_no_project_stands_on_a_site_by_a_generic_word(serving_con):
    """A project is put on an ICMM site by its name or a distinctive word, never by a word like
    "mount" or "island" alone (Mount Mulgine was drawn at Mount Carbine, two states away)."""
    generic = {w for (w,) in serving_con.execute("SELECT word FROM ref.site_match_generic_words").fetchall()}
    assert {"mount", "mountain", "island"} <= generic
    matched = serving_con.execute("SELECT project_id, icmm_match_evidence FROM marts.project_pipeline "
                                  "WHERE icmm_match_confidence = 'medium'").fetchall()
    assert matched
    for project, evidence in matched:
        word = evidence.split('"')[1]
        assert word not in generic, (project, evidence)
    sites = dict(serving_con.execute("SELECT project_id, icmm_id FROM marts.project_pipeline "
                                     "WHERE project_id IN ('mt_mulgine', 'pilot_mountain')").fetchall())
    assert sites == {"mt_mulgine": None, "pilot_mountain": None}
