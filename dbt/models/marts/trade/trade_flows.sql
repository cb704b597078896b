-- Annual tungsten trade flows as reported, plus mirror flows: where a country did not
-- report a flow with a partner, its partner's report of the opposite flow stands in
-- (is_mirror). Mirror values keep the partner's valuation (an import mirrored from an
-- export is FOB, not CIF).
with reported as (
    select source_id, vintage, reporter_iso3, partner_iso3, flow, hs_code, hs_description, hs_group, hs_group_label,
           tungsten_specific, hs_level, year, value_usd, net_weight_kg, false as is_mirror, source_file, source_line
    from {{ ref('int_trade_annual') }}
),
mirrored as (
    select r.source_id, r.vintage, r.partner_iso3 as reporter_iso3, r.reporter_iso3 as partner_iso3,
           case r.flow when 'import' then 'export' else 'import' end as flow,
           r.hs_code, r.hs_description, r.hs_group, r.hs_group_label, r.tungsten_specific, r.hs_level, r.year,
           r.value_usd, r.net_weight_kg, true as is_mirror, r.source_file, r.source_line
    from reported r
    left join {{ source('ref', 'trade_areas') }} ar on ar.area_code = r.reporter_iso3 and ar.is_area
    left join {{ source('ref', 'trade_areas') }} ap on ap.area_code = r.partner_iso3 and ap.is_area
    where r.flow in ('import', 'export') and ar.area_code is null and ap.area_code is null
      and r.reporter_iso3 <> r.partner_iso3
)
select *,
       case when net_weight_kg > 0 then value_usd / net_weight_kg end as unit_value_usd_per_kg
from reported
union all by name
select m.*,
       case when m.net_weight_kg > 0 then m.value_usd / m.net_weight_kg end as unit_value_usd_per_kg
from mirrored m
where not exists (
    select 1 from reported r
    where r.source_id = m.source_id and r.reporter_iso3 = m.reporter_iso3 and r.partner_iso3 = m.partner_iso3
      and r.flow = m.flow and r.hs_code = m.hs_code and r.year = m.year
)
