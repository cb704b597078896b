-- raw.project_financing as loaded: project financing (columns described in _sources.yml).
select
    deal,
    event,
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
    {{ curated_provenance() }}
from {{ source('raw', 'project_financing') }}
