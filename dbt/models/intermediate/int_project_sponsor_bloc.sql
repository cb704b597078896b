-- A unit's owners as text and its sponsor bloc: the bloc holding more than half of the stakes
-- (each owner's bloc is its ultimate parent's). Where no stake is stated, the operator's ultimate
-- parent decides the bloc (Boguty's operator Aral Kegen is a member of China's Jiaxin); without an
-- operator the owners weigh equally. No majority gives 'mixed'.
with o as (
    select *, coalesce(stake_pct, 100.0 / count(*) over (partition by unit_id)) as weight,
           bool_or(stake_pct is not null) over (partition by unit_id) as unit_has_stakes
    from {{ ref('int_project_owners') }}
),
operator as (
    -- a unit's operator: its project's, or the one operator all of a group's projects share
    select u.unit_id, any_value(p.operator_company_id) as operator_company_id
    from {{ ref('int_pipeline_units') }} u join {{ ref('stg_projects') }} p using (project_id)
    group by u.unit_id having count(distinct p.operator_company_id) = 1 and count(p.operator_company_id) = count(*)
),
operator_bloc as (
    select op.unit_id, {{ sponsor_bloc_of('pc.home_country_iso3', 'pc.ownership') }} as sponsor_bloc, pc.name as parent_name
    from operator op
    join {{ ref('int_company_ultimate_parent') }} up on up.company_id = op.operator_company_id
    join {{ ref('stg_companies') }} pc on pc.company_id = up.ultimate_parent_id
),
by_bloc as (
    select unit_id, sponsor_bloc, sum(weight) as weight from o group by all
),
totals as (select unit_id, sum(weight) as total from by_bloc group by all),
owners as (
    select unit_id, string_agg(company_name || coalesce(' ' || stake_pct::integer || '%', ' (stake not stated)'), ', '
                               order by stake_pct desc nulls last) as owners,
           bool_or(unit_has_stakes) as unit_has_stakes
    from o group by all
),
by_stakes as (
    select b.unit_id, any_value(ow.owners) as owners, bool_or(ow.unit_has_stakes) as unit_has_stakes,
           coalesce(max(b.sponsor_bloc) filter (where b.weight > 0.5 * t.total), 'mixed') as sponsor_bloc,
           string_agg(b.sponsor_bloc || ' ' || round(100 * b.weight / t.total, 1) || '%', ', ' order by b.weight desc, b.sponsor_bloc) as sponsor_bloc_shares
    from by_bloc b join totals t using (unit_id) join owners ow using (unit_id)
    group by b.unit_id
)
select s.unit_id, s.owners,
       case when not s.unit_has_stakes and ob.sponsor_bloc is not null then ob.sponsor_bloc else s.sponsor_bloc end as sponsor_bloc,
       case when not s.unit_has_stakes and ob.sponsor_bloc is not null
            then ob.sponsor_bloc || ' 100.0% (no stake stated: the operator''s ultimate parent, ' || ob.parent_name || ')'
            else s.sponsor_bloc_shares end as sponsor_bloc_shares,
       case when not s.unit_has_stakes and ob.sponsor_bloc is not null then 'operator_ultimate_parent'
            when s.unit_has_stakes then 'stakes' else 'owners_weighed_equally' end as sponsor_bloc_basis
from by_stakes s left join operator_bloc ob using (unit_id)
