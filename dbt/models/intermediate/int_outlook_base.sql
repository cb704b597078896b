-- The outlook's base: world and China mine production in the latest year of the latest edition
-- of the production-rank-1 source (USGS MCS2026: 2025, estimated).
select year as base_year, world_production_t_w, china_production_t_w, world_production_t_w - china_production_t_w
       as rest_of_world_t_w, source_id, vintage
from {{ ref('supply_concentration') }}
where source_id = (select source_id from {{ ref('stg_sources') }} where production_rank = 1)
qualify year = max(year) over ()
