-- ref.metrics as warehouse/reference_tables.py writes it: metrics a figure can measure (columns described in _sources.yml).
select
    metric,
    dataset,
    unit_code,
    allow_negative,
    description
from {{ source('ref', 'metrics') }}
