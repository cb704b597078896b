-- The world's exporters and importers of each HS code: each country's flow with World
-- as a share of the world total, which is the source's own World row where it has one
-- (ITC's World line, the aggregate's total) and otherwise the sum over reporting
-- countries. Areas (EU, nes) are not ranked: they would double count their members.
with by_country as (
    select f.source_id, f.hs_code, f.flow, f.year, f.reporter_iso3, f.value_usd
    from {{ ref('trade_flows') }} f
    left join {{ source('ref', 'trade_areas') }} a on a.area_code = f.reporter_iso3 and a.is_area
    where not f.is_mirror and f.partner_iso3 = 'WLD' and a.area_code is null
),
world_row as (
    select source_id, hs_code, flow, year, value_usd as world_value_usd
    from {{ ref('trade_flows') }}
    where not is_mirror and partner_iso3 = 'WLD' and reporter_iso3 = 'WLD'
)
select b.source_id, b.hs_code, b.flow, b.year, b.reporter_iso3, b.value_usd,
       coalesce(w.world_value_usd, sum(b.value_usd) over (partition by b.source_id, b.hs_code, b.flow, b.year))
           as world_value_usd,
       w.world_value_usd is not null as world_is_published,
       100.0 * b.value_usd / nullif(world_value_usd, 0) as share_pct,
       rank() over (partition by b.source_id, b.hs_code, b.flow, b.year order by b.value_usd desc) as rank
from by_country b
left join world_row w using (source_id, hs_code, flow, year)
