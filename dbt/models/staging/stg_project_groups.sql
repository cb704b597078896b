-- raw.project_groups as loaded: curated project groups (columns described in _sources.yml).
select
    group_id,
    name,
    note,
    source_ids,
    {{ curated_provenance() }}
from {{ source('raw', 'project_groups') }}
