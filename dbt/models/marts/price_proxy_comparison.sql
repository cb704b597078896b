-- Tungsten concentrate, year by year: CEPII BACI's world unit value of HS 2611 (US$ per tonne
-- of concentrate, plain median over flows of at least 1 t, from price_proxy_world) beside the
-- USGS annual concentrate price (US$ per mtu WO3, the latest edition reporting the year, from
-- price_usgs_concentrate). To put them on one unit the BACI figure is divided by the mtu WO3
-- a tonne of concentrate holds at an ASSUMED grade (65 % WO3, the standard trading grade; a
-- tonne at g % WO3 holds g mtu): BACI does not know the grade of what was shipped, so lower
-- grade ores make its figure lower than a 65 % price. The assumption is on every row.
-- One row per year in either source.
{% set grade_pct = var('price_proxy_assumed_grade_pct_wo3', 65) %}
with baci as (
    select * from {{ ref('price_proxy_world') }}
    where source_id = 'cepii_baci' and hs_code = '261100'
),
usgs as (
    select * from {{ ref('price_usgs_concentrate') }} where is_latest_edition
),
years as (
    select year from baci union select year from usgs
)
select
    y.year,
    b.hs_code as baci_hs_code,
    b.vintages as baci_vintages,
    b.n_flows_used as baci_n_flows_used,
    b.quantity_t_used as baci_quantity_t_used,
    b.value_usd_used as baci_value_usd_used,
    b.median_unit_value_usd_per_t as baci_median_usd_per_t_concentrate,
    b.p25_unit_value_usd_per_t as baci_p25_usd_per_t_concentrate,
    b.p75_unit_value_usd_per_t as baci_p75_usd_per_t_concentrate,
    b.weighted_mean_unit_value_usd_per_t as baci_weighted_mean_usd_per_t_concentrate,
    cast({{ grade_pct }} as double) as assumed_grade_pct_wo3,
    true as grade_is_assumed,
    'Assumed: the standard trading grade of tungsten concentrate, 65% WO3 (domain reference TUNGSTEN.md, section 1); BACI does not state the grade shipped'
        as grade_note,
    b.median_unit_value_usd_per_t / (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0)
        as baci_median_usd_per_mtu_wo3,
    b.p25_unit_value_usd_per_t / (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0)
        as baci_p25_usd_per_mtu_wo3,
    b.p75_unit_value_usd_per_t / (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0)
        as baci_p75_usd_per_mtu_wo3,
    u.price_usd_per_mtu_wo3 as usgs_price_usd_per_mtu_wo3,
    u.price_usd_per_mtu_wo3 * (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0)
        as usgs_price_usd_per_t_concentrate,
    u.price_series as usgs_price_series,
    u.price_series_label as usgs_price_series_label,
    u.is_series_break as usgs_is_series_break,
    u.vintage as usgs_vintage,
    u.is_estimate as usgs_is_estimate,
    u.source_file as usgs_source_file,
    u.source_line as usgs_source_line,
    (b.median_unit_value_usd_per_t / (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0))
        / nullif(u.price_usd_per_mtu_wo3, 0) as baci_median_to_usgs_ratio
from years y
left join baci b on b.year = y.year
left join usgs u on u.year = y.year
