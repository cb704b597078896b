-- ref.supply_risk_inputs as warehouse/reference_tables.py writes it: the EU supply-risk inputs (columns described in _sources.yml).
select
    input,
    value,
    unit,
    applies_to,
    source_title,
    publisher,
    url,
    date_published,
    quote,
    note
from {{ source('ref', 'supply_risk_inputs') }}
