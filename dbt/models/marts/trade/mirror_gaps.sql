-- The same flow as each side reports it: A's imports from B against B's exports to A.
-- Imports are valued CIF and exports FOB, so imports usually exceed exports by freight and
-- insurance (a few per cent); large gaps point at misreporting, re-exports via third
-- countries or confidential trade. A flow only one side reported shows with a null gap.
-- Reported sources only: a reconciled source (BACI) has one value per flow by construction.
with imports as (
    select source_id, importer_iso3, exporter_iso3, hs_code, year, value_usd, net_weight_kg
    from {{ ref('trade_flows') }}
    where reported_by = 'importer' and flow = 'import'
),
exports as (
    select source_id, importer_iso3, exporter_iso3, hs_code, year, value_usd, net_weight_kg
    from {{ ref('trade_flows') }}
    where reported_by = 'exporter' and flow = 'export'
),
pairs as (
    select coalesce(i.source_id, e.source_id) as source_id,
           coalesce(i.importer_iso3, e.importer_iso3) as importer_iso3,
           coalesce(i.exporter_iso3, e.exporter_iso3) as exporter_iso3,
           coalesce(i.hs_code, e.hs_code) as hs_code,
           coalesce(i.year, e.year) as year,
           i.value_usd as import_value_usd_cif,
           e.value_usd as export_value_usd_fob,
           i.net_weight_kg as import_net_weight_kg,
           e.net_weight_kg as export_net_weight_kg
    from imports i
    full outer join exports e using (source_id, importer_iso3, exporter_iso3, hs_code, year)
)
select p.*,
       import_value_usd_cif - export_value_usd_fob as difference_usd,
       100.0 * (import_value_usd_cif - export_value_usd_fob) / nullif(export_value_usd_fob, 0) as difference_pct
from pairs p
left join {{ ref('stg_trade_areas') }} ai on ai.area_code = p.importer_iso3 and ai.is_area
left join {{ ref('stg_trade_areas') }} ae on ae.area_code = p.exporter_iso3 and ae.is_area
where ai.area_code is null and ae.area_code is null
