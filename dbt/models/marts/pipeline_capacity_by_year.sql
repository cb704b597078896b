-- New mine capacity (t W/yr) coming online per year, scenario and sponsor bloc, counted once
-- per unit (a group of projects quoted together, or a project), in the year of its first
-- production in that scenario; cumulative over the years 2024-2040.
with units as (
    select unit_id, any_value(sponsor_bloc) as sponsor_bloc, any_value(capacity_t_w_per_year) as capacity_t_w,
           any_value(first_production_year_sponsor) as sponsor, any_value(first_production_year_conservative) as conservative
    from {{ ref('project_pipeline') }}
    where capacity_t_w_per_year is not null
    group by unit_id
),
online as (
    select 'sponsor' as scenario, sponsor_bloc, sponsor as year, capacity_t_w from units where sponsor is not null
    union all
    select 'conservative', sponsor_bloc, conservative, capacity_t_w from units where conservative is not null
),
grid as (
    select y.year, s.scenario, b.sponsor_bloc
    from range(2024, 2041) y(year)
    cross join (values ('sponsor'), ('conservative')) s(scenario)
    cross join (select distinct sponsor_bloc from units) b
),
yearly as (
    select g.year::integer as year, g.scenario, g.sponsor_bloc, coalesce(sum(o.capacity_t_w), 0) as new_capacity_t_w
    from grid g
    left join online o on o.year = g.year and o.scenario = g.scenario and o.sponsor_bloc = g.sponsor_bloc
    group by g.year, g.scenario, g.sponsor_bloc
)
select year, scenario, sponsor_bloc, new_capacity_t_w,
       sum(new_capacity_t_w) over (partition by scenario, sponsor_bloc order by year) as cumulative_capacity_t_w
from yearly
