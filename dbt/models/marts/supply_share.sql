-- Each country's share of world mine production, per source and year, from the edition
-- chosen for that year (see int_production_by_edition_year). The world total the shares are
-- of is on supply_concentration's one row per source and year, never repeated here.
with p as (
    select * from {{ ref('int_production_by_edition_year') }}
    where not is_aggregate and production_t_w is not null
)
select
    p.source_id,
    p.vintage,
    p.country_iso3,
    coalesce(c.country_name, p.country_published) as country_name,
    p.year,
    p.production_t_w,
    100.0 * p.production_t_w / nullif(w.world_production_t_w, 0) as share_pct,
    rank() over (partition by p.source_id, p.year order by p.production_t_w desc) as rank,
    p.is_estimate,
    p.source_file,
    p.source_line
from p
join {{ ref('int_world_production') }} w using (source_id, year)
left join {{ ref('stg_countries') }} c using (country_iso3)
