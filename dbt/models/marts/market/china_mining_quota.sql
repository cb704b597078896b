-- China's national tungsten concentrate mining quota (total mining control target) by year and
-- batch, each figure with its page and quote. Two kinds of rows, two columns, so that neither
-- sum counts a tonne twice: batch rows (batch 1, 2, 3) carry batch_quota_t; one total row per
-- year (batch 'total') carries year_total_t, the total as published or, where no page gives
-- one, the sum of the year's batches (total_basis says which). Year-on-year changes: a batch on
-- the same batch a year before; a published total on the year before's published total (a sum
-- of the batches held may be of a year not yet complete). Provinces: china_mining_quota_province.
with national as (
    select * from {{ ref('int_china_quota_figures') }} where province is null
),
batch_sums as (
    select year, sum(quota_t) as batches_sum_t, count(*) as batches_held,
           string_agg(batch, ',' order by batch) as batches
    from national where batch <> 'total' group by year
),
totals as (
    select coalesce(n.year, b.year) as year, 'total' as batch,
           coalesce(n.quota_t, b.batches_sum_t) as year_total_t,
           case when n.quota_t is not null then 'published' else 'sum_of_batches' end as total_basis,
           b.batches_held, b.batches, b.batches_sum_t,
           n.selected_quota_id, n.quota_ids, n.pages_differ, n.basis, n.issuing_body, n.date_issued, n.date_published,
           n.source_id, n.vintage, n.cited_source_id, n.source_publisher, n.source_url, n.location, n.quote,
           n.as_published, n.note, n.source_file, n.source_line
    from (select * from national where batch = 'total') n
    full join batch_sums b on b.year = n.year
),
totals_yoy as (
    -- a published total is compared with the year before's published total only: a sum of the
    -- batches held may be a year still to be completed
    select t.*, p.year_total_t as previous_year_total_t
    from totals t
    left join totals p on p.year = t.year - 1 and p.total_basis = 'published' and t.total_basis = 'published'
),
batches_yoy as (
    select n.*, p.quota_t as previous_year_quota_t
    from national n
    left join national p on p.year = n.year - 1 and p.batch = n.batch
    where n.batch <> 'total'
)
select year, batch, cast(null as double) as batch_quota_t, year_total_t, total_basis, batches_held, batches,
       case when total_basis = 'published' and batches_sum_t is not null then batches_sum_t end
           as published_batches_sum_t,
       year_total_t - previous_year_total_t as yoy_change_t,
       case when previous_year_total_t > 0
            then 100.0 * (year_total_t - previous_year_total_t) / previous_year_total_t end as yoy_change_pct,
       selected_quota_id, quota_ids, pages_differ, basis, issuing_body, date_issued, date_published,
       source_id, vintage, cited_source_id, source_publisher, source_url, location, quote, as_published, note,
       source_file, source_line
from totals_yoy
union all by name
select year, batch, quota_t as batch_quota_t, cast(null as double) as year_total_t,
       cast(null as varchar) as total_basis, cast(null as bigint) as batches_held, cast(null as varchar) as batches,
       cast(null as double) as published_batches_sum_t, quota_t - previous_year_quota_t as yoy_change_t,
       case when previous_year_quota_t > 0 then 100.0 * (quota_t - previous_year_quota_t) / previous_year_quota_t end
           as yoy_change_pct,
       selected_quota_id, quota_ids, pages_differ, basis, issuing_body, date_issued, date_published,
       source_id, vintage, cited_source_id, source_publisher, source_url, location, quote, as_published, note,
       source_file, source_line
from batches_yoy
