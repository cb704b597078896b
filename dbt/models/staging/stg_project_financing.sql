-- raw.project_financing as loaded: project financing (columns described in _sources.yml).
select
    project_id,
    group_id,
    institution_company_id,
    instrument,
    amount,
    currency,
    amount_usd,
    status,
    date,
    as_published,
    quote,
    source_id,
    source_id_file,
    vintage,
    source_file,
    source_sha256,
    source_item,
    load_id
from {{ source('raw', 'project_financing') }}
