-- Mine production for each (source, year) taken from ONE edition: the latest that reports
-- that year's world total (sources whose world total is a published row, e.g. USGS) or any
-- production (sources whose world total is the sum of countries, e.g. BGS). Taking each
-- country's latest figure separately would double count: a country listed in MCS2022 for
-- 2021 is folded into "Other countries" in MCS2023.
with p as (
    select * from {{ ref('stg_production') }}
),
edition as (
    select source_id, year, max(edition_year) as edition_year
    from p
    where world_total = 'summed' or (aggregate_kind = 'world' and value_t_w is not null)
    group by all
)
select p.source_id, p.vintage, p.edition_year, p.year, p.country_key, p.country_iso3, p.country_published,
       p.is_aggregate, p.aggregate_kind, p.value_t_w as production_t_w, p.qualifier, p.is_estimate, p.source_file,
       p.source_sha256, p.source_line, p.world_total, p.production_rank
from p join edition e using (source_id, year, edition_year)
