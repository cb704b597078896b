-- World mine production per (source, year): the published world total of the chosen edition
-- where the source publishes one (USGS, rounded), else the sum of its countries (BGS).
select source_id, vintage, year, production_t_w as world_production_t_w, 'published' as world_basis
from {{ ref('int_production_by_edition_year') }}
where world_total = 'published' and aggregate_kind = 'world'
union all
select source_id, any_value(vintage), year, sum(production_t_w), 'sum_of_countries'
from {{ ref('int_production_by_edition_year') }}
where world_total = 'summed' and not is_aggregate
group by source_id, year
