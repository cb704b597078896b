-- Annual tungsten trade flows as reported, plus mirror flows: where a country did not
-- report a flow with a partner, its partner's report of the opposite flow stands in
-- (is_mirror). Mirror values keep the partner's valuation (an import mirrored from an
-- export is FOB, not CIF). A reconciled source (CEPII BACI: one FOB value per exporter ->
-- importer flow) gives each flow as the exporter's export and as the importer's import,
-- with the same value and is_mirror false: filter on flow before summing.
with reported as (
    select t.source_id, t.vintage, t.reporter_iso3, t.partner_iso3, t.flow, t.hs_code, t.hs_description, t.hs_group,
           t.hs_group_label, t.tungsten_specific, t.hs_level, t.year, t.value_usd, t.net_weight_kg, false as is_mirror,
           coalesce(s.flow_basis, 'reported') as flow_basis, t.source_file, t.source_line
    from {{ ref('int_trade_annual') }} t
    left join {{ ref('stg_sources') }} s using (source_id)
),
mirrored as (
    select r.source_id, r.vintage, r.partner_iso3 as reporter_iso3, r.reporter_iso3 as partner_iso3,
           case r.flow when 'import' then 'export' else 'import' end as flow,
           r.hs_code, r.hs_description, r.hs_group, r.hs_group_label, r.tungsten_specific, r.hs_level, r.year,
           r.value_usd, r.net_weight_kg, r.flow_basis <> 'reconciled' as is_mirror, r.flow_basis, r.source_file,
           r.source_line
    from reported r
    left join {{ ref('stg_trade_areas') }} ar on ar.area_code = r.reporter_iso3 and ar.is_area
    left join {{ ref('stg_trade_areas') }} ap on ap.area_code = r.partner_iso3 and ap.is_area
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
