-- The latest edition's figure per (source, country, year, metric): USGS revises earlier
-- years in every edition; the marts read the newest unless they say otherwise. US salient
-- statistics are about the United States (their rows name no country).
with all_figures as (
    select source_id, vintage, edition_year,
           case when dataset = 'salient' then 'USA' else country_key end as country_key,
           country_iso3, country_published, is_aggregate, aggregate_kind, year, period, metric, value, value_t_w,
           unit_code, qualifier, is_estimate, note, source_file, source_sha256, source_line
    from {{ ref('stg_figures') }}
    where metric <> 'us_import_source_share'
)
select *
from all_figures
qualify row_number() over (partition by source_id, country_key, year, metric order by edition_year desc) = 1
