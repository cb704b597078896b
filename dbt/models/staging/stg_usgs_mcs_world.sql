-- One row per published figure, with the edition's year for picking the latest vintage.
select
    *,
    cast(regexp_extract(vintage, '(\d{4})$', 1) as integer) as edition_year,
    coalesce(country_iso3, 'AGG:' || aggregate_kind) as country_key
from {{ source('raw', 'usgs_mcs_world') }}
