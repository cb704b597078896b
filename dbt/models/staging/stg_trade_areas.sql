-- ref.trade_areas as warehouse/reference_tables.py writes it: trade partners that are not countries (columns described in _sources.yml).
select
    area_code,
    m49,
    area_name,
    kind,
    is_area,
    note
from {{ source('ref', 'trade_areas') }}
