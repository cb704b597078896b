-- raw.sites as loaded: ICMM sites mentioning tungsten (columns described in _sources.yml).
select
    icmm_id,
    icmm_confidence,
    site_name,
    group_names,
    latitude,
    longitude,
    asset_type,
    country_published,
    country_iso3,
    primary_commodity,
    secondary_commodity,
    other_commodities,
    tungsten_mentioned_in,
    source_id,
    vintage,
    source_file,
    source_sha256,
    source_line,
    load_id
from {{ source('raw', 'sites') }}
