-- One row per pipeline unit: a group of projects quoted together, or a project on its own.
-- The grain at which capacity, capex, reserves and timelines are quoted, so a plain SUM of any
-- column is the pipeline's total (each figure counted once). Capacity is the selected claim for
-- the first phase (marts.project_claims lists every claim, expansions and disagreements too);
-- a group without a group-level figure takes the sum of its projects' own figures. A unit whose
-- pages quote an ore rate but no output in t W gets a derived capacity (ore x head grade x
-- recovery, each quoted or an assumption flagged; intermediate.int_capacity_derivation).
with c as (
    select *,
           case when value_t_w is null and unit not in ('usd', 'eur', 'cad', 'aud', 'gbp', 'krw') then
               as_published || ' (' || unit || ', basis ' || basis || '): ' || case
                   when basis = 'unknown' then 'the page does not state its basis, so it stays as quoted'
                   when basis in ('ore', 'concentrate') then 'no grade quoted or assumed to convert it'
                   else 'not a tonnage convertible to t W' end end as t_w_missing_reason
    from {{ ref('int_project_claims') }} where is_selected
),
members as (
    select u.unit_id, any_value(u.unit_type) as unit_type, string_agg(p.project_id, ',' order by p.project_id) as project_ids,
           count(*) as n_projects,
           case when count(distinct p.country_iso3) = 1 then any_value(p.country_iso3) end as country_iso3,
           string_agg(distinct p.country_iso3, ',') as countries,
           any_value(p.name) filter (where u.unit_type = 'project') as project_name
    from {{ ref('int_pipeline_units') }} u join {{ ref('stg_projects') }} p using (project_id)
    group by u.unit_id
),
scoped as (
    -- each selected figure at its unit: group figures as they are, project figures of a group's members
    -- only where the group has none of that figure
    select c.scope_id as unit_id, c.* exclude (scope_id)
    from c where c.scope_type = 'project_group'
    union all
    select m.unit_id, c.* exclude (scope_id)
    from c join {{ ref('int_pipeline_units') }} m on m.project_id = c.scope_id and c.scope_type = 'project'
    where m.unit_type = 'project'
       or not exists (select 1 from c g where g.scope_id = m.unit_id and g.figure = c.figure)
),
first_phase as (select * from scoped where phase_key = 'base'),
figs as (
    select unit_id,
           sum(value_t_w) filter (where figure = 'capacity') as capacity_t_w_per_year,
           string_agg(as_published || ' (' || unit || ', ' || basis
                      || case when grade_is_assumed then ', assumed ' || grade_pct_wo3 || '% WO3' else '' end || ')', '; ')
               filter (where figure = 'capacity') as capacity_as_quoted,
           bool_or(grade_is_assumed) filter (where figure = 'capacity') as capacity_grade_is_assumed,
           string_agg(distinct source_id, ',') filter (where figure = 'capacity') as capacity_source_ids,
           string_agg(distinct source_tier, ',') filter (where figure = 'capacity') as capacity_source_tier,
           case when count(value_t_w) filter (where figure = 'capacity') = 0
                then string_agg(t_w_missing_reason, '; ') filter (where figure = 'capacity') end as capacity_t_w_missing_reason,
           sum(value) filter (where figure = 'capex' and unit = 'usd') as capex_usd,
           string_agg(as_published, '; ') filter (where figure = 'capex') as capex_as_quoted,
           string_agg(distinct source_id, ',') as figure_source_ids
    from first_phase group by unit_id
),
res as (
    select unit_id,
           arg_max(value_t_w, (source_date, claim_id)) filter (where figure = 'reserves') as reserves_t_w,
           arg_max(t_w_missing_reason, (source_date, claim_id)) filter (where figure = 'reserves') as reserves_t_w_missing_reason,
           arg_max(source_tier, (source_date, claim_id)) filter (where figure = 'reserves') as reserves_source_tier,
           arg_max(as_published || coalesce(' (' || category || ')', ''), (source_date, claim_id)) filter (where figure = 'reserves') as reserves_as_quoted,
           arg_max(value_t_w, (source_date, claim_id)) filter (where figure = 'resources') as resources_t_w,
           arg_max(as_published || coalesce(' (' || category || ')', ''), (source_date, claim_id)) filter (where figure = 'resources') as resources_as_quoted
    from scoped group by unit_id
),
fin as (
    select unit_id as scope_id, sum(amount_usd) as financing_usd, string_agg(distinct status, ', ' order by status) as financing_status
    from {{ ref('project_financing') }} group by all
)
select
    m.unit_id,
    m.unit_type,
    coalesce(g.name, m.project_name) as unit_name,
    m.project_ids,
    m.n_projects,
    m.country_iso3,
    m.countries,
    t.stage,
    b.owners,
    b.sponsor_bloc,
    b.sponsor_bloc_shares,
    b.sponsor_bloc_basis,
    coalesce(f.capacity_t_w_per_year, d.capacity_t_w_per_year) as capacity_t_w_per_year,
    f.capacity_t_w_per_year is null and d.capacity_t_w_per_year is not null as capacity_is_derived,
    case when f.capacity_t_w_per_year is null and d.capacity_t_w_per_year is not null then
        {{ fmt_num('d.ore_t_per_year') }} || ' t ore/y (' || d.ore_claim_id || ') x ' || round(d.head_grade_pct_wo3, 3)
        || '% WO3 (' || d.head_grade_from || ') x ' || round(d.recovery_pct, 1) || '% recovery (' || d.recovery_from
        || ') x 0.793 t W/t WO3' end as capacity_derivation,
    case when f.capacity_t_w_per_year is null and d.capacity_t_w_per_year is not null
         then d.head_grade_is_assumed or d.recovery_is_assumed end as capacity_inputs_assumed,
    f.capacity_as_quoted,
    f.capacity_grade_is_assumed,
    f.capacity_source_tier,
    case when d.capacity_t_w_per_year is null then f.capacity_t_w_missing_reason end as capacity_t_w_missing_reason,
    f.capex_usd,
    f.capex_as_quoted,
    r.reserves_t_w,
    r.reserves_as_quoted,
    r.reserves_t_w_missing_reason,
    r.reserves_source_tier,
    r.resources_t_w,
    r.resources_as_quoted,
    fin.financing_usd,
    fin.financing_status,
    t.construction_start_year_sponsor,
    t.first_production_year_stated,
    t.sponsor_date_slipped,
    t.first_production_year_sponsor,
    t.first_production_year_conservative,
    t.conservative_is_derived,
    t.probability_of_production,
    (select string_agg(distinct trim(x), ',' order by trim(x)) from unnest(string_split(
        concat_ws(',', g.source_ids, f.figure_source_ids), ',')) t(x) where trim(x) <> '') as source_ids
from members m
left join {{ ref('stg_project_groups') }} g on g.group_id = m.unit_id
left join figs f using (unit_id)
left join res r using (unit_id)
left join {{ ref('int_capacity_derivation') }} d on d.unit_id = m.unit_id and f.capacity_t_w_per_year is null
left join fin on fin.scope_id = m.unit_id
left join {{ ref('int_project_sponsor_bloc') }} b using (unit_id)
left join {{ ref('int_unit_timeline') }} t using (unit_id)
