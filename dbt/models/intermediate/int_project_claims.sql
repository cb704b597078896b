-- Every curated project figure as the claim it is: its scope (the project or group it is quoted
-- for), its source page (publisher, URL, date, tier) and words, and which claim the marts use.
-- Phases named phase_2.., expansion or stage_2.. are expansions (phase_key = the phase); any other
-- (none, phase_1, restart, a plan's name) is the base case (phase_key 'base'). For each scope,
-- figure, phase_key and category one claim is selected by ref.figure_selection_rule, criteria in
-- its step order: a basis stated on the page and converted to t W before a stated one that does
-- not convert, before a headline's unstated basis; then the higher page tier; then the newest
-- page; then the first in the file. Every claim says why it was selected or not. A claim
-- disagrees with the selected one when both are in t W (or in the same unit) and differ by more
-- than 2%. A project's figure that contradicts its group's (the same number on another basis, or
-- more than the group's whole) is a disagreement, never selected over it.
with f as (
    select f.*, coalesce(f.group_id, f.project_id) as scope_id,
           case when f.group_id is null then 'project' else 'project_group' end as scope_type,
           case when regexp_matches(coalesce(f.phase, ''), '^(phase_[2-9]|expansion|stage_[2-9])') then f.phase else 'base' end
               as phase_key,
           case when f.value_t_w is not null then 'converted_t_w' when f.basis = 'unknown' then 'unstated'
                else 'stated_not_converted' end as basis_class,
           try_cast(regexp_extract(f.source_item, '\[(\d+)\]', 1) as integer) as item_no
    from {{ ref('stg_project_figures') }} f
),
s as (select source_id, publisher, title, url, date_published, source_type, tier from {{ ref('stg_sources') }}),
rule as (select * from {{ ref('figure_selection_rule') }}),
claims as (
    select f.*, s.publisher, s.title as source_title, s.url as source_url, s.date_published as source_date,
           s.source_type, s.tier as source_tier,
           dense_rank() over (partition by f.scope_id, f.figure, f.phase_key, coalesce(f.category, '')
                              order by s.date_published desc nulls last) as date_rank
    from f left join s using (source_id)
),
criteria as (
    -- each claim's rank on each criterion of the rule
    select c.source_item, r.step, r.criterion, coalesce(r.rank, 99) as rank, r.why
    from claims c join (select distinct step, criterion from rule) k on true
    left join rule r on r.step = k.step and r.criterion = k.criterion and r.value = case k.criterion
        when 'basis' then c.basis_class when 'page_tier' then c.source_tier when 'page_date' then 'newest'
        when 'file_order' then 'first' end
    where k.criterion in ('basis', 'page_tier')
    union all
    select c.source_item, k.step, k.criterion,
           case k.criterion when 'page_date' then c.date_rank else c.item_no end,
           case k.criterion when 'page_date' then 'its page is dated ' || coalesce(c.source_date, 'nowhere')
                else 'it is ' || c.source_item || ' of the curated file' end
    from claims c join rule k on k.criterion in ('page_date', 'file_order')
),
keyed as (
    select source_item, list(rank order by step) as selection_key
    from criteria group by source_item
),
ranked as (
    select c.*, k.selection_key,
           row_number() over (partition by c.scope_id, c.figure, c.phase_key, coalesce(c.category, '')
                              order by k.selection_key, c.source_item) as pick,
           count(*) over (partition by c.scope_id, c.figure, c.phase_key, coalesce(c.category, '')) as n_claims
    from claims c join keyed k using (source_item)
),
selected as (select * from ranked where pick = 1),
runner_up as (select * from ranked where pick = 2),
group_of as (select project_id, group_id from {{ ref('stg_projects') }} where group_id is not null),
contradiction as (
    -- a project's claim set against its group's selected claim of the same figure, phase and category
    select r.source_item, g.source_item as group_claim_id,
           g.as_published || ' (' || g.unit || ', ' || g.basis || ', ' || g.source_id || ')' as group_says
    from ranked r
    join group_of m on m.project_id = r.scope_id and r.scope_type = 'project'
    join selected g on g.scope_id = m.group_id and g.figure = r.figure and g.phase_key = r.phase_key
                   and coalesce(g.category, '') = coalesce(r.category, '')
    where (r.value = g.value and r.basis <> g.basis)
       or (r.value_t_w is not null and g.value_t_w is not null and r.value_t_w > 1.02 * g.value_t_w)
       or (r.unit = g.unit and r.basis = g.basis and r.value > 1.02 * g.value)
),
deciding as (
    -- for each claim not picked first, the first criterion (in the rule's order) on which it lost
    select r.source_item, arg_min(sc.why, sc.step) as selected_why, arg_min(rc.why, rc.step) as own_why,
           arg_min(sc.criterion, sc.step) as criterion
    from ranked r
    join selected sel on sel.scope_id = r.scope_id and sel.figure = r.figure and sel.phase_key = r.phase_key
                     and coalesce(sel.category, '') = coalesce(r.category, '')
    join criteria rc on rc.source_item = r.source_item
    join criteria sc on sc.source_item = sel.source_item and sc.step = rc.step
    where r.pick > 1 and sc.rank <> rc.rank
    group by r.source_item
),
winning as (
    select ru.scope_id, ru.figure, ru.phase_key, coalesce(ru.category, '') as category_key, d.selected_why, d.criterion
    from runner_up ru join deciding d using (source_item)
)
select r.source_item as claim_id, r.scope_id, r.scope_type, r.project_id, r.group_id, r.figure, r.phase, r.phase_key,
       r.category, r.code, r.year, r.value, r.unit, r.basis, r.basis_class, r.grade_pct_wo3, r.grade_is_assumed, r.grade_note,
       r.value_t_w, r.as_published, r.quote, r.note, r.source_id, r.publisher, r.source_title, r.source_url, r.source_date,
       r.source_type, r.source_tier,
       r.pick = 1 and x.source_item is null as is_selected,
       coalesce(x.group_claim_id, sel.source_item) as selected_claim_id,
       x.source_item is not null as contradicts_group,
       case
           when x.source_item is not null then 'not selected: contradicts its group''s figure ' || x.group_claim_id || ' '
                || x.group_says || '; shown as a disagreement, never selected over it'
           when r.pick = 1 and r.n_claims = 1 then 'selected: the only claim'
           when r.pick = 1 then 'selected over ' || (r.n_claims - 1) || ' other claim(s): ' || coalesce(w.selected_why, 'tied on every criterion')
           else 'not selected: ' || sel.source_item || ' ' || coalesce(d.selected_why || ', while this claim: ' || d.own_why, 'ranks first')
       end as selection_reason,
       (x.source_item is not null) or (r.pick > 1 and coalesce(
           case when r.value_t_w is not null and sel.value_t_w is not null and sel.value_t_w <> 0
                then abs(r.value_t_w - sel.value_t_w) / sel.value_t_w > 0.02 end,
           case when r.unit = sel.unit and sel.value <> 0 then abs(r.value - sel.value) / abs(sel.value) > 0.02 end,
           false)) as disagrees_with_selected,
       r.source_file, r.source_sha256
from ranked r
join selected sel on sel.scope_id = r.scope_id and sel.figure = r.figure and sel.phase_key = r.phase_key
                 and coalesce(sel.category, '') = coalesce(r.category, '')
left join contradiction x on x.source_item = r.source_item
left join deciding d on d.source_item = r.source_item
left join winning w on w.scope_id = r.scope_id and w.figure = r.figure and w.phase_key = r.phase_key
                   and w.category_key = coalesce(r.category, '')
