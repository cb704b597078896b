-- China's tungsten mining quota by province, where a page publishes the provincial annex: one
-- row per (year, batch, province), the figure with its page and quote, and its change on the
-- same batch of the province a year before. National figures are in marts.china_mining_quota
-- (never summed with these: provincial rows are parts of the national total).
with p as (
    select * from {{ ref('int_china_quota_figures') }} where province is not null
)
select p.year, p.batch, p.province, p.quota_t,
       p.quota_t - prev.quota_t as yoy_change_t,
       case when prev.quota_t > 0 then 100.0 * (p.quota_t - prev.quota_t) / prev.quota_t end as yoy_change_pct,
       p.selected_quota_id, p.quota_ids, p.pages_differ, p.basis, p.issuing_body, p.date_issued, p.date_published,
       p.source_id, p.vintage, p.cited_source_id, p.source_publisher, p.source_url, p.location, p.quote,
       p.as_published, p.note, p.source_file, p.source_line
from p
left join p prev on prev.province = p.province and prev.batch = p.batch and prev.year = p.year - 1
