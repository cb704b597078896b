-- Current owners of each pipeline unit (a group of projects, or a project): latest stake per
-- company, with each owner's sponsor bloc from its ultimate parent's home country and ownership
-- type (ref.sponsor_blocs; first matching rule wins: exact country and ownership, then country
-- with any ownership, then anything).
with stakes as (
    select coalesce(s.group_id, s.project_id) as unit_id, s.company_id, s.stake_pct, s.valid_from, s.source_id, s.quote
    from {{ ref('stg_project_stakes') }} s
    qualify row_number() over (partition by coalesce(s.group_id, s.project_id), s.company_id order by s.valid_from desc) = 1
)
select s.unit_id, s.company_id, c.name as company_name, c.home_country_iso3, c.ownership,
       s.stake_pct, s.valid_from, s.source_id, s.quote, up.ultimate_parent_id,
       {{ sponsor_bloc_of('pc.home_country_iso3', 'pc.ownership') }} as sponsor_bloc
from stakes s join {{ ref('stg_companies') }} c using (company_id)
join {{ ref('int_company_ultimate_parent') }} up using (company_id)
join {{ ref('stg_companies') }} pc on pc.company_id = up.ultimate_parent_id
