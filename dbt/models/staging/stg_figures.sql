-- Every published figure of every statistics source (raw.figures), with the edition's year
-- for picking the latest vintage and a country key (ISO3, or AGG:<kind> for aggregates).
select
    f.*,
    cast(regexp_extract(f.vintage, '(\d{4})$', 1) as integer) as edition_year,
    coalesce(f.country_iso3, 'AGG:' || f.aggregate_kind) as country_key
from {{ source('raw', 'figures') }} f
