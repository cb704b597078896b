-- Reserves by country for every USGS edition (the latest flagged), with each country's
-- share of the world total, its production in the edition's latest year and the years
-- of production the reserves would last at that rate. Rows are countries and USGS's "Other
-- countries" (the rest of the world), so they sum within an edition; the World total is not a
-- row here but in marts.reserves_world, beside that sum.
with r as (
    select * from {{ ref('stg_figures') }} where metric = 'reserves'
),
prod as (
    select source_id, vintage, country_key, value_t_w as production_t_w, year as production_year
    from {{ ref('stg_figures') }}
    where metric = 'mine_production' and (source_id, vintage) in (select (source_id, vintage) from r)
    qualify year = max(year) over (partition by source_id, vintage)
),
world as (
    select source_id, vintage, value_t_w as world_reserves_t_w from r where aggregate_kind = 'world'
)
select
    r.vintage,
    r.year as reserves_year,
    r.country_iso3,
    case when r.is_aggregate then r.country_published else coalesce(c.country_name, r.country_published) end as country_name,
    r.is_aggregate,
    r.value_t_w as reserves_t_w,
    r.value_published as reserves_published,
    r.qualifier,
    100.0 * r.value_t_w / nullif(w.world_reserves_t_w, 0) as share_pct,
    prod.production_t_w,
    prod.production_year,
    r.value_t_w / nullif(prod.production_t_w, 0) as reserves_to_production_years,
    r.edition_year = max(r.edition_year) over (partition by r.source_id) as is_latest_vintage,
    r.note,
    r.source_file,
    r.source_line
from r
left join world w using (source_id, vintage)
left join prod on prod.source_id = r.source_id and prod.vintage = r.vintage and prod.country_key = r.country_key
left join {{ ref('stg_countries') }} c on c.country_iso3 = r.country_iso3
where r.aggregate_kind is distinct from 'world'
