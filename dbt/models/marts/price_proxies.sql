-- Unit values of traded tungsten products, one row per CEPII BACI flow (exporter -> importer,
-- HS code, year): value (FOB US$) / quantity (metric tonnes of the traded product). BACI
-- gives each flow once, and trade_flows holds it once (reported_by reconciled). A flow without
-- a positive quantity has no unit value.
-- A flow outside its HS group's plausible band (ref.trade_unit_value_bounds) is flagged
-- is_outlier with the reason and kept; price_proxy_world gives figures with and without it.
-- Flows under min_quantity_t (default 1 t) keep their unit value but are flagged and left out
-- of the world statistics (price_proxy_world): they are samples and specimens, not lots.
-- HS 2611 (ores and concentrates) rows also carry the unit value per mtu WO3 at an ASSUMED
-- grade (default 65 % WO3, the standard trading grade): BACI's tonnes are of concentrate at
-- an unknown grade, so that figure is only as good as the assumption, which every row shows.
{% set min_quantity_t = var('price_proxy_min_quantity_t', 1) %}
{% set grade_pct = var('price_proxy_assumed_grade_pct_wo3', 65) %}
with flows as (
    select f.source_id, f.flow_basis, f.vintage, f.year, f.hs_code, f.hs_description, f.hs_group,
           f.reporter_iso3 as exporter_iso3, f.partner_iso3 as importer_iso3,
           f.value_usd, f.net_weight_kg, f.is_outlier, f.outlier_reason, f.source_file, f.source_line
    from {{ ref('trade_flows') }} f
    where f.source_id = 'cepii_baci' and f.reported_by = 'reconciled'
),
valued as (
    select *,
           net_weight_kg / 1000.0 as quantity_t,
           case when net_weight_kg > 0 then value_usd / (net_weight_kg / 1000.0) end as unit_value_usd_per_t
    from flows
)
select
    v.source_id,
    v.flow_basis,
    v.vintage,
    v.year,
    v.hs_code,
    v.hs_description,
    v.hs_group,
    v.exporter_iso3,
    ae.area_code is not null as exporter_is_area,
    v.importer_iso3,
    ai.area_code is not null as importer_is_area,
    v.value_usd,
    v.net_weight_kg,
    v.quantity_t,
    v.unit_value_usd_per_t,
    v.unit_value_usd_per_t is not null as has_unit_value,
    coalesce(v.quantity_t > 0 and v.quantity_t < {{ min_quantity_t }}, false) as is_small_flow,
    v.unit_value_usd_per_t is not null and v.quantity_t >= {{ min_quantity_t }} as in_world_statistics,
    v.is_outlier,
    v.outlier_reason,
    case when v.hs_group = 'ores_concentrates' then cast({{ grade_pct }} as double) end as assumed_grade_pct_wo3,
    case when v.hs_group = 'ores_concentrates' then true end as grade_is_assumed,
    -- a tonne of concentrate at g % WO3 holds g/100 x 1000 kg WO3 = g mtu (1 mtu = 10 kg WO3)
    case when v.hs_group = 'ores_concentrates'
         then v.unit_value_usd_per_t / (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0) end as unit_value_usd_per_mtu_wo3,
    v.source_file,
    v.source_line
from valued v
left join {{ ref('stg_trade_areas') }} ae on ae.area_code = v.exporter_iso3 and ae.is_area
left join {{ ref('stg_trade_areas') }} ai on ai.area_code = v.importer_iso3 and ai.is_area
