-- Supply outlook under each scenario. Method: start from the latest USGS edition's latest
-- year (world and China mine production, MCS2026: 2025e), hold it flat, and add each pipeline
-- unit's capacity from its first-production year, at full capacity, for units that start
-- after that base year (those producing by then are already in the USGS figures). Capacity
-- located in China adds to China's production. No decline of existing mines and no ramp-up
-- are modelled: this shows what the pipeline alone would do to China's share.
with base as (
    select year as base_year, world_production_t_w, china_production_t_w, vintage
    from {{ ref('supply_concentration') }}
    where source_id = (select source_id from {{ source('meta', 'sources') }} where production_rank = 1)
    qualify year = max(year) over ()
),
units as (
    select unit_id, any_value(country_iso3) as country_iso3, any_value(capacity_t_w_per_year) as capacity_t_w,
           any_value(first_production_year_sponsor) as sponsor, any_value(first_production_year_conservative) as conservative
    from {{ ref('project_pipeline') }} where capacity_t_w_per_year is not null group by unit_id
),
online as (
    select 'sponsor' as scenario, sponsor as start_year, country_iso3, capacity_t_w from units where sponsor is not null
    union all
    select 'conservative', conservative, country_iso3, capacity_t_w from units where conservative is not null
),
grid as (
    select y.year::integer as year, s.scenario
    from base, range(base.base_year, 2041) y(year)
    cross join (values ('sponsor'), ('conservative')) s(scenario)
),
added as (
    select g.year, g.scenario,
           coalesce(sum(o.capacity_t_w), 0) as added_t_w,
           coalesce(sum(o.capacity_t_w) filter (where o.country_iso3 = 'CHN'), 0) as added_china_t_w
    from grid g cross join base
    left join online o on o.scenario = g.scenario and o.start_year <= g.year and o.start_year > base.base_year
    group by all
)
select a.year, a.scenario, b.vintage as base_vintage, b.base_year,
       b.world_production_t_w + a.added_t_w as world_production_t_w,
       b.china_production_t_w + a.added_china_t_w as china_production_t_w,
       a.added_t_w as pipeline_added_t_w,
       100.0 * (b.china_production_t_w + a.added_china_t_w) / (b.world_production_t_w + a.added_t_w) as china_share_pct
from added a cross join base b
