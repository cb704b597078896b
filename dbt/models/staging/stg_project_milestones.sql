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
    {{ curated_provenance() }}
from {{ source('raw', 'project_milestones') }}
