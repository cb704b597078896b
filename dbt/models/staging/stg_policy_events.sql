-- raw.policy_events as loaded: curated policy events (columns described in _sources.yml).
select
    event_id,
    date_announced,
    date_effective,
    date_ended,
    jurisdiction,
    measure_type,
    title,
    description,
    rate_pct,
    amount,
    amount_unit,
    hs_codes,
    national_codes,
    countries_affected,
    {{ market_citation() }},
    {{ curated_line_provenance() }}
from {{ source('raw', 'policy_events') }}
