-- ref.editions as warehouse/reference_tables.py writes it: every edition a source lists (columns described in _sources.yml).
select
    source_id,
    vintage,
    title,
    doi,
    date_published,
    current_from
from {{ source('ref', 'editions') }}
