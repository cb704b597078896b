-- Which units drive the outlook's pipeline addition, and how much of it rests on secondary or
-- tertiary pages or on assumed inputs: per pipeline case and unit, what the unit adds in the
-- outlook's last year (unrisked and risked), its share of the case's risked addition, its
-- capacity's page tier and whether the capacity is derived from assumed inputs. Per case, the
-- shares sum to 100% and added_risked_t_w sums to marts.mine_supply_projection's risked
-- pipeline_added_t_w for that year.
with last as (select last_year from {{ ref('int_outlook_parameters') }}),
u as (
    select pipeline_case, unit_id, unit_name, country_iso3, stage, capacity_t_w_per_year, probability_of_production,
           added_t_w, added_risked_t_w
    from {{ ref('mine_supply_projection_units') }} where year = (select last_year from last)
),
pu as (
    select unit_id, capacity_source_tier, capacity_is_derived,
           coalesce(capacity_inputs_assumed, capacity_grade_is_assumed) as capacity_inputs_assumed, capacity_as_quoted, capacity_derivation
    from {{ ref('pipeline_units') }}
)
select u.pipeline_case, u.unit_id, u.unit_name, u.country_iso3, u.stage, (select last_year from last) as year,
       u.capacity_t_w_per_year, u.probability_of_production, u.added_t_w, u.added_risked_t_w,
       100.0 * u.added_risked_t_w / nullif(sum(u.added_risked_t_w) over (partition by u.pipeline_case), 0) as share_of_risked_addition_pct,
       rank() over (partition by u.pipeline_case order by u.added_risked_t_w desc) as rank_in_case,
       pu.capacity_source_tier,
       coalesce(pu.capacity_source_tier, '') similar to '.*(secondary|tertiary).*' as rests_on_secondary_or_tertiary,
       coalesce(pu.capacity_is_derived, false) as capacity_is_derived,
       coalesce(pu.capacity_inputs_assumed, false) as capacity_inputs_assumed,
       coalesce(pu.capacity_derivation, pu.capacity_as_quoted) as capacity_from
from u left join pu using (unit_id)
