-- Each pair of production sources for the country-years both cover (source_a ranked before
-- source_b in meta.sources.production_rank: USGS 1, BGS 2, World Mining Data 3, so USGS-BGS,
-- USGS-WMD and BGS-WMD). Disagreement is data: both figures are kept and the difference shown,
-- never reconciled silently.
with p as (
    select * from {{ ref('int_production_by_edition_year') }}
    where not is_aggregate and production_t_w is not null
)
select
    a.country_iso3,
    coalesce(c.country_name, a.country_published) as country_name,
    a.year,
    a.source_id as source_a,
    a.vintage as vintage_a,
    a.production_t_w as production_a_t_w,
    b.source_id as source_b,
    b.vintage as vintage_b,
    b.production_t_w as production_b_t_w,
    a.production_t_w - b.production_t_w as difference_t_w,
    100.0 * (a.production_t_w - b.production_t_w) / nullif(b.production_t_w, 0) as difference_pct,
    a.source_file as source_file_a,
    a.source_line as source_line_a,
    b.source_file as source_file_b,
    b.source_line as source_line_b
from p a
join p b on a.country_iso3 = b.country_iso3 and a.year = b.year
    and (a.production_rank, a.source_id) < (b.production_rank, b.source_id)
left join {{ ref('stg_countries') }} c on c.country_iso3 = a.country_iso3
