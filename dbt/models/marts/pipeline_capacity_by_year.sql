-- New mine capacity (t W/y) reaching first production per year, case and sponsor bloc: each
-- pipeline unit (a group quoted together, or a project) counted once, in the year of its first
-- production in that case, unrisked and risked by its stage's probability of production
-- (ref.outlook_stage_factors). No running totals: a cumulative column summed over years would
-- count each unit many times (a BI tool's running sum gives them).
with params as (select first_year - 1 as y0, last_year as y1 from {{ ref('int_outlook_parameters') }}),
units as (select * from {{ ref('pipeline_units') }} where capacity_t_w_per_year is not null),
online as (
    select 'sponsor' as scenario, sponsor_bloc, first_production_year_sponsor as year, capacity_t_w_per_year as capacity_t_w,
           probability_of_production as p from units where first_production_year_sponsor is not null
    union all
    select 'conservative', sponsor_bloc, first_production_year_conservative, capacity_t_w_per_year, probability_of_production
    from units where first_production_year_conservative is not null
),
grid as (
    select y.year::integer as year, s.scenario, b.sponsor_bloc
    from params, range(params.y0, params.y1 + 1) y(year)
    cross join (values ('sponsor'), ('conservative')) s(scenario)
    cross join (select distinct sponsor_bloc from units) b
),
yearly as (
    select g.year, g.scenario, g.sponsor_bloc,
           coalesce(sum(o.capacity_t_w), 0) as new_capacity_t_w,
           coalesce(sum(o.capacity_t_w * o.p), 0) as new_capacity_risked_t_w
    from grid g
    left join online o on o.year = g.year and o.scenario = g.scenario and o.sponsor_bloc is not distinct from g.sponsor_bloc
    group by all
)
select year, scenario, sponsor_bloc, new_capacity_t_w, new_capacity_risked_t_w
from yearly
