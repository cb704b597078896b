-- raw.companies as loaded: curated companies (columns described in _sources.yml).
select
    company_id,
    name,
    home_country_iso3,
    ownership,
    parent_company_id,
    note,
    source_ids,
    source_id_file,
    vintage,
    source_file,
    source_sha256,
    source_item,
    load_id
from {{ source('raw', 'companies') }}
