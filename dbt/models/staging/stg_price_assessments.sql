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
    source_id_file,
    vintage,
    source_file,
    source_sha256,
    source_line,
    load_id
from {{ source('raw', 'price_assessments') }}
