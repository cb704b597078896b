-- Every figure of the project pipeline as the claim it is: what it is quoted for (a project or a
-- group), the number as published with the words it stands on, and the page (publisher, URL,
-- date, tier). When pages disagree both claims stay: is_selected marks the one the other marts use
-- (ref.figure_selection_rule: stated basis, then page tier, then the newest page), and
-- selection_reason says why each claim was selected or not; disagrees_with_selected marks the
-- ones that differ from it by more than 2%, and a project's figure contradicting its group's.
-- One row per claim: summing value or value_t_w over several claims of one figure counts it twice;
-- filter on is_selected to sum.
select claim_id, scope_type, scope_id, project_id, group_id, figure, phase, phase_key, category, code, year,
       value, unit, basis, basis_class, grade_pct_wo3, grade_is_assumed, grade_note, value_t_w,
       case when value_t_w is null and basis = 'unknown' and unit in ('t', 't_per_year')
            then 'not converted to t W: the page does not state the basis of ' || as_published || ' (kept as quoted)' end
           as t_w_missing_reason,
       as_published, quote, note,
       source_id, publisher, source_title, source_url, source_date, source_type, source_tier,
       is_selected, selected_claim_id, selection_reason, disagrees_with_selected, contradicts_group, source_file, source_sha256
from {{ ref('int_project_claims') }}
