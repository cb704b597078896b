-- Mine supply projected from stated assumptions, 2025-2040 (not a forecast: every factor is in
-- marts.outlook_assumptions and editable in dbt/seeds/outlook_*.csv). Per pipeline case
-- (sponsor / conservative timelines), China case (China's production as its own line) and risk
-- basis (unrisked / risked by stage): China = base x level x (1 + change)^t, the level scaling the
-- base to the lowest or highest other production source (so China's cases span their disagreement); rest of world = base x
-- (1 + depletion)^t + what the pipeline units outside China add (marts.mine_supply_projection_units).
with params as (select * from {{ ref('int_outlook_parameters') }}),
base as (select * from {{ ref('int_outlook_base') }}),
added as (
    select pipeline_case, year, sum(added_t_w) as added_t_w, sum(added_risked_t_w) as added_risked_t_w
    from {{ ref('mine_supply_projection_units') }} group by all
),
years as (
    select pc.pipeline_case, y.year::integer as year
    from params, base, range(greatest(params.first_year, base.base_year), params.last_year + 1) y(year)
    cross join (values ('sponsor'), ('conservative')) pc(pipeline_case)
),
spread as (select * from {{ ref('int_china_source_spread') }}),
cases as (
    select china_case, annual_change_pct,
           case level when 'lowest_source' then coalesce((select lowest_ratio from spread), 1.0)
                      when 'highest_source' then coalesce((select highest_ratio from spread), 1.0) else 1.0 end as level_factor
    from {{ ref('outlook_china_cases') }}
),
risk as (select * from (values ('unrisked'), ('risked')) r(risk_basis)),
rows as (
    select y.pipeline_case, c.china_case, r.risk_basis, y.year,
           b.china_production_t_w * c.level_factor * power(1 + c.annual_change_pct / 100, y.year - b.base_year) as china_t_w,
           b.rest_of_world_t_w * power(1 + p.row_change_pct / 100, y.year - b.base_year) as rest_existing_t_w,
           coalesce(case r.risk_basis when 'risked' then a.added_risked_t_w else a.added_t_w end, 0) as pipeline_added_t_w,
           b.base_year, b.vintage as base_vintage, b.source_id as base_source_id
    from years y cross join cases c cross join risk r cross join base b cross join params p
    left join added a on a.pipeline_case = y.pipeline_case and a.year = y.year
)
select pipeline_case, china_case, risk_basis, year,
       china_t_w + rest_existing_t_w + pipeline_added_t_w as world_t_w,
       china_t_w,
       rest_existing_t_w + pipeline_added_t_w as rest_of_world_t_w,
       rest_existing_t_w,
       pipeline_added_t_w,
       100.0 * china_t_w / (china_t_w + rest_existing_t_w + pipeline_added_t_w) as china_share_pct,
       base_year, base_vintage, base_source_id
from rows
