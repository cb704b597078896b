-- raw.project_stakes as loaded: ownership stakes (columns described in _sources.yml).
select
    project_id,
    group_id,
    company_id,
    stake_pct,
    valid_from,
    source_id,
    quote,
    {{ curated_provenance() }}
from {{ source('raw', 'project_stakes') }}
