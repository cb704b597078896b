-- How much of a country's imports of each tungsten group comes from China, and from its
-- largest partner. Reported imports only (a mirror would show only the partners that
-- report, overstating any one of them); the total is the country's own World row where
-- it reported one, else the sum over its partners.
with imports as (
    select * from {{ ref('int_trade_group_leaf') }} where flow = 'import'
),
total as (
    select source_id, reporter_iso3, year, hs_group, hs_group_label,
           sum(value_usd) filter (where partner_iso3 = 'WLD') as world_usd,
           sum(value_usd) filter (where partner_iso3 <> 'WLD') as partners_usd,
           coalesce(sum(value_usd) filter (where partner_iso3 = 'CHN'), 0) as from_china_usd,
           count(*) filter (where partner_iso3 <> 'WLD') as n_partners
    from imports
    group by all
),
top_partner as (
    select source_id, reporter_iso3, year, hs_group, partner_iso3, value_usd
    from imports
    where partner_iso3 <> 'WLD'
    qualify row_number() over (partition by source_id, reporter_iso3, year, hs_group order by value_usd desc, partner_iso3) = 1
)
select t.source_id, t.reporter_iso3 as country_iso3, t.year, t.hs_group, t.hs_group_label,
       coalesce(t.world_usd, t.partners_usd) as imports_usd,
       t.world_usd is not null as total_is_reported,
       case when t.n_partners > 0 then t.from_china_usd end as from_china_usd,
       case when t.n_partners > 0 then 100.0 * t.from_china_usd / nullif(coalesce(t.world_usd, t.partners_usd), 0) end
           as from_china_pct,
       p.partner_iso3 as top_partner_iso3,
       100.0 * p.value_usd / nullif(coalesce(t.world_usd, t.partners_usd), 0) as top_partner_pct,
       t.n_partners
from total t
left join top_partner p using (source_id, reporter_iso3, year, hs_group)
