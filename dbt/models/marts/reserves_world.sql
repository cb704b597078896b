-- The world's reserves as each USGS edition publishes them (often a lower bound, ">4,700,000"),
-- one row per edition, apart from the country rows of marts.reserves so that those sum: beside
-- it the sum of those rows (countries and "Other countries") and how many are not available.
with r as (
    select * from {{ ref('stg_figures') }} where metric = 'reserves'
),
rows_sum as (
    select source_id, vintage, sum(value_t_w) as rows_sum_t_w, count(*) as n_rows,
           count(*) filter (where value_t_w is null) as n_rows_not_available
    from r
    where aggregate_kind is distinct from 'world'
    group by all
)
select
    w.vintage,
    w.year as reserves_year,
    w.value_t_w as world_reserves_t_w,
    w.value_published as world_reserves_published,
    w.qualifier,
    s.rows_sum_t_w,
    s.n_rows,
    s.n_rows_not_available,
    w.edition_year = max(w.edition_year) over (partition by w.source_id) as is_latest_vintage,
    w.note,
    w.source_id,
    w.source_file,
    w.source_line
from r w
left join rows_sum s using (source_id, vintage)
where w.aggregate_kind = 'world'
