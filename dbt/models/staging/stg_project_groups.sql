-- raw.project_groups as loaded: curated project groups (columns described in _sources.yml).
select
    group_id,
    name,
    note,
    source_ids,
    source_id_file,
    vintage,
    source_file,
    source_sha256,
    source_item,
    load_id
from {{ source('raw', 'project_groups') }}
