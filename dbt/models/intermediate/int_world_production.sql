-- World mine production per (source, year): USGS's published world total (rounded) of the
-- chosen edition; BGS publishes none, so the sum of its countries.
select source_id, vintage, year, production_t_w as world_production_t_w, 'published' as world_basis
from {{ ref('int_production_by_edition_year') }}
where source_id = 'usgs_mcs' and aggregate_kind = 'world'
union all
select source_id, any_value(vintage), year, sum(production_t_w), 'sum_of_countries'
from {{ ref('int_production_by_edition_year') }}
where source_id = 'bgs_wms' and not is_aggregate
group by source_id, year
