-- Every flow from each side that has one, for the marts that rank a country's partners or
-- weigh its imports: the reported rows as declared (Comtrade, ITC; World rows included), and
-- each reconciled flow (CEPII BACI) as the exporter's export and again as the importer's
-- import, group codes (S19 "Other Asia, nes", ZA1 ...) kept on both sides. Not for summing:
-- marts.trade_flows holds each flow once. A flow whose unit value lies outside its HS group's
-- band (ref.trade_unit_value_bounds, cited) is flagged is_outlier with the reason, never dropped.
with annual as (
    select t.source_id, t.vintage, t.reporter_iso3, t.partner_iso3, t.flow, t.hs_code, t.hs_description, t.hs_group,
           t.hs_group_label, t.tungsten_specific, t.hs_level, t.year, t.value_usd, t.net_weight_kg,
           coalesce(s.flow_basis, 'reported') as flow_basis, t.source_file, t.source_line,
           case when t.net_weight_kg > 0 then t.value_usd / (t.net_weight_kg / 1000.0) end as unit_value_usd_per_t
    from {{ ref('int_trade_annual') }} t
    left join {{ ref('stg_sources') }} s using (source_id)
),
reported as (
    select a.* exclude (unit_value_usd_per_t),
           coalesce(a.unit_value_usd_per_t < b.min_unit_value_usd_per_t
                    or a.unit_value_usd_per_t > b.max_unit_value_usd_per_t, false) as is_outlier,
           case when a.unit_value_usd_per_t < b.min_unit_value_usd_per_t
                then format('unit value US${:,.0f}/t below the {} floor of US${:,.0f}/t (ref.trade_unit_value_bounds)',
                            a.unit_value_usd_per_t, a.hs_group, b.min_unit_value_usd_per_t)
                when a.unit_value_usd_per_t > b.max_unit_value_usd_per_t
                then format('unit value US${:,.0f}/t above the {} ceiling of US${:,.0f}/t (ref.trade_unit_value_bounds)',
                            a.unit_value_usd_per_t, a.hs_group, b.max_unit_value_usd_per_t)
           end as outlier_reason
    from annual a
    left join {{ ref('trade_unit_value_bounds') }} b on b.hs_group = a.hs_group
),
importer_side as (
    select r.source_id, r.vintage, r.partner_iso3 as reporter_iso3, r.reporter_iso3 as partner_iso3, 'import' as flow,
           r.hs_code, r.hs_description, r.hs_group, r.hs_group_label, r.tungsten_specific, r.hs_level, r.year,
           r.value_usd, r.net_weight_kg, r.flow_basis, r.source_file, r.source_line, r.is_outlier, r.outlier_reason
    from reported r
    where r.flow_basis = 'reconciled' and r.flow = 'export' and r.reporter_iso3 <> r.partner_iso3
)
select * from reported
union all by name
select * from importer_side
