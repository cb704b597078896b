-- ref.unit_factors as warehouse/reference_tables.py writes it: units of tonnage and their factor to t W (columns described in _sources.yml).
select
    unit_code,
    label,
    basis,
    to_t_w,
    derivation
from {{ source('ref', 'unit_factors') }}
