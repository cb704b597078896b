-- How far the production sources disagree on China: each other source's China figure over the
-- rank-1 source's for the latest year both hold (2024: World Mining Data 58,760 t against USGS
-- 67,000 t, 0.877). The outlook's source cases scale China's base by the lowest and the highest
-- ratio (1 being the rank-1 source itself), so China's cases span at least this disagreement.
with rank1 as (select source_id from {{ ref('stg_sources') }} where production_rank = 1),
c as (select source_id, year, china_production_t_w from {{ ref('supply_concentration') }} where china_production_t_w > 0),
pairs as (
    select o.source_id as other_source_id, o.year, o.china_production_t_w / r.china_production_t_w as ratio,
           o.china_production_t_w as other_t_w, r.china_production_t_w as rank1_t_w
    from c r join c o on o.year = r.year and o.source_id <> r.source_id
    where r.source_id = (select source_id from rank1)
    qualify o.year = max(o.year) over (partition by o.source_id)
)
select least(1.0, min(ratio)) as lowest_ratio, greatest(1.0, max(ratio)) as highest_ratio,
       string_agg(other_source_id || ' ' || year || ': ' || other_t_w || ' t W against ' || rank1_t_w
                  || ' (' || round(ratio, 3) || ')', '; ' order by other_source_id) as spread_shown
from pairs
