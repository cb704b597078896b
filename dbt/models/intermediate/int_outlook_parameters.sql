-- The outlook's parameters (ref.outlook_parameters, one row per parameter) as one row with a
-- column each, so the outlook models read them by name.
select max(value) filter (where parameter = 'utilisation') as utilisation,
       max(value) filter (where parameter = 'rest_of_world_change_pct_per_year') as row_change_pct,
       max(value) filter (where parameter = 'first_year')::integer as first_year,
       max(value) filter (where parameter = 'last_year')::integer as last_year
from {{ ref('outlook_parameters') }}
