-- A capacity in t W derived for each unit whose pages quote an ore rate but no output in t W:
-- ore throughput (t/y) x head grade (% WO3) x recovery x W in WO3. Each input is a quoted claim
-- where a page gives one (marts.project_claims: the ore rate, a head_grade or the ore's own
-- grade, else the unit's ore reserve grade; a recovery) or an assumption of
-- ref.outlook_capacity_assumptions, flagged. One row per unit with an ore rate.
with c as (
    select coalesce(u.unit_id, c.scope_id) as unit_id, c.*
    from {{ ref('int_project_claims') }} c
    left join {{ ref('int_pipeline_units') }} u on u.project_id = c.scope_id and c.scope_type = 'project'
    where c.is_selected
),
ore as (
    select unit_id, arg_max(value, (value, claim_id)) as ore_t_per_year, arg_max(claim_id, (value, claim_id)) as ore_claim_id,
           arg_max(grade_pct_wo3, (value, claim_id)) filter (where not coalesce(grade_is_assumed, false)) as ore_grade
    from c where figure = 'capacity' and unit = 't_ore_per_year' and phase_key = 'base'
    group by unit_id
),
grade as (
    select unit_id, arg_max(value, (source_date, claim_id)) as head_grade, arg_max(claim_id, (source_date, claim_id)) as head_grade_claim_id
    from c where figure = 'head_grade' group by unit_id
),
reserve_grade as (
    select unit_id, arg_max(grade_pct_wo3, (source_date, claim_id)) as reserve_grade, arg_max(claim_id, (source_date, claim_id)) as reserve_claim_id
    from c where figure in ('reserves', 'resources') and unit = 't_ore' and grade_pct_wo3 is not null
         and not coalesce(grade_is_assumed, false)
    group by unit_id
),
recovery as (
    select unit_id, arg_max(value, (source_date, claim_id)) as recovery, arg_max(claim_id, (source_date, claim_id)) as recovery_claim_id
    from c where figure = 'recovery' group by unit_id
),
assumed as (
    select unit_id, input, value, rationale from {{ ref('outlook_capacity_assumptions') }}
),
w as (select to_t_w from {{ ref('stg_unit_factors') }} where unit_code = 't_wo3')
select o.unit_id, o.ore_t_per_year, o.ore_claim_id,
       coalesce(g.head_grade, o.ore_grade, r.reserve_grade, ag.value) as head_grade_pct_wo3,
       case when g.head_grade is not null then 'quoted head grade (' || g.head_grade_claim_id || ')'
            when o.ore_grade is not null then 'quoted with the ore rate (' || o.ore_claim_id || ')'
            when r.reserve_grade is not null then 'quoted reserve or resource grade (' || r.reserve_claim_id || ')'
            when ag.value is not null then 'assumed (ref.outlook_capacity_assumptions): ' || ag.rationale end as head_grade_from,
       coalesce(rc.recovery, ar.value, ad.value) as recovery_pct,
       case when rc.recovery is not null then 'quoted (' || rc.recovery_claim_id || ')'
            else 'assumed (ref.outlook_capacity_assumptions): ' || coalesce(ar.rationale, ad.rationale) end as recovery_from,
       g.head_grade is null and o.ore_grade is null and r.reserve_grade is null as head_grade_is_assumed,
       rc.recovery is null as recovery_is_assumed,
       o.ore_t_per_year * coalesce(g.head_grade, o.ore_grade, r.reserve_grade, ag.value) / 100
           * coalesce(rc.recovery, ar.value, ad.value) / 100 * (select to_t_w from w) as capacity_t_w_per_year
from ore o
left join grade g using (unit_id)
left join reserve_grade r using (unit_id)
left join recovery rc using (unit_id)
left join assumed ag on ag.unit_id = o.unit_id and ag.input = 'head_grade_pct_wo3'
left join assumed ar on ar.unit_id = o.unit_id and ar.input = 'recovery_pct'
left join assumed ad on ad.unit_id = '*' and ad.input = 'recovery_pct'
