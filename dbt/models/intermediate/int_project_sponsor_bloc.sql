-- A unit's owners as text and its sponsor bloc: the bloc holding more than half of the stakes;
-- where stakes are not stated, owners weigh equally; no majority gives 'mixed'.
with o as (
    select *, coalesce(stake_pct, 100.0 / count(*) over (partition by unit_id)) as weight
    from {{ ref('int_project_owners') }}
),
by_bloc as (
    select unit_id, sponsor_bloc, sum(weight) as weight from o group by all
),
totals as (select unit_id, sum(weight) as total from by_bloc group by all),
owners as (
    select unit_id, string_agg(company_name || coalesce(' ' || stake_pct::integer || '%', ' (stake not stated)'), ', '
                               order by stake_pct desc nulls last) as owners
    from o group by all
)
select b.unit_id, any_value(ow.owners) as owners,
       coalesce(max(b.sponsor_bloc) filter (where b.weight > 0.5 * t.total), 'mixed') as sponsor_bloc,
       string_agg(b.sponsor_bloc || ' ' || round(100 * b.weight / t.total, 1) || '%', ', ' order by b.weight desc, b.sponsor_bloc) as sponsor_bloc_shares
from by_bloc b join totals t using (unit_id) join owners ow using (unit_id)
group by b.unit_id
