-- What each pipeline unit adds to mine supply outside China, per case and year, by the outlook's
-- stated method (marts.outlook_assumptions): output = capacity x utilisation x ramp-up share of
-- its production year (ref.outlook_ramp_up), from its first production in that case; what it adds
-- is its output less its output in the base year (output by then is in the base figure: Boguty's
-- 2025 start is in USGS's 2025 Kazakhstan figure, its ramp-up is not); risked, times its stage's
-- probability of production. Units in China are left to China's own cases; units without capacity
-- in t W or without a start year are listed in outlook_assumptions, not added.
with params as (select * from {{ ref('int_outlook_parameters') }}),
base as (select * from {{ ref('int_outlook_base') }}),
ramp as (select production_year::integer as k, share_of_capacity from {{ ref('outlook_ramp_up') }}),
ramp_max as (select max(k) as k from ramp),
units as (
    select unit_id, unit_name, country_iso3, stage, capacity_t_w_per_year, probability_of_production,
           'sponsor' as pipeline_case, first_production_year_sponsor as start_year
    from {{ ref('pipeline_units') }}
    union all
    select unit_id, unit_name, country_iso3, stage, capacity_t_w_per_year, probability_of_production,
           'conservative', first_production_year_conservative
    from {{ ref('pipeline_units') }}
),
counted as (
    select * from units
    where capacity_t_w_per_year is not null and start_year is not null and coalesce(country_iso3, '') <> 'CHN'
      and stage <> 'closed'
),
grid as (
    select u.*, y.year::integer as year
    from counted u, params, base, range(greatest(params.first_year, base.base_year), params.last_year + 1) y(year)
),
output as (
    select g.*,
           case when g.year < g.start_year then 0.0
                else coalesce((select r.share_of_capacity from ramp r where r.k = g.year - g.start_year + 1),
                              (select r.share_of_capacity from ramp r, ramp_max m where r.k = m.k)) end as ramp_share,
           case when base.base_year < g.start_year then 0.0
                else coalesce((select r.share_of_capacity from ramp r where r.k = base.base_year - g.start_year + 1),
                              (select r.share_of_capacity from ramp r, ramp_max m where r.k = m.k)) end as base_ramp_share
    from grid g, base
)
select o.pipeline_case, o.year, o.unit_id, o.unit_name, o.country_iso3, o.stage, o.start_year,
       o.capacity_t_w_per_year, p.utilisation, o.ramp_share, o.probability_of_production,
       o.capacity_t_w_per_year * p.utilisation * o.ramp_share as output_t_w,
       o.capacity_t_w_per_year * p.utilisation * o.base_ramp_share as output_in_base_year_t_w,
       o.capacity_t_w_per_year * p.utilisation * (o.ramp_share - o.base_ramp_share) as added_t_w,
       o.capacity_t_w_per_year * p.utilisation * (o.ramp_share - o.base_ramp_share) * o.probability_of_production as added_risked_t_w
from output o, params p
