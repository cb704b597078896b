-- Every capacity the pipeline derives rather than quotes, with its inputs: the ore rate a page
-- quotes (t/y), the head grade (% WO3: quoted, the ore reserve's quoted grade, or assumed) and the
-- recovery (quoted or assumed), and the t W a year they give. One row per unit with an ore rate;
-- marts.pipeline_units uses the derived figure only where no capacity in t W is quoted.
select d.*, u.unit_name, u.country_iso3,
       u.capacity_is_derived as used_in_pipeline_units
from {{ ref('int_capacity_derivation') }} d
left join {{ ref('pipeline_units') }} u using (unit_id)
