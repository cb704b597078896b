-- Every curated claim set against the warehouse (or against the claim it disagrees with),
-- with a status: consistent, inconsistent, basis_mismatch or unverifiable. Shares are
-- consistent within 2 percentage points (USGS rounds its world total); years and texts must
-- match exactly. Disagreement is data: both claims stay, each pointing at the other.
with c as (select * from {{ source('raw', 'claims') }}),
usgs_share as (
    select year, share_pct, vintage, production_t_w, world_production_t_w
    from {{ ref('supply_share') }}
    where country_iso3 = 'CHN'
      and source_id = (select source_id from {{ source('meta', 'sources') }} where production_rank = 1)
),
usgs_world_reserves as (
    select vintage, reserves_t_w, reserves_published, is_latest_vintage
    from {{ ref('reserves') }} where is_aggregate and country_name like 'World%'
),
latest_reserves as (select * from usgs_world_reserves where is_latest_vintage),
kaz_usgs as (
    select reserves_published from {{ ref('reserves') }} where is_latest_vintage and country_iso3 = 'KAZ'
),
other as (select claim_id, value, value_text, source_id from c),
ranged as (
    select c.claim_id,
           string_agg(w.vintage || ' ' || w.reserves_published, ', ' order by w.vintage) as editions,
           bool_or(w.reserves_t_w = c.value) and bool_or(w.reserves_t_w = c.value_high) as both_bounds_match
    from c join usgs_world_reserves w on true
    where c.reconcile_rule = 'usgs_world_reserves_editions'
    group by c.claim_id
),
judged as (
    select
        c.*,
        case
            when c.reconcile_rule = 'usgs_china_share' then s.share_pct
            when c.reconcile_rule = 'usgs_world_reserves_editions' then lr.reserves_t_w
            when c.reconcile_rule = 'kaz_share_of_world_reserves'
                then 100.0 * (select max(k.value_t_w) from c k where k.subject = c.subject and k.metric = 'reserves' and k.source_id = c.source_id) / lr.reserves_t_w
            when c.reconcile_rule like 'claim:%' then o.value
        end as warehouse_value,
        case
            when c.reconcile_rule = 'usgs_china_share' and s.share_pct is null then 'unverifiable'
            when c.reconcile_rule = 'usgs_china_share' and abs(c.value - s.share_pct) <= 2 then 'consistent'
            when c.reconcile_rule = 'usgs_china_share' then 'inconsistent'
            when c.reconcile_rule = 'usgs_world_reserves_range' and c.basis not in ('W', 'unknown') then 'basis_mismatch'
            when c.reconcile_rule = 'kaz_share_of_world_reserves' then 'basis_mismatch'
            when c.reconcile_rule = 'usgs_world_reserves_editions' and r.both_bounds_match then 'consistent'
            when c.reconcile_rule = 'usgs_world_reserves_editions' then 'inconsistent'
            when c.reconcile_rule like 'claim:%' and o.claim_id is null then 'unverifiable'
            when c.reconcile_rule like 'claim:%' and coalesce(c.value::varchar, c.value_text) = coalesce(o.value::varchar, o.value_text) then 'consistent'
            when c.reconcile_rule like 'claim:%' then 'inconsistent'
            else 'unverifiable'
        end as status,
        case
            when c.reconcile_rule = 'usgs_china_share' then
                'USGS ' || s.vintage || ': China ' || {{ fmt_num('s.production_t_w') }} || ' t W of a ' || {{ fmt_num('s.world_production_t_w') }}
                || ' t W world total in ' || c.period_year || ' = ' || round(s.share_pct, 1) || '%; the claim says '
                || {{ fmt_num('c.value') }} || '% (' || round(c.value - s.share_pct, 1) || ' percentage points)'
            when c.reconcile_rule = 'usgs_world_reserves_range' then
                'The claim is ' || {{ fmt_num('c.value') }} || ' t on a ' || c.basis || ' basis = ' || {{ fmt_num('round(c.value_t_w)') }}
                || ' t W; USGS reports reserves in t W (world ' || lr.reserves_published || ' t W in ' || lr.vintage
                || ', Kazakhstan ' || coalesce((select reserves_published from kaz_usgs), 'not listed')
                || '). Comparing it with world totals in t W mixes bases.'
            when c.reconcile_rule = 'kaz_share_of_world_reserves' then
                'The share rests on the same source''s reserves in WO3 compared with world reserves in t W. Its WO3 figure is '
                || round((select max(k.value_t_w) from c k where k.subject = c.subject and k.metric = 'reserves' and k.source_id = c.source_id) / 1e6, 3)
                || ' Mt W: ' || {{ fmt_num("round(100 * (select max(k.value_t_w) from c k where k.subject = c.subject and k.metric = 'reserves' and k.source_id = c.source_id) / 4.4e6)") }}
                || '-' || {{ fmt_num("round(100 * (select max(k.value_t_w) from c k where k.subject = c.subject and k.metric = 'reserves' and k.source_id = c.source_id) / 3.8e6)") }}
                || '% of those totals, and ' || round(100 * (select max(k.value_t_w) from c k where k.subject = c.subject and k.metric = 'reserves' and k.source_id = c.source_id) / lr.reserves_t_w, 1)
                || '% of USGS ' || lr.vintage || ' world reserves (' || lr.reserves_published || ' t W).'
            when c.reconcile_rule = 'usgs_world_reserves_editions' then
                'The claim says ' || {{ fmt_num('c.value') }} || '-' || {{ fmt_num('c.value_high') }} || ' t. USGS world reserves by edition: ' || r.editions || '. The claim does not state its basis (USGS reports t W); compared as quoted, not converted.'
            when c.reconcile_rule like 'claim:%' then
                'Against ' || o.claim_id || ' (' || o.source_id || '): ' || concat_ws(' ', {{ fmt_num('o.value') }}, o.value_text)
                || ' vs ' || concat_ws(' ', {{ fmt_num('c.value') }}, c.value_text) || ' (' || c.source_id || ')'
            when c.basis = 'unknown' then 'The source does not state the basis (W or WO3): not converted, nothing to compare in t W.'
            else 'No warehouse figure to compare with.'
        end as explanation
    from c
    left join usgs_share s on c.reconcile_rule = 'usgs_china_share' and s.year = c.period_year
    left join latest_reserves lr on true
    left join ranged r on r.claim_id = c.claim_id
    left join other o on c.reconcile_rule like 'claim:%' and o.claim_id = substr(c.reconcile_rule, 7)
)
select
    claim_id,
    subject,
    metric,
    period,
    value as claimed_value,
    value_text as claimed_text,
    unit as claimed_unit,
    basis as claimed_basis,
    case when unit in ('t', 't_per_year') then value_t_w else value end as claimed_value_normalized,
    warehouse_value,
    case when status in ('consistent', 'inconsistent', 'basis_mismatch') and unit not in ('year', 'text') and warehouse_value <> 0 then
        100.0 * ((case when unit in ('t', 't_per_year') then value_t_w else value end) - warehouse_value) / warehouse_value
    end as difference_pct,
    status,
    explanation,
    source_id,
    date_published,
    location,
    quote
from judged
