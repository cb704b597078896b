-- Flows summed to the three tungsten HS groups without double counting: within one
-- 4-digit heading a reporter's 6-digit rows are used when it published any, else its
-- 4-digit row. Context codes (TOTAL, chapters) are left out.
with ranked as (
    select *,
           max(hs_level) over (
               partition by source_id, reporter_iso3, partner_iso3, flow, year, left(hs_code, 4)
           ) as finest_level
    from {{ ref('int_trade_sides') }}
    where hs_group <> 'context'
)
select source_id, any_value(flow_basis) as flow_basis, reporter_iso3, partner_iso3, flow, year, hs_group,
       hs_group_label, sum(value_usd) as value_usd, sum(net_weight_kg) / 1000.0 as quantity_t
from ranked
where hs_level = finest_level
group by source_id, reporter_iso3, partner_iso3, flow, year, hs_group, hs_group_label
