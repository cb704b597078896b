-- Every curated claim judged on the warehouse's own evidence (marts never type a figure in):
-- against the edition of the production-rank-1 source that was current when the claim was
-- made (ref.editions current_from <= the claim's date) and against the latest edition holding
-- the figure. Observed claims: consistent (the latest edition agrees), outdated (an edition
-- agreed, the latest does not: right then or earlier, superseded now), inconsistent (no edition
-- agrees). Forecasts, judged by editions published after the claim: borne_out, not_borne_out,
-- or pending (no figure yet). Evidence that cannot decide the claim makes it unverifiable (figures
-- rounded coarser than the change claimed) or not_comparable (a national figure against a world
-- total on another basis or coverage), with why. A claim set against another claim (reconcile_rule claim:<id>) is
-- consistent or inconsistent with it: both stay (disagrees_with names the other claim also where
-- the warehouse judges the claim). Nothing to check against: unverifiable.
with c as (
    select *, coalesce(try_strptime(date_published, '%Y-%m-%d'), try_strptime(date_published, '%Y-%m'),
                       try_strptime(date_published, '%Y'))::date as claim_date
    from {{ ref('stg_claims') }}
),
ev as (select * from {{ ref('int_claim_evidence') }}),
per_claim as (
    select c.claim_id,
           arg_max(ev.vintage, ev.vintage) filter (where ev.current_from <= c.claim_date) as as_of_vintage,
           arg_max(ev.matches, ev.vintage) filter (where ev.current_from <= c.claim_date) as as_of_matches,
           arg_max(ev.evidence_value, ev.vintage) filter (where ev.current_from <= c.claim_date) as as_of_value,
           max(ev.vintage) as latest_vintage,
           arg_max(ev.matches, ev.vintage) as latest_matches,
           arg_max(ev.evidence_value, ev.vintage) as latest_value,
           bool_or(ev.matches) as any_matches,
           arg_max(ev.undecided_reason, ev.vintage) as latest_undecided_reason,
           arg_max(ev.undecided_status, ev.vintage) as latest_undecided_status,
           string_agg(ev.vintage, ', ' order by ev.vintage) filter (where ev.matches) as matching_vintages,
           max(ev.vintage) filter (where ev.current_from > c.claim_date) as later_vintage,
           arg_max(ev.matches, ev.vintage) filter (where ev.current_from > c.claim_date) as later_matches,
           string_agg(ev.vintage || case when ev.current_from <= c.claim_date then '' else ' (after the claim)' end
                      || ': ' || ev.evidence_shown, '; ' order by ev.vintage) as evidence
    from c join ev using (claim_id)
    group by c.claim_id
),
other as (select claim_id, value, value_text, source_id from c),
judged as (
    select c.*, p.as_of_vintage, p.latest_vintage, p.evidence, p.matching_vintages, p.latest_undecided_reason,
           case
               when c.reconcile_rule like 'claim:%' then o.value
               else p.latest_value
           end as warehouse_value,
           case
               when c.reconcile_rule like 'claim:%' and o.claim_id is null then 'unverifiable'
               when c.reconcile_rule like 'claim:%'
                    and coalesce(c.value::varchar, c.value_text) = coalesce(o.value::varchar, o.value_text) then 'consistent'
               when c.reconcile_rule like 'claim:%' then 'inconsistent'
               when c.reconcile_rule <> 'warehouse' then 'unverifiable'
               when p.latest_undecided_reason is not null then p.latest_undecided_status
               when c.is_forecast and p.later_vintage is not null then case when p.later_matches then 'borne_out' else 'not_borne_out' end
               when c.is_forecast then 'pending'
               when p.latest_vintage is null then 'unverifiable'
               when p.latest_matches then 'consistent'
               when p.any_matches then 'outdated'
               else 'inconsistent'
           end as status
    from c
    left join per_claim p using (claim_id)
    left join other o on c.reconcile_rule like 'claim:%' and o.claim_id = substr(c.reconcile_rule, 7)
)
select
    claim_id,
    subject,
    metric,
    period,
    value as claimed_value,
    value_high as claimed_value_high,
    value_text as claimed_text,
    unit as claimed_unit,
    basis as claimed_basis,
    qualifier,
    is_forecast,
    case when unit in ('t', 't_per_year') then value_t_w else value end as claimed_value_normalized,
    warehouse_value,
    as_of_vintage as edition_current_at_claim,
    latest_vintage as latest_edition,
    matching_vintages as editions_agreeing,
    status,
    case
        when reconcile_rule like 'claim:%' then
            'Against ' || substr(reconcile_rule, 7) || ': ' || concat_ws(' ', {{ fmt_num('warehouse_value') }},
            (select o.value_text from other o where o.claim_id = substr(reconcile_rule, 7))) || ' vs this claim''s '
            || concat_ws(' ', {{ fmt_num('value') }}, value_text) || ' (' || source_id || ')'
        when latest_undecided_reason is not null and status in ('unverifiable', 'not_comparable') then
            'Not decided (' || latest_vintage || '): ' || latest_undecided_reason || '. Evidence: ' || evidence || '.'
        when status = 'unverifiable' and reconcile_rule = 'warehouse' then 'The warehouse holds no figure this claim can be checked against.'
        when status = 'unverifiable' then 'Not a figure the warehouse holds (reconcile_rule ' || coalesce(reconcile_rule, 'none') || ').'
        when status = 'pending' then 'A forecast for ' || period || ': no edition after the claim holds the figure yet. ' || coalesce('Evidence so far: ' || evidence, '')
        else 'Claimed ' || concat_ws(' ', {{ fmt_num('value') }}, '-' || {{ fmt_num('value_high') }}, value_text) || ' (' || qualifier
             || case when basis not in ('W', 'not_applicable') then ', basis ' || basis || case when basis = 'unknown' then ', compared as quoted' else '' end else '' end
             || ', ' || date_published || ')'
             || coalesce('; edition current then: ' || as_of_vintage, '; no edition current then held it')
             || '. Evidence: ' || evidence || '.'
             || coalesce(' Agrees with ' || matching_vintages || '.', ' No edition agrees.')
    end as explanation,
    disagrees_with,
    (select concat_ws(' ', {{ fmt_num('o.value') }}, o.value_text) || ' (' || o.source_id || ')' from other o
     where o.claim_id = judged.disagrees_with) as other_claim_says,
    source_id,
    date_published,
    location,
    quote
from judged
