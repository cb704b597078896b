-- How concentrated mine supply is, per source and year. Shares are of the world total
-- (USGS: published, rounded; BGS: sum of countries); "Other countries" is not a producer
-- and is left out of the HHI, top-3 share and producer count.
with s as (select * from {{ ref('supply_share') }}),
ordered as (
    select *, row_number() over (partition by source_id, year order by production_t_w desc, country_iso3) as position
    from s
)
select
    source_id,
    year,
    any_value(ordered.vintage) as vintage,
    any_value(w.world_production_t_w) as world_production_t_w,
    coalesce(sum(production_t_w) filter (where country_iso3 = 'CHN'), 0) as china_production_t_w,
    coalesce(sum(share_pct) filter (where country_iso3 = 'CHN'), 0) as china_share_pct,
    sum(share_pct) filter (where position <= 3) as top3_share_pct,
    sum(share_pct * share_pct) as hhi,
    count(*) filter (where production_t_w > 0) as producer_count
from ordered
join {{ ref('int_world_production') }} w using (source_id, year)
group by source_id, year
