-- raw.price_assessments as loaded: curated price assessments (columns described in _sources.yml).
select
    assessment_id,
    product_family,
    description,
    market,
    currency,
    unit,
    wo3_grade_pct,
    assessed_by,
    {{ curated_line_provenance() }}
from {{ source('raw', 'price_assessments') }}
