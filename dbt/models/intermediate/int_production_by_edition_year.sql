-- Mine production for each (source, year) taken from ONE edition: the latest that reports
-- that year's world total (USGS) or any production (BGS). Taking each country's latest
-- figure separately would double count: a country listed in MCS2022 for 2021 is folded
-- into "Other countries" in MCS2023.
with usgs as (
    select * from {{ ref('stg_usgs_mcs_world') }} where metric = 'mine_production'
),
bgs as (
    select * from {{ ref('stg_bgs_wms_production') }} where metric = 'mine_production'
),
usgs_edition as (
    select source_id, year, max(edition_year) as edition_year
    from usgs where aggregate_kind = 'world' and value_t_w is not null
    group by all
),
bgs_edition as (
    select source_id, year, max(edition_year) as edition_year from bgs group by all
),
chosen as (
    select u.* from usgs u join usgs_edition e using (source_id, year, edition_year)
    union all by name
    select b.* from bgs b join bgs_edition e using (source_id, year, edition_year)
)
select source_id, vintage, edition_year, year, country_key, country_iso3, country_published, is_aggregate,
       aggregate_kind, value_t_w as production_t_w, qualifier, is_estimate, source_file, source_sha256, source_line
from chosen
