-- raw.companies as loaded: curated companies (columns described in _sources.yml).
select
    company_id,
    name,
    home_country_iso3,
    ownership,
    parent_company_id,
    note,
    source_ids,
    {{ curated_provenance() }}
from {{ source('raw', 'companies') }}
