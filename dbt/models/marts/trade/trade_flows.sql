-- Annual tungsten trade flows, each flow once per declaration, so the rows sum: one row per
-- exporter -> importer flow, HS code and year as one side declared it (reported_by exporter or
-- importer: Comtrade, ITC; imports CIF, exports FOB) or as CEPII BACI reconciled it
-- (reported_by reconciled: one FOB value per flow, held once, as the exporter's export).
-- reporter_iso3, partner_iso3 and flow are the declaring side's view. A flow both sides
-- declared shows once per reported_by: sum within one. Totals are not rows here (marts.trade_totals):
-- World and the EU as reporters, and a reporter's World row where it also gave its partners.
with sides as (
    select t.*,
           case when t.flow in ('export', 're_export') then t.reporter_iso3 else t.partner_iso3 end as exporter_iso3,
           case when t.flow in ('export', 're_export') then t.partner_iso3 else t.reporter_iso3 end as importer_iso3,
           case when t.flow_basis = 'reconciled' then 'reconciled'
                when t.flow in ('export', 're_export') then 'exporter' else 'importer' end as reported_by
    from {{ ref('int_trade_sides') }} t
    where t.flow_basis <> 'reconciled' or t.flow = 'export'
)
select s.source_id, s.flow_basis, s.vintage, s.reported_by, s.exporter_iso3, s.importer_iso3, s.reporter_iso3,
       s.partner_iso3, s.flow, s.hs_code, s.hs_description, s.hs_group, s.hs_group_label, s.tungsten_specific,
       s.hs_level, s.year, s.value_usd, s.net_weight_kg,
       case when s.net_weight_kg > 0 then s.value_usd / s.net_weight_kg end as unit_value_usd_per_kg,
       s.is_outlier, s.outlier_reason, s.source_file, s.source_line
from sides s
left join {{ ref('trade_totals') }} t
    on t.source_id = s.source_id and t.vintage = s.vintage and t.reporter_iso3 = s.reporter_iso3
   and t.partner_iso3 = s.partner_iso3 and t.flow = s.flow and t.hs_code = s.hs_code and t.year = s.year
where t.source_id is null
