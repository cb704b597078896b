-- One row per tungsten project: owners and bloc, money, reserves and capacity as quoted and
-- in t W, first production in the sponsor's and the conservative case, location from ICMM.
-- Figures quoted for a group of projects (figures_scope 'joint: ...') repeat on each of its
-- projects; pipeline_capacity_by_year counts them once.
with a as (select * from {{ ref('int_project_attributes') }}),
capex as (select project_id, sum(value) as capex_usd, string_agg(distinct source_id, ',') as src, any_value(scope) as scope
          from a where kind = 'figure' and name = 'capex' group by all),
capacity as (select project_id, value, unit, basis, grade_pct_wo3, grade_is_assumed, grade_note, value_t_w, source_id, scope
             from a where kind = 'figure' and name = 'capacity'
             qualify row_number() over (partition by project_id order by source_id) = 1),
reserves as (select project_id, value, unit, basis, value_t_w, source_id
             from a where kind = 'figure' and name = 'reserves'
             qualify row_number() over (partition by project_id order by source_id) = 1),
financing as (
    select project_id, sum(value) as financing_usd,
           string_agg(distinct status, ', ') as financing_status,
           string_agg(c.name || ': ' || a.name || ' US$' || round(value / 1e6) || 'm (' || status || ')', '; ') as financing_detail,
           string_agg(distinct a.source_id, ',') as src
    from a left join {{ source('raw', 'companies') }} c on c.company_id = a.company_id
    where kind = 'financing' group by all
),
milestones as (
    select project_id,
           max(year) filter (where scenario = 'sponsor' and name = 'first_production') as first_production_year_sponsor,
           max(year) filter (where scenario = 'conservative' and name = 'first_production') as first_production_year_conservative,
           max(year) filter (where scenario = 'sponsor' and name = 'construction_start') as construction_start_year_sponsor,
           string_agg(distinct source_id, ',') as src
    from a where kind = 'milestone' group by all
),
owners as (
    select project_id,
           string_agg(company_name || coalesce(' ' || stake_pct::integer || '%', ' (stake not stated)'), ', '
                      order by stake_pct desc nulls last) as owners,
           string_agg(distinct source_id, ',') as src
    from {{ ref('int_project_owners') }} group by all
)
select
    p.project_id,
    p.name as project_name,
    p.country_iso3,
    p.region,
    p.stage,
    op.name as operator,
    o.owners,
    b.sponsor_bloc,
    b.sponsor_bloc_shares,
    capex.capex_usd,
    f.financing_usd,
    f.financing_status,
    f.financing_detail,
    {{ fmt_num('r.value') }} || ' ' || r.unit as reserves_as_quoted,
    r.basis as reserves_basis,
    r.value_t_w as reserves_t_w,
    {{ fmt_num('cap.value') }} || ' ' || cap.unit || ' ' || cap.basis as capacity_as_quoted,
    cap.grade_pct_wo3 as capacity_grade_pct_wo3,
    cap.grade_is_assumed as capacity_grade_is_assumed,
    cap.grade_note as capacity_grade_note,
    cap.value_t_w as capacity_t_w_per_year,
    coalesce(cap.scope, capex.scope, 'project') as figures_scope,
    coalesce(p.group_id, p.project_id) as unit_id,
    m.construction_start_year_sponsor,
    m.first_production_year_sponsor,
    m.first_production_year_conservative,
    i.latitude,
    i.longitude,
    i.icmm_id,
    i.confidence as icmm_match_confidence,
    i.evidence as icmm_match_evidence,
    (select string_agg(distinct trim(x), ',' order by trim(x)) from unnest(string_split(
        concat_ws(',', p.source_ids, capex.src, f.src, m.src, o.src, cap.source_id, r.source_id), ',')) t(x)
     where trim(x) <> '') as source_ids
from {{ source('raw', 'projects') }} p
left join {{ source('raw', 'companies') }} op on op.company_id = p.operator_company_id
left join owners o using (project_id)
left join {{ ref('int_project_sponsor_bloc') }} b using (project_id)
left join capex using (project_id)
left join financing f using (project_id)
left join capacity cap using (project_id)
left join reserves r using (project_id)
left join milestones m using (project_id)
left join {{ ref('int_project_icmm_match') }} i using (project_id)
