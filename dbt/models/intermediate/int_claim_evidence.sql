-- The warehouse's evidence for each checkable claim, one row per claim and edition of the
-- production-rank-1 source (USGS MCS) that holds the figure the claim's check needs
-- (ref.claim_checks), with whether it matches the claim (ref.claim_tolerances,
-- ref.claim_trend_terms) and the date that edition became current (ref.editions). Evidence that
-- cannot decide the claim says why (undecided_reason) and is not matched: a "slight" change
-- against two figures rounded coarser than the change (unverifiable), a national figure against a
-- world total on another basis or without the country (not_comparable).
with src as (select source_id from {{ ref('stg_sources') }} where production_rank = 1),
c as (
    select c.*, k."check"
    from {{ ref('stg_claims') }} c
    join {{ ref('claim_checks') }} k on k.metric = c.metric
    where c.reconcile_rule = 'warehouse'
),
ed as (
    select vintage, current_from from {{ ref('stg_editions') }} where source_id = (select source_id from src)
),
fig as (
    select vintage, country_key, year, metric, value, value_t_w, value_published, qualifier
    from {{ ref('stg_figures') }} where source_id = (select source_id from src)
),
prod as (select * from fig where metric = 'mine_production'),
world_prod as (select vintage, year, value_t_w from prod where country_key = 'AGG:world'),
world_res as (select vintage, value_t_w, value_published from fig where metric = 'reserves' and country_key = 'AGG:world'),
subject as (
    -- a claim's country: the subject itself, or a project's (a group's) country
    select c.claim_id, coalesce(
        case when c.subject_type = 'country' then c.subject end,
        (select any_value(p.country_iso3) from {{ ref('stg_projects') }} p
         where p.project_id = c.subject or p.group_id = c.subject)) as country_iso3
    from c
),
evidence as (
    select c.claim_id, p.vintage, 100.0 * p.value_t_w / w.value_t_w as value,
           round(100.0 * p.value_t_w / w.value_t_w, 1) || '% (' || {{ fmt_num('p.value_t_w') }} || ' of ' || {{ fmt_num('w.value_t_w') }} || ' t W in ' || p.year || ')' as shown,
           null::varchar as undecided_reason, null::varchar as undecided_status
    from c join subject s using (claim_id)
    join prod p on p.country_key = s.country_iso3 and p.year = c.period_year
    join world_prod w on w.vintage = p.vintage and w.year = p.year
    where c."check" = 'production_share' and w.value_t_w > 0
    union all
    select c.claim_id, p.vintage, p.value_t_w, p.value_published || ' t W in ' || p.year, null, null
    from c join subject s using (claim_id) join prod p on p.country_key = s.country_iso3 and p.year = c.period_year
    where c."check" = 'production'
    union all
    select c.claim_id, r.vintage, r.value_t_w, r.value_published || ' t W', null, null
    from c join fig r on r.metric = 'reserves'
         and r.country_key = case when c.subject_type = 'world' then 'AGG:world' else c.subject end
    where c."check" = 'reserves' and r.value_t_w is not null
    union all
    select c.claim_id, w.vintage, 100.0 * own.value_t_w / w.value_t_w,
           round(100.0 * own.value_t_w / w.value_t_w, 1) || '% (the source''s own ' || {{ fmt_num('own.value') }} || ' t ' || own.basis
           || ' = ' || {{ fmt_num('round(own.value_t_w)') }} || ' t W, of world ' || w.value_published || ' t W)',
           -- a national figure is compared with a world total only on the same basis and coverage
           nullif(concat_ws('; ',
               case when own.basis <> 'W' then 'the national figure is quoted as ' || own.basis || ', the world total in t W' end,
               case when c.subject_type = 'country' and not exists (
                        select 1 from fig r where r.vintage = w.vintage and r.metric = 'reserves' and r.country_key = c.subject
                                            and r.value_t_w is not null)
                    then 'the world total (' || w.vintage || ') gives no figure for ' || c.subject || ', so it may not cover it' end), ''),
           'not_comparable'
    from c join {{ ref('stg_claims') }} own
      on own.subject = c.subject and own.source_id = c.source_id and own.metric = 'reserves' and own.value_t_w is not null
    cross join world_res w
    where c."check" = 'share_of_world_reserves' and w.value_t_w > 0
    union all
    select c.claim_id, p.vintage, 100.0 * (p.value_t_w / prev.value_t_w - 1),
           {{ fmt_num('prev.value_t_w') }} || ' t W in ' || prev.year || ' -> ' || {{ fmt_num('p.value_t_w') }} || ' t W in ' || p.year
           || ' (' || round(100.0 * (p.value_t_w / prev.value_t_w - 1), 1) || '%)',
           -- the change two rounded figures can show: undecided when a bound of the trend term lies
           -- within the change's rounding (67,000 -> 67,000, each to the nearest 1,000: 0 +/- 1.5%,
           -- which "declines slightly" (-10% to -0.5%) neither contains nor excludes)
           case when tt.term is not null and (
                     abs(100.0 * (p.value_t_w / prev.value_t_w - 1) - tt.max_change_pct) < r.pct
                     or abs(100.0 * (p.value_t_w / prev.value_t_w - 1) - tt.min_change_pct) < r.pct)
                then 'the figures are rounded (' || {{ fmt_num('prev.value_t_w') }} || ' and ' || {{ fmt_num('p.value_t_w') }}
                     || ' t W): their change, ' || round(100.0 * (p.value_t_w / prev.value_t_w - 1), 1) || '% +/- '
                     || round(r.pct, 1) || '%, can neither show nor rule out "' || lower(c.value_text) || '" ('
                     || tt.min_change_pct || '% to ' || tt.max_change_pct || '%)' end,
           'unverifiable'
    from c join subject s using (claim_id)
    join prod p on p.country_key = s.country_iso3 and p.year = c.period_year
    join prod prev on prev.vintage = p.vintage and prev.country_key = p.country_key and prev.year = p.year - 1
    left join {{ ref('claim_trend_terms') }} tt on tt.term = lower(c.value_text)
    cross join lateral (select 100.0 * ({{ rounding_half_unit('p.value_t_w') }} + {{ rounding_half_unit('prev.value_t_w') }})
                               / prev.value_t_w as pct) r
    where c."check" = 'production_trend' and prev.value_t_w > 0
    union all
    select c.claim_id, p.vintage, p.value_t_w,
           s.country_iso3 || ' ' || coalesce(prev.value_published, 'not listed') || ' in ' || (p.year - 1) || ', '
           || p.value_published || ' t W in ' || p.year, null, null
    from c join subject s using (claim_id)
    join prod p on p.country_key = s.country_iso3 and p.year = c.period_year
    left join prod prev on prev.vintage = p.vintage and prev.country_key = p.country_key and prev.year = p.year - 1
    where c."check" = 'production_start'
    union all
    -- a plant commissioned in a year produces that year or the next: judged on the next year's
    -- output (a November commissioning is not contradicted by the same year's zero)
    select c.claim_id, nxt.vintage, nxt.value_t_w,
           s.country_iso3 || ' ' || coalesce(p.value_published, 'not listed') || ' in ' || c.period_year || ', '
           || nxt.value_published || ' t W in ' || nxt.year, null, null
    from c join subject s using (claim_id)
    join prod nxt on nxt.country_key = s.country_iso3 and nxt.year = c.period_year + 1
    left join prod p on p.vintage = nxt.vintage and p.country_key = nxt.country_key and p.year = c.period_year
    where c."check" = 'commissioning'
    union all
    select c.claim_id, f.vintage, f.value, case when f.value = 1 then 'listed as critical' else 'not listed as critical' end
           || ' (' || f.value_published || ', ' || f.year || ')', null, null
    from c join fig f on f.metric = 'us_critical_mineral_listed'
    where c."check" = 'usgs_critical_list'
),
judged as (
    select e.*, c."check", c.qualifier,
           case
               when e.undecided_reason is not null then null
               when c."check" = 'commissioning' then coalesce(e.value, 0) > 0
               when c."check" = 'production_trend' then e.value >= tt.min_change_pct and e.value < tt.max_change_pct
               when c."check" = 'production_start' then coalesce(e.value, 0) > 0 and coalesce(
                   (select pv.value_t_w from prod pv join subject s on s.claim_id = c.claim_id
                    where pv.vintage = e.vintage and pv.country_key = s.country_iso3 and pv.year = c.period_year - 1), 0) = 0
               when c."check" = 'usgs_critical_list' then e.value = 1
               when c.qualifier = 'range' then e.value between c.value_t_w_or_value and c.value_high_t_w_or_value
               when c.qualifier = 'at_most' then e.value <= c.value_t_w_or_value
                    and e.value >= c.value_t_w_or_value * (1 - coalesce(t.rel_tolerance_pct, 0) / 100)
               when c.qualifier = 'at_least' then e.value >= c.value_t_w_or_value
               when t.abs_tolerance is not null then abs(e.value - c.value_t_w_or_value) <= t.abs_tolerance
               when t.rel_tolerance_pct is not null then abs(e.value - c.value_t_w_or_value) <= t.rel_tolerance_pct / 100 * abs(e.value)
           end as matches
    from evidence e
    join (select *, coalesce(value_t_w, value) as value_t_w_or_value, coalesce(value_high_t_w, value_high) as value_high_t_w_or_value
          from c) c using (claim_id)
    left join {{ ref('claim_tolerances') }} t on t."check" = c."check" and t.qualifier = c.qualifier
    left join {{ ref('claim_trend_terms') }} tt on tt.term = lower(c.value_text)
)
select j.claim_id, j.vintage, ed.current_from, j."check", j.value as evidence_value, j.shown as evidence_shown,
       coalesce(j.matches, false) as matches, j.undecided_reason, j.undecided_status
from judged j left join ed using (vintage)
