-- The world's exporters and importers of each HS code: each country's flow as a share of
-- the world total. A country's flow is its own World row where it has one, else the sum
-- over its partners (BACI and Comtrade partner rows). The world total is the source's own
-- World row where it has one (ITC's World line, the aggregate's total), else the sum over
-- countries. Areas (EU, nes) are not ranked: they would double count their members. The
-- world total is not repeated on each country's row: a published one is in trade_totals,
-- else it is the sum of the rows.
with flows as (
    select * from {{ ref('int_trade_sides') }}
),
by_country as (
    select f.source_id, any_value(f.flow_basis) as flow_basis, f.hs_code, f.flow, f.year, f.reporter_iso3,
           coalesce(sum(f.value_usd) filter (where f.partner_iso3 = 'WLD'),
                    sum(f.value_usd) filter (where f.partner_iso3 <> 'WLD')) as value_usd,
           coalesce(sum(f.net_weight_kg) filter (where f.partner_iso3 = 'WLD'),
                    sum(f.net_weight_kg) filter (where f.partner_iso3 <> 'WLD')) / 1000.0 as quantity_t
    from flows f
    left join {{ ref('stg_trade_areas') }} a on a.area_code = f.reporter_iso3 and a.is_area
    where a.area_code is null
    group by f.source_id, f.hs_code, f.flow, f.year, f.reporter_iso3
),
world_row as (
    select source_id, hs_code, flow, year, value_usd as world_value_usd
    from flows
    where partner_iso3 = 'WLD' and reporter_iso3 = 'WLD'
)
select b.source_id, b.flow_basis, b.hs_code, b.flow, b.year, b.reporter_iso3, b.value_usd, b.quantity_t,
       w.world_value_usd is not null as world_is_published,
       100.0 * b.value_usd
           / nullif(coalesce(w.world_value_usd, sum(b.value_usd) over (partition by b.source_id, b.hs_code, b.flow, b.year)), 0)
           as share_pct,
       rank() over (partition by b.source_id, b.hs_code, b.flow, b.year order by b.value_usd desc) as rank
from by_country b
left join world_row w using (source_id, hs_code, flow, year)
where b.value_usd is not null
