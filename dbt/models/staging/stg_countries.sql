-- ref.countries as warehouse/reference_tables.py writes it: ISO 3166 countries (columns described in _sources.yml).
select
    country_iso3,
    country_name,
    is_former
from {{ source('ref', 'countries') }}
