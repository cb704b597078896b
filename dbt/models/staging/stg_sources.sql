-- meta.sources as warehouse/reference_tables.py writes it: every source the warehouse knows (columns described in _sources.yml).
select
    source_id,
    source_type,
    tier,
    publisher,
    title,
    url,
    licence,
    is_public,
    date_published,
    description,
    name,
    family,
    world_total,
    production_dataset,
    production_rank,
    edition_pattern,
    flow_basis
from {{ source('meta', 'sources') }}
