-- The warehouse's own base-year mine production of each country: the outlook base's edition of
-- the production-rank-1 source (USGS MCS2026 for 2025: Kazakhstan 2,400 t W). A unit producing
-- in the base year is already in this figure; the outlook adds only what it produces beyond it.
select f.country_key as country_iso3, f.year as base_year, f.value_t_w as production_t_w, f.source_id, f.vintage,
       f.value_published
from {{ ref('stg_figures') }} f
join {{ ref('int_outlook_base') }} b on b.source_id = f.source_id and b.vintage = f.vintage and b.base_year = f.year
where f.metric = 'mine_production' and f.value_t_w is not null and not coalesce(f.is_aggregate, false)
