-- The latest edition's figure per (source, country, year, metric): USGS revises earlier
-- years in every edition; the marts read the newest unless they say otherwise.
with all_figures as (
    select source_id, vintage, edition_year, country_key, country_iso3, country_published, is_aggregate,
           aggregate_kind, year, period, metric, value, value_t_w, unit_code, qualifier, is_estimate, note,
           source_file, source_sha256, source_line
    from {{ ref('stg_usgs_mcs_world') }}
    union all by name
    select source_id, vintage, edition_year, 'USA' as country_key, country_iso3, country_published, is_aggregate,
           aggregate_kind, year, period, metric, value, value_t_w, unit_code, qualifier, is_estimate, note,
           source_file, source_sha256, source_line
    from {{ ref('stg_usgs_mcs_salient') }}
    where metric <> 'us_import_source_share'
    union all by name
    select source_id, vintage, edition_year, country_key, country_iso3, country_published, is_aggregate,
           aggregate_kind, year, period, metric, value, value_t_w, unit_code, qualifier, is_estimate, note,
           source_file, source_sha256, source_line
    from {{ ref('stg_bgs_wms_production') }}
)
select *
from all_figures
qualify row_number() over (partition by source_id, country_key, year, metric order by edition_year desc) = 1
