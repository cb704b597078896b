-- Each project's stage against the newest page held for it: the pages the project lists, its
-- stage page, and the pages of every figure, deal, milestone and stake quoted for it or its
-- group. A stage older than ref.pipeline_rules' stale_stage_months against that page is stale:
-- a newer page may say the project has moved on.
{% set as_date %}coalesce(try_strptime(d, '%Y-%m-%d'), try_strptime(d, '%Y-%m'), try_strptime(d, '%Y'))::date{% endset %}
with p as (select * from {{ ref('stg_projects') }}),
pages as (
    select p.project_id, trim(x) as source_id from p, unnest(string_split(p.source_ids, ',')) t(x)
    union all select project_id, stage_source_id from p
    {% for m in ['stg_project_figures', 'stg_project_financing', 'stg_project_milestones', 'stg_project_stakes'] %}
    union all
    select p.project_id, f.source_id from {{ ref(m) }} f
    join p on f.project_id = p.project_id or (f.group_id is not null and f.group_id = p.group_id)
    {% endfor %}
),
dated as (
    select pg.project_id, pg.source_id, {{ as_date | replace('d,', 's.date_published,') }} as page_date
    from pages pg join {{ ref('stg_sources') }} s using (source_id)
),
rule as (select value as months from {{ ref('pipeline_rules') }} where rule = 'stale_stage_months')
select p.project_id, {{ as_date | replace('d,', 'p.stage_as_of,') }} as stage_as_of_date,
       max(dt.page_date) as newest_page_date,
       arg_max(dt.source_id, (dt.page_date, dt.source_id)) as newest_page_source_id,
       coalesce(max(dt.page_date) > {{ as_date | replace('d,', 'p.stage_as_of,') }}
                + to_months((select months from rule)::integer), false) as stage_is_stale
from p left join dated dt using (project_id)
group by p.project_id, p.stage_as_of
