-- What each pipeline unit adds to mine supply outside China, per case and year, by the outlook's
-- stated method (marts.outlook_assumptions): output = capacity x utilisation x ramp-up share of
-- its production year (ref.outlook_ramp_up), from its first production in that case (a producing
-- unit without a stated start: at steady state since before the base year). What a unit producing
-- in the base year adds is its output less the warehouse's own base-year figure for its country
-- (intermediate.int_outlook_country_base: Boguty's against USGS's 2,400 t for Kazakhstan in 2025,
-- shared by capacity among the country's units producing then; never below zero), from the year
-- after the base year (observed); one producing without a stated start reaches its nameplate in
-- the sponsor's case only (the conservative case keeps it at the base); a country the
-- base edition does not list has no figure to deduct (flagged in base_deduction_from). Risked, times
-- its stage's probability of production. Units in China are left to China's own cases; units
-- without capacity in t W or without a start year are listed in outlook_assumptions, not added.
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
dated as (
    -- a producing unit without a stated start has produced at steady state since before the base year
    select u.* replace (coalesce(u.start_year, case when u.stage = 'producing'
                                                    then (select base_year from base) - (select k from ramp_max) end) as start_year),
           u.start_year is null and u.stage = 'producing' as start_is_assumed
    from units u
),
counted as (
    select * from dated
    where capacity_t_w_per_year is not null and start_year is not null and coalesce(country_iso3, '') <> 'CHN'
      and stage <> 'closed'
),
in_base as (
    -- units producing in the base year, with their share of their country's base-year figure
    select c.pipeline_case, c.unit_id, cb.production_t_w * c.capacity_t_w_per_year
               / sum(c.capacity_t_w_per_year) over (partition by c.pipeline_case, c.country_iso3) as base_deduction_t_w,
           case when cb.production_t_w is null then 'no base-year figure for ' || coalesce(c.country_iso3, 'its country')
                    || ' in the base edition (not listed: any output sits in its Other countries), so nothing is deducted'
                else cb.source_id || ' ' || cb.vintage || ' ' || c.country_iso3 || ' ' || cb.base_year || ': '
                     || cb.value_published || ' t W, shared by capacity among ' || count(*) over (partition by c.pipeline_case, c.country_iso3)
                     || ' unit(s) producing then' end as base_deduction_from
    from counted c cross join base b
    left join {{ ref('int_outlook_country_base') }} cb on cb.country_iso3 = c.country_iso3
    where c.start_year <= b.base_year
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
           ib.base_deduction_t_w, ib.base_deduction_from, ib.unit_id is not null as is_in_base
    from grid g
    left join in_base ib on ib.pipeline_case = g.pipeline_case and ib.unit_id = g.unit_id
),
added as (
    select o.*, o.capacity_t_w_per_year * p.utilisation * o.ramp_share as output_t_w,
           case when not o.is_in_base then o.capacity_t_w_per_year * p.utilisation * o.ramp_share
                -- the base year is observed: what a unit producing then adds starts the year after
                when o.year <= b.base_year then 0.0
                -- a unit producing since before the base year without a stated start reaches its
                -- nameplate only in the sponsor's case; the conservative case keeps it at the base
                when o.start_is_assumed and o.pipeline_case = 'conservative' then 0.0
                when o.base_deduction_t_w is null then o.capacity_t_w_per_year * p.utilisation * o.ramp_share
                else greatest(o.capacity_t_w_per_year * p.utilisation * o.ramp_share - o.base_deduction_t_w, 0) end as added_t_w,
           p.utilisation
    from output o, params p, base b
)
select o.pipeline_case, o.year, o.unit_id, o.unit_name, o.country_iso3, o.stage, o.start_year, o.start_is_assumed,
       o.capacity_t_w_per_year, o.utilisation, o.ramp_share, o.probability_of_production,
       o.output_t_w,
       coalesce(o.base_deduction_t_w, 0.0) as base_deduction_t_w,
       coalesce(o.base_deduction_from, 'not producing in the base year') as base_deduction_from,
       o.added_t_w,
       o.added_t_w * o.probability_of_production as added_risked_t_w
from added o
