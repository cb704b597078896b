-- Each reporter's partners for a flow, HS code and year, as shares of the reporter's
-- total: its own World row where it reported one, else the sum over its partners. For a
-- reconciled source (BACI) the "reporter" is the importer (flow import) or the exporter
-- (flow export) of the one reconciled flow. Areas (World, EU, nes) are never a reporter here.
-- Each row is one flow: its file and line are on the row.
with flows as (
    select f.*
    from {{ ref('int_trade_sides') }} f
    left join {{ ref('stg_trade_areas') }} a on a.area_code = f.reporter_iso3 and a.is_area
    where a.area_code is null
),
partners as (
    select source_id, flow_basis, reporter_iso3, flow, hs_code, year, partner_iso3, value_usd,
           net_weight_kg / 1000.0 as quantity_t, vintage, source_file, source_line
    from flows
    where partner_iso3 <> 'WLD'
),
world as (
    select source_id, reporter_iso3, flow, hs_code, year, value_usd as world_value_usd
    from flows
    where partner_iso3 = 'WLD'
)
select p.source_id, p.flow_basis, p.reporter_iso3, p.flow, p.hs_code, p.year, p.partner_iso3, p.value_usd,
       p.quantity_t,
       w.world_value_usd is not null as total_is_reported,
       100.0 * p.value_usd
           / nullif(coalesce(w.world_value_usd, sum(p.value_usd) over (partition by p.source_id, p.reporter_iso3, p.flow, p.hs_code, p.year)), 0)
           as share_pct,
       rank() over (partition by p.source_id, p.reporter_iso3, p.flow, p.hs_code, p.year order by p.value_usd desc) as rank,
       p.vintage, p.source_file, p.source_line
from partners p
left join world w using (source_id, reporter_iso3, flow, hs_code, year)
