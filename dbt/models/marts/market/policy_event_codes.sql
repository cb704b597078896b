-- One row per (event, HS code) of marts.policy_events: the codes a measure names (or that its
-- national codes fall under), as listed, and the 6-digit codes of the trade marts they cover
-- (a 4-digit heading covers its 6-digit subheadings of ref.hs_codes), so a measure joins
-- marts.trade_flows on hs_code.
with listed as (
    select e.event_id, trim(c.code) as hs_code_listed
    from {{ ref('stg_policy_events') }} e,
         unnest(string_split(e.hs_codes, ';')) as c(code)
    where e.hs_codes is not null and trim(c.code) <> ''
),
expanded as (
    select l.event_id, l.hs_code_listed, coalesce(h.hs_code, l.hs_code_listed) as hs_code,
           h.hs_code is not null as in_trade_codes
    from listed l
    left join {{ ref('stg_hs_codes') }} h
      on h.level = 6 and (h.hs_code = l.hs_code_listed or (length(l.hs_code_listed) = 4
                                                           and h.hs_code like l.hs_code_listed || '%'))
)
select x.event_id, x.hs_code, string_agg(distinct x.hs_code_listed, ';') as hs_codes_listed,
       bool_or(x.in_trade_codes) as in_trade_codes, any_value(h.hs_description) as hs_description,
       any_value(h.hs_group) as hs_group,
       any_value(e.jurisdiction) as jurisdiction, any_value(e.measure_type) as measure_type,
       any_value(e.date_announced) as date_announced, any_value(e.date_effective) as date_effective,
       any_value(e.date_ended) as date_ended
from expanded x
join {{ ref('stg_policy_events') }} e using (event_id)
left join {{ ref('stg_hs_codes') }} h on h.hs_code = x.hs_code
group by x.event_id, x.hs_code
