-- One row per tungsten project or operating mine: where it is, its stage (with the words and
-- page that state it), owners, and the figures quoted for the project itself. Figures quoted
-- for a group of projects together (the JV's two deposits) are not repeated here: they live at
-- the group's grain in marts.pipeline_units, which every project names (unit_id), so summing
-- any numeric column here never counts a figure twice.
with c as (select * from {{ ref('int_project_claims') }} where is_selected and scope_type = 'project'),
pick as (
    select project_id,
           max(value_t_w) filter (where figure = 'capacity' and phase_key = 'base') as capacity_t_w_per_year,
           max(as_published || ' (' || unit || ', ' || basis || ')') filter (where figure = 'capacity' and phase_key = 'base') as capacity_as_quoted,
           max(source_tier) filter (where figure = 'capacity' and phase_key = 'base') as capacity_source_tier,
           max(value) filter (where figure = 'capex' and unit = 'usd' and phase_key = 'base') as capex_usd,
           max(as_published) filter (where figure = 'capex' and phase_key = 'base') as capex_as_quoted,
           arg_max(value_t_w, (source_date, claim_id)) filter (where figure = 'reserves') as reserves_t_w,
           arg_max(as_published || coalesce(' (' || category || ', ' || code || ')', ''), (source_date, claim_id)) filter (where figure = 'reserves') as reserves_as_quoted,
           arg_max(value_t_w, (source_date, claim_id)) filter (where figure = 'resources') as resources_t_w,
           arg_max(as_published || coalesce(' (' || category || ', ' || code || ')', ''), (source_date, claim_id)) filter (where figure = 'resources') as resources_as_quoted,
           string_agg(distinct source_id, ',' order by source_id) as figure_source_ids
    from c group by project_id
),
claims as (
    select coalesce(project_id, group_id) as scope_id, count(*) as n_claims, bool_or(disagrees_with_selected) as has_disagreement
    from {{ ref('int_project_claims') }} group by all
)
select
    p.project_id,
    p.name as project_name,
    p.aliases,
    p.country_iso3,
    rc.country_name,
    p.region,
    p.stage,
    p.stage_as_of,
    p.stage_source_id,
    p.stage_quote,
    sa.newest_page_date,
    sa.newest_page_source_id,
    sa.stage_is_stale,
    op.name as operator,
    u.unit_id,
    u.unit_type,
    case when u.unit_type = 'project_group' then 'group ' || u.unit_id || ' (see marts.pipeline_units)' else 'project' end
        as figures_quoted_for,
    b.owners,
    b.sponsor_bloc,
    b.sponsor_bloc_basis,
    pk.capacity_t_w_per_year,
    pk.capacity_as_quoted,
    pk.capacity_source_tier,
    pk.capex_usd,
    pk.capex_as_quoted,
    pk.reserves_t_w,
    pk.reserves_as_quoted,
    pk.resources_t_w,
    pk.resources_as_quoted,
    coalesce(cl.n_claims, 0) as n_figure_claims,
    coalesce(cl.has_disagreement, false) as has_disagreement,
    coalesce(p.lat, i.latitude) as latitude,
    coalesce(p.lon, i.longitude) as longitude,
    case when p.lat is not null then 'curated' when i.latitude is not null then 'icmm' end as coordinates_from,
    i.icmm_id,
    i.confidence as icmm_match_confidence,
    i.evidence as icmm_match_evidence,
    (select string_agg(distinct trim(x), ',' order by trim(x)) from unnest(string_split(
        concat_ws(',', p.source_ids, p.stage_source_id, pk.figure_source_ids), ',')) t(x) where trim(x) <> '') as source_ids
from {{ ref('stg_projects') }} p
join {{ ref('int_pipeline_units') }} u using (project_id)
left join {{ ref('stg_countries') }} rc on rc.country_iso3 = p.country_iso3
left join {{ ref('stg_companies') }} op on op.company_id = p.operator_company_id
left join {{ ref('int_project_sponsor_bloc') }} b on b.unit_id = u.unit_id
left join pick pk using (project_id)
left join claims cl on cl.scope_id = p.project_id
left join {{ ref('int_project_icmm_match') }} i using (project_id)
left join {{ ref('int_project_stage_age') }} sa using (project_id)
