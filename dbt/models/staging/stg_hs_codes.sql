-- ref.hs_codes as warehouse/reference_tables.py writes it: HS codes with group and bounds (columns described in _sources.yml).
select
    hs_code,
    level,
    hs_description,
    hs_group,
    tungsten_specific,
    note,
    hs_group_label,
    min_usd_per_kg,
    max_usd_per_kg
from {{ source('ref', 'hs_codes') }}
