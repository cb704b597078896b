-- ref.sponsor_blocs as warehouse/reference_tables.py writes it: sponsor blocs by home country and ownership (columns described in _sources.yml).
select
    home_country_iso3,
    ownership,
    sponsor_bloc,
    comment
from {{ source('ref', 'sponsor_blocs') }}
