-- Group-level figures, stakes, financing and milestones applied to each project of the group
-- (the Cove Capital / Tau-Ken Samruk JV quotes capex, capacity and reserves for its two
-- deposits together). `unit_id` identifies what a figure counts once: the group, or the project.
with p as (select * from {{ source('raw', 'projects') }})
select p.project_id, p.group_id, coalesce(p.group_id, p.project_id) as unit_id, 'figure' as kind,
       f.figure as name, f.value, f.unit, f.basis, f.grade_pct_wo3, f.grade_is_assumed, f.grade_note, f.value_t_w,
       null::varchar as status, null::varchar as company_id, null::integer as year, null::varchar as scenario,
       null::varchar as valid_from, f.source_id,
       case when f.group_id is not null then 'joint: ' || f.group_id else 'project' end as scope
from p join {{ source('raw', 'project_figures') }} f
  on f.project_id = p.project_id or (f.group_id is not null and f.group_id = p.group_id)
union all
select p.project_id, p.group_id, coalesce(p.group_id, p.project_id), 'financing', s.instrument, s.amount_usd, 'usd',
       null, null, null, null, null, s.status, s.institution_company_id, null, null, s.date, s.source_id,
       case when s.group_id is not null then 'joint: ' || s.group_id else 'project' end
from p join {{ source('raw', 'project_financing') }} s
  on s.project_id = p.project_id or (s.group_id is not null and s.group_id = p.group_id)
union all
select p.project_id, p.group_id, coalesce(p.group_id, p.project_id), 'stake', 'stake', s.stake_pct, 'pct',
       null, null, null, null, null, null, s.company_id, null, null, s.valid_from, s.source_id,
       case when s.group_id is not null then 'joint: ' || s.group_id else 'project' end
from p join {{ source('raw', 'project_stakes') }} s
  on s.project_id = p.project_id or (s.group_id is not null and s.group_id = p.group_id)
union all
select p.project_id, p.group_id, coalesce(p.group_id, p.project_id), 'milestone', m.event, null, null,
       null, null, null, null, null, null, null, m.year, m.scenario, null, m.source_id,
       case when m.group_id is not null then 'joint: ' || m.group_id else 'project' end
from p join {{ source('raw', 'project_milestones') }} m
  on m.project_id = p.project_id or (m.group_id is not null and m.group_id = p.group_id)
