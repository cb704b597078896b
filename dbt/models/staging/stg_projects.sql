-- raw.projects as loaded: curated projects (columns described in _sources.yml).
select
    project_id,
    name,
    aliases,
    group_id,
    country_iso3,
    region,
    stage,
    stage_as_of,
    stage_source_id,
    stage_quote,
    operator_company_id,
    lat,
    lon,
    source_ids,
    {{ curated_provenance() }}
from {{ source('raw', 'projects') }}
