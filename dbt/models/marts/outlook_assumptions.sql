-- The outlook's assumptions as a table (the report shows it): its base figure, its parameters,
-- the stage factors and ramp-up curve, China's cases, and every pipeline unit the projection
-- leaves out with the reason. One row per assumption; `value` is a parameter, not a quantity to sum.
with base as (select * from {{ ref('int_outlook_base') }}),
units as (select * from {{ ref('pipeline_units') }})
select 'base' as assumption_group, 'world_production_t_w' as name, world_production_t_w as value, 't W' as unit,
       'World mine production, ' || source_id || ' ' || vintage || ', ' || base_year || ' (the base year)' as meaning
from base
union all
select 'base', 'china_production_t_w', china_production_t_w, 't W',
       'China mine production, ' || source_id || ' ' || vintage || ', ' || base_year from base
union all
select 'parameter', parameter, value, unit, meaning from {{ ref('outlook_parameters') }}
union all
select 'stage_probability', stage, probability_of_production, 'probability', rationale from {{ ref('outlook_stage_factors') }}
union all
select 'stage_conservative_delay', stage, conservative_delay_years, 'years',
       'Conservative case: the sponsor''s first production delayed by this many years, unless a source states a conservative date'
from {{ ref('outlook_stage_factors') }}
union all
select 'ramp_up', 'production year ' || production_year::integer, share_of_capacity, 'share of capacity', meaning
from {{ ref('outlook_ramp_up') }}
union all
select 'china_case', china_case, annual_change_pct, 'pct per year', meaning || ' (level: ' || level || ')'
from {{ ref('outlook_china_cases') }}
union all
select 'china_case', 'sources_spread', lowest_ratio, 'ratio to the base source',
       'China by the other production sources against the base source: ' || spread_shown || '; highest ratio ' || round(highest_ratio, 3)
from {{ ref('int_china_source_spread') }}
union all
select 'capacity_assumption', unit_id || ' ' || input, value, 'pct', rationale from {{ ref('outlook_capacity_assumptions') }}
union all
select 'method', 'existing_supply', null, null,
       'Existing supply is the base year''s production: China by its case, the rest of the world changing by rest_of_world_change_pct_per_year'
union all
select 'method', 'pipeline', null, null,
       'Each unit outside China adds capacity x utilisation x ramp-up share from its first production; a unit producing in the base year only what it produces beyond its country''s base-year figure in the warehouse (USGS''s, shared by capacity among the country''s producing units); risked: times its stage''s probability'
union all
select 'left_out', unit_id, null, null,
       unit_name || ': ' || case
           when country_iso3 = 'CHN' then 'in China, whose production is its own case (top-down), so not added'
           when stage = 'closed' then 'closed'
           when capacity_t_w_per_year is null then 'no capacity in t W: ' || coalesce(capacity_t_w_missing_reason, 'none quoted, and no ore rate to derive one from')
           else 'no first-production year stated' end
from units
where country_iso3 = 'CHN' or stage = 'closed' or capacity_t_w_per_year is null
   or (first_production_year_sponsor is null and stage <> 'producing')
