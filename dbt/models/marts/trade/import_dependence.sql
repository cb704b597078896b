-- How much of a country's imports of each tungsten stage (ores and concentrates,
-- intermediates, metal and articles) comes from China, and from its largest partner, by
-- value and, where the source gives weights, by quantity. Imports as declared by the
-- importer (Comtrade, ITC; flow_basis reported) or reconciled flows (BACI; FOB values).
-- Mirrors are left out (they show only the partners that report, overstating any one of
-- them). The total is the country's own World row where it reported one, else the sum over
-- its partners. Areas (World, EU, nes) are never an importer here.
with imports as (
    select l.*
    from {{ ref('int_trade_group_leaf') }} l
    left join {{ ref('stg_trade_areas') }} a on a.area_code = l.reporter_iso3 and a.is_area
    where l.flow = 'import' and a.area_code is null
),
total as (
    select source_id, any_value(flow_basis) as flow_basis, reporter_iso3, year, hs_group, hs_group_label,
           sum(value_usd) filter (where partner_iso3 = 'WLD') as world_usd,
           sum(value_usd) filter (where partner_iso3 <> 'WLD') as partners_usd,
           coalesce(sum(value_usd) filter (where partner_iso3 = 'CHN'), 0) as from_china_usd,
           sum(quantity_t) filter (where partner_iso3 = 'WLD') as world_t,
           sum(quantity_t) filter (where partner_iso3 <> 'WLD') as partners_t,
           coalesce(sum(quantity_t) filter (where partner_iso3 = 'CHN'), 0) as from_china_t,
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
select t.source_id, t.flow_basis, t.reporter_iso3 as country_iso3, t.year, t.hs_group, t.hs_group_label,
       coalesce(t.world_usd, t.partners_usd) as imports_usd,
       t.world_usd is not null as total_is_reported,
       case when t.n_partners > 0 then t.from_china_usd end as from_china_usd,
       case when t.n_partners > 0 then 100.0 * t.from_china_usd / nullif(coalesce(t.world_usd, t.partners_usd), 0) end
           as from_china_pct,
       coalesce(t.world_t, t.partners_t) as imports_t,
       case when t.n_partners > 0 and coalesce(t.world_t, t.partners_t) > 0
            then 100.0 * t.from_china_t / coalesce(t.world_t, t.partners_t) end as from_china_qty_pct,
       p.partner_iso3 as top_partner_iso3,
       100.0 * p.value_usd / nullif(coalesce(t.world_usd, t.partners_usd), 0) as top_partner_pct,
       t.n_partners
from total t
left join top_partner p using (source_id, reporter_iso3, year, hs_group)
