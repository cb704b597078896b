-- Tungsten prices by series and period, three kinds side by side, each labelled for what it is:
--   * curated_assessment: a price reporter's assessment or a company's realised price, one row
--     per (assessment, period) from the dated pages of data/curated/prices.csv; the observation
--     selected is the earliest published (the primary page), the others are listed beside it;
--   * usgs_annual: USGS's annual concentrate price (marts.price_usgs_concentrate, latest edition
--     per year; the series USGS reports changed with MCS2023, see price_series_label);
--   * baci_unit_value: median unit value of BACI's traded flows by HS code and year
--     (marts.price_proxy_world), low/high its 25th/75th percentiles; for HS 2611 per mtu WO3 at
--     an ASSUMED 65 % grade, for the others per tonne of traded product (not converted).
-- Conversions use ref.price_unit_factors (stoichiometric); currencies are never converted: no
-- cited exchange-rate table is held, so a yuan price stays in yuan (currency column).
with obs as (
    select p.*, a.product_family, a.description as assessment_description, a.market, a.wo3_grade_pct, a.assessed_by,
           row_number() over (partition by p.assessment_id, p.period_start_date, p.period_end_date
                              order by {{ curator_choice('p.note') }}, p.date_published, p.observation_id) as pick
    from {{ ref('stg_prices') }} p
    join {{ ref('stg_price_assessments') }} a using (assessment_id)
),
grouped as (
    select assessment_id, period_start_date, period_end_date,
           string_agg(observation_id, ';' order by {{ curator_choice('note') }}, date_published, observation_id)
               as observation_ids,
           count(*) as n_observations,
           count(distinct price_low) > 1 or count(distinct price_high) > 1 as observations_differ
    from obs group by all
),
curated as (
    select 'curated_assessment' as series_kind, o.assessment_id as series_id,
           o.assessment_description as series_label, o.product_family, o.market, o.assessed_by as price_setter,
           o.publisher_named, o.price_kind, o.period_start_date, o.period_end_date, o.currency, o.unit,
           o.wo3_grade_pct, false as grade_is_assumed, o.price_low, o.price_high,
           (o.price_low + o.price_high) / 2.0 as price_mid, 'mid_of_low_and_high' as price_mid_is,
           o.observation_id as selected_observation_id, g.observation_ids, g.n_observations, g.observations_differ,
           o.source_id_file as source_id, o.source_id as cited_source_id, o.date_published, o.location, o.quote,
           o.as_published, o.vintage,
           o.source_file, o.source_line
    from obs o join grouped g using (assessment_id, period_start_date, period_end_date)
    where o.pick = 1
),
usgs as (
    select 'usgs_annual' as series_kind, 'usgs_mcs_concentrate' as series_id,
           'USGS Mineral Commodity Summaries, annual: ' || price_series_label as series_label,
           'concentrate' as product_family,
           case when price_series = 'us_spot' then 'US' else 'Rotterdam' end as market,
           case when price_series = 'us_spot' then 'USGS' else 'Argus Media group (as USGS cites it)' end as price_setter,
           'USGS' as publisher_named, 'average' as price_kind,
           make_date(year, 1, 1) as period_start_date, make_date(year, 12, 31) as period_end_date,
           'USD' as currency, 'per_mtu_wo3' as unit, cast(null as double) as wo3_grade_pct, false as grade_is_assumed,
           price_usd_per_mtu_wo3 as price_low, price_usd_per_mtu_wo3 as price_high,
           price_usd_per_mtu_wo3 as price_mid, 'the_published_figure' as price_mid_is,
           cast(null as varchar) as selected_observation_id, cast(null as varchar) as observation_ids,
           1 as n_observations, false as observations_differ,
           source_id, cast(null as varchar) as cited_source_id, cast(edition_year as varchar) as date_published,
           source_column as location,
           cast(null as varchar) as quote, value_published as as_published, vintage, source_file, source_line
    from {{ ref('price_usgs_concentrate') }}
    where is_latest_edition and price_usd_per_mtu_wo3 is not null
),
baci as (
    select 'baci_unit_value' as series_kind, 'baci_unit_value_' || hs_code as series_id,
           'BACI median unit value of traded flows of at least ' || min_quantity_t || ' t, HS ' || hs_code || ' ('
           || hs_description || '); low/high: 25th/75th percentiles'
           || case when grade_is_assumed then '; per mtu WO3 at an ASSUMED ' || assumed_grade_pct_wo3 || ' % WO3' else '' end
           as series_label,
           case when hs_code = '261100' then 'concentrate' else 'traded_product' end as product_family,
           'world' as market, 'CEPII BACI (unit values of trade, not a price assessment)' as price_setter,
           'CEPII' as publisher_named, 'index' as price_kind,
           make_date(year, 1, 1) as period_start_date, make_date(year, 12, 31) as period_end_date,
           'USD' as currency, case when grade_is_assumed then 'per_mtu_wo3' else 'per_t' end as unit,
           assumed_grade_pct_wo3 as wo3_grade_pct, coalesce(grade_is_assumed, false) as grade_is_assumed,
           case when grade_is_assumed then p25_unit_value_usd_per_mtu_wo3 else p25_unit_value_usd_per_t end as price_low,
           case when grade_is_assumed then p75_unit_value_usd_per_mtu_wo3 else p75_unit_value_usd_per_t end as price_high,
           case when grade_is_assumed then median_unit_value_usd_per_mtu_wo3 else median_unit_value_usd_per_t end
               as price_mid,
           'median_of_flow_unit_values' as price_mid_is,
           cast(null as varchar) as selected_observation_id, cast(null as varchar) as observation_ids,
           n_flows_used as n_observations, false as observations_differ,
           source_id, cast(null as varchar) as cited_source_id, cast(null as varchar) as date_published,
           cast(null as varchar) as location,
           cast(null as varchar) as quote, cast(null as varchar) as as_published, vintages as vintage,
           cast(null as varchar) as source_file, cast(null as integer) as source_line
    from {{ ref('price_proxy_world') }}
    where n_flows_used > 0
),
unioned as (
    select * from curated
    union all by name select * from usgs
    union all by name select * from baci
),
factors as (select * from {{ ref('price_unit_factors') }}),
to_mtu as (
    select u.*,
           -- a price per tonne or kg of product converts at its WO3 grade only
           case when f.factor is null then null
                when f.per_wo3_grade and coalesce(u.wo3_grade_pct, 0) <= 0 then null
                when f.per_wo3_grade then f.factor * 100.0 / u.wo3_grade_pct
                else f.factor end as factor_to_mtu_wo3
    from unioned u
    left join factors f on f.from_unit = u.unit and f.to_unit = 'per_mtu_wo3'
)
select
    m.series_kind, m.series_id, m.series_label, m.product_family, m.market, m.price_setter, m.publisher_named,
    m.price_kind, m.period_start_date, m.period_end_date,
    case when m.period_start_date = m.period_end_date then 'day'
         when m.period_end_date - m.period_start_date between 4 and 7 then 'week'
         when date_trunc('month', m.period_start_date) = m.period_start_date
              and last_day(m.period_start_date) = m.period_end_date then 'month'
         when month(m.period_start_date) = 1 and day(m.period_start_date) = 1 and month(m.period_end_date) = 12
              and day(m.period_end_date) = 31 and year(m.period_start_date) = year(m.period_end_date) then 'year'
         else 'other' end as period_kind,
    year(m.period_start_date) as year,
    m.currency, m.unit, m.wo3_grade_pct, m.grade_is_assumed,
    m.price_low, m.price_high, m.price_mid, m.price_mid_is,
    m.price_low * m.factor_to_mtu_wo3 as price_low_per_mtu_wo3,
    m.price_high * m.factor_to_mtu_wo3 as price_high_per_mtu_wo3,
    m.price_mid * m.factor_to_mtu_wo3 as price_mid_per_mtu_wo3,
    m.price_mid * m.factor_to_mtu_wo3 * t.factor as price_mid_per_t_wo3,
    m.price_mid * m.factor_to_mtu_wo3 * k.factor as price_mid_per_kg_w,
    case when m.product_family in ('ferro_tungsten', 'powder', 'carbide') then 'per_kg_w'
         when m.product_family = 'traded_product' then m.unit
         else 'per_mtu_wo3' end as family_basis_unit,
    case when m.product_family in ('ferro_tungsten', 'powder', 'carbide')
         then m.price_mid * m.factor_to_mtu_wo3 * k.factor
         when m.product_family = 'traded_product' then m.price_mid
         else m.price_mid * m.factor_to_mtu_wo3 end as price_mid_family_basis,
    m.selected_observation_id, m.observation_ids, m.n_observations, m.observations_differ,
    m.source_id, m.cited_source_id, s.publisher as source_publisher, s.title as source_title, s.url as source_url,
    m.date_published, m.location, m.quote, m.as_published, m.vintage, m.source_file, m.source_line
from to_mtu m
cross join (select factor from factors where from_unit = 'per_mtu_wo3' and to_unit = 'per_t_wo3') t
cross join (select factor from factors where from_unit = 'per_mtu_wo3' and to_unit = 'per_kg_w') k
left join {{ ref('stg_sources') }} s on s.source_id = coalesce(m.cited_source_id, m.source_id)
