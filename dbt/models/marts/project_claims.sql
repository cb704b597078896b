-- Every figure of the project pipeline as the claim it is: what it is quoted for (a project or a
-- group), the number as published with the words it stands on, and the page (publisher, URL,
-- date). When pages disagree both claims stay: is_selected marks the one the other marts use
-- (the newest page's), disagrees_with_selected the ones that differ from it by more than 2%.
-- One row per claim: summing value or value_t_w over several claims of one figure counts it twice;
-- filter on is_selected to sum.
select claim_id, scope_type, scope_id, project_id, group_id, figure, phase, phase_key, category, code, year,
       value, unit, basis, grade_pct_wo3, grade_is_assumed, grade_note, value_t_w, as_published, quote, note,
       source_id, publisher, source_title, source_url, source_date, source_type,
       is_selected, selected_claim_id, disagrees_with_selected, source_file, source_sha256
from {{ ref('int_project_claims') }}
