-- USGS against BGS mine production for the country-years both cover. Disagreement is data:
-- both figures are kept and the difference shown, never reconciled silently.
with usgs as (
    select * from {{ ref('int_production_by_edition_year') }}
    where source_id = 'usgs_mcs' and not is_aggregate and production_t_w is not null
),
bgs as (
    select * from {{ ref('int_production_by_edition_year') }}
    where source_id = 'bgs_wms' and not is_aggregate and production_t_w is not null
)
select
    u.country_iso3,
    coalesce(c.country_name, u.country_published) as country_name,
    u.year,
    u.vintage as usgs_vintage,
    u.production_t_w as usgs_t_w,
    b.vintage as bgs_vintage,
    b.production_t_w as bgs_t_w,
    u.production_t_w - b.production_t_w as difference_t_w,
    100.0 * (u.production_t_w - b.production_t_w) / nullif(b.production_t_w, 0) as difference_pct
from usgs u
join bgs b using (country_iso3, year)
left join {{ source('ref', 'countries') }} c using (country_iso3)
