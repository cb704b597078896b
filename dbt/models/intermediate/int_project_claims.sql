-- Every curated project figure as the claim it is: its scope (the project or group it is quoted
-- for), its source page (publisher, URL, date) and words, and which claim the marts use. Phases
-- named phase_2.., expansion or stage_2.. are expansions (phase_key = the phase); any other
-- (none, phase_1, restart, a plan's name) is the base case (phase_key 'base'). For each scope,
-- figure, phase_key and category one claim is selected: one convertible to t W before one that
-- is not (ore throughput, unknown basis), then the newest page's, then the first in the file. A
-- claim disagrees with the selected one when both are in t W (or in the same unit) and differ
-- by more than 2%.
with f as (
    select f.*, coalesce(f.group_id, f.project_id) as scope_id,
           case when f.group_id is null then 'project' else 'project_group' end as scope_type,
           case when regexp_matches(coalesce(f.phase, ''), '^(phase_[2-9]|expansion|stage_[2-9])') then f.phase else 'base' end
               as phase_key,
           try_cast(regexp_extract(f.source_item, '\[(\d+)\]', 1) as integer) as item_no
    from {{ ref('stg_project_figures') }} f
),
s as (select source_id, publisher, title, url, date_published, source_type from {{ ref('stg_sources') }}),
ranked as (
    select f.*, s.publisher, s.title as source_title, s.url as source_url, s.date_published as source_date,
           s.source_type,
           row_number() over (partition by f.scope_id, f.figure, f.phase_key, coalesce(f.category, '')
                              order by f.value_t_w is null, s.date_published desc nulls last, f.item_no) as pick
    from f left join s using (source_id)
),
selected as (select * from ranked where pick = 1)
select r.source_item as claim_id, r.scope_id, r.scope_type, r.project_id, r.group_id, r.figure, r.phase, r.phase_key,
       r.category, r.code, r.year, r.value, r.unit, r.basis, r.grade_pct_wo3, r.grade_is_assumed, r.grade_note, r.value_t_w,
       r.as_published, r.quote, r.note, r.source_id, r.publisher, r.source_title, r.source_url, r.source_date,
       r.source_type, r.pick = 1 as is_selected,
       sel.source_item as selected_claim_id,
       r.pick > 1 and coalesce(
           case when r.value_t_w is not null and sel.value_t_w is not null and sel.value_t_w <> 0
                then abs(r.value_t_w - sel.value_t_w) / sel.value_t_w > 0.02 end,
           case when r.unit = sel.unit and sel.value <> 0 then abs(r.value - sel.value) / abs(sel.value) > 0.02 end,
           false) as disagrees_with_selected,
       r.source_file, r.source_sha256
from ranked r
join selected sel on sel.scope_id = r.scope_id and sel.figure = r.figure and sel.phase_key = r.phase_key
                 and coalesce(sel.category, '') = coalesce(r.category, '')
