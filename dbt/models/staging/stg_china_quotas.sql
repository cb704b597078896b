-- raw.china_quotas as loaded: curated china quotas (columns described in _sources.yml).
select
    quota_id,
    year,
    batch,
    province,
    quota_t,
    basis,
    issuing_body,
    date_issued,
    date_published,
    {{ market_citation() }},
    {{ curated_line_provenance() }}
from {{ source('raw', 'china_quotas') }}
