-- Mine production of every production source (meta.sources.production_dataset), with how the
-- source's world total is had (world_total: published row or summed countries) and its rank.
select f.*, s.world_total, s.production_rank
from {{ ref('stg_figures') }} f
join {{ ref('stg_sources') }} s on s.source_id = f.source_id and s.production_dataset = f.dataset
where f.metric = 'mine_production'
