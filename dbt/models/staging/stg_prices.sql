-- raw.prices as loaded: curated prices (columns described in _sources.yml).
select
    observation_id,
    assessment_id,
    period_start,
    period_end,
    price_low,
    price_high,
    price_kind,
    date_published,
    publisher_named,
    {{ market_citation() }},
    currency,
    unit,
    cast(period_start_date as date) as period_start_date,
    cast(period_end_date as date) as period_end_date,
    {{ curated_line_provenance() }}
from {{ source('raw', 'prices') }}
