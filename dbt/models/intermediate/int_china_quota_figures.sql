-- China's quota figures, one per (year, batch, province): where several pages state a figure
-- for the same key, the one the curator marks selected (its note starts with "selected"; notes
-- starting "not selected" or "alternative" come last), else the earliest published, is selected
-- and the others are listed beside it, flagged when they differ. Province '' is national.
with q as (
    select *, coalesce(province, '') as province_key,
           row_number() over (partition by year, batch, coalesce(province, '')
                              order by {{ curator_choice('note') }}, date_published, quota_id) as pick
    from {{ ref('stg_china_quotas') }}
),
grouped as (
    select year, batch, province_key,
           string_agg(quota_id, ';' order by {{ curator_choice('note') }}, date_published, quota_id) as quota_ids,
           count(distinct quota_t) > 1 as pages_differ
    from q group by all
)
select q.year, q.batch, q.province, q.province_key, q.quota_t, q.basis, q.issuing_body, q.date_issued,
       q.date_published, q.quota_id as selected_quota_id, g.quota_ids, g.pages_differ,
       q.source_id_file as source_id, q.vintage, q.source_id as cited_source_id, s.publisher as source_publisher,
       s.url as source_url, q.location, q.quote, q.as_published, q.note, q.source_file, q.source_line
from q join grouped g using (year, batch, province_key)
left join {{ ref('stg_sources') }} s on s.source_id = q.source_id
where q.pick = 1
