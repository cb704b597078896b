-- raw.project_milestones as loaded: project milestones (columns described in _sources.yml).
select
    project_id,
    group_id,
    scenario,
    event,
    year,
    rule,
    quote,
    source_id,
    source_id_file,
    vintage,
    source_file,
    source_sha256,
    source_item,
    load_id
from {{ source('raw', 'project_milestones') }}
