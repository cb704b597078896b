-- raw.project_figures as loaded: project figures as quoted (columns described in _sources.yml).
select
    project_id,
    group_id,
    figure,
    phase,
    value,
    unit,
    basis,
    grade_pct_wo3,
    grade_is_assumed,
    grade_note,
    category,
    code,
    year,
    as_published,
    quote,
    basis_quote,
    note,
    source_id,
    value_t_w,
    {{ curated_provenance() }}
from {{ source('raw', 'project_figures') }}
