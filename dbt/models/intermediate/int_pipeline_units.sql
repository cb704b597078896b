-- What a pipeline figure is counted once for: a group of projects quoted together (the Cove
-- Capital / Tau-Ken Samruk JV's two deposits), or a project on its own. One row per project
-- with its unit.
select p.project_id, coalesce(p.group_id, p.project_id) as unit_id,
       case when p.group_id is null then 'project' else 'project_group' end as unit_type
from {{ ref('stg_projects') }} p
