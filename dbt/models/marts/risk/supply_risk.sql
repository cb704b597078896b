-- GeoPolRisk (Koyamparambath et al.; geopolrisk-py, JOSS doi:10.21105/joss.09600) of each
-- importing country's tungsten supply, per year, as geopolrisk-py 2.0.1 implements it
-- (reference_checks/geopolrisk/METHOD.md):
--   import_risk      = sum_j(q_cj * WGI_j) / (P_c + sum_j q_cj)
--   geopolrisk_score = HHI(t) * import_risk
-- q_cj: BACI import quantities (t of product) of HS 2611.00 and 8101.10 together from
-- exporter j (missing quantity 0); WGI_j: the exporter's normalized political stability
-- (0-1, higher = less stable) of the same year, 0.5 where none (Taiwan, BACI's "Other Asia,
-- nes"); P_c: the importer's World Mining Data mine production (t W, 0 if none); HHI: World
-- Mining Data's country shares of the year (fractions, over the country rows, not its Total).
-- geopolrisk_score stays equal to geopolrisk-py's; geopolrisk_score_without_outliers is the
-- same formula without the BACI flows flagged is_outlier (ref.trade_unit_value_bounds).
with production as (
    select country_iso3, year, value_t_w, vintage, source_file, source_line
    from {{ ref('int_figures_latest') }}
    where source_id = 'wmd' and metric = 'mine_production' and not is_aggregate and country_iso3 is not null
),
hhi as (
    select year, sum(value_t_w * value_t_w) / (sum(value_t_w) * sum(value_t_w)) as hhi
    from production
    group by year
),
wgi as (
    select * from {{ ref('int_political_stability') }}
),
imports as (
    select t.partner_iso3 as importer_iso3, t.reporter_iso3 as exporter_iso3, t.year,
           sum(coalesce(t.net_weight_kg, 0)) / 1000.0 as q_t,
           sum(coalesce(t.net_weight_kg, 0)) filter (where not t.is_outlier) / 1000.0 as q_t_robust,
           count(*) filter (where t.is_outlier) as n_outlier_flows,
           any_value(t.vintage) as vintage, any_value(t.source_file) as source_file
    from {{ ref('int_trade_sides') }} t
    where t.source_id = 'cepii_baci' and t.flow = 'export' and t.hs_code in ('261100', '810110')
    group by all
),
weighted as (
    select i.importer_iso3, i.year, i.exporter_iso3, i.q_t, coalesce(i.q_t_robust, 0) as q_t_robust, i.n_outlier_flows,
           coalesce(w.normalized, 0.5) as wgi,
           w.normalized is null as wgi_missing, i.vintage as trade_vintage, i.source_file as trade_source_file,
           w.vintage as governance_vintage
    from imports i
    left join wgi w on w.country_iso3 = i.exporter_iso3 and w.year = i.year
),
by_importer as (
    select importer_iso3, year, sum(q_t) as imports_t, sum(q_t * wgi) as imports_wgi_weighted_t,
           sum(q_t_robust) as imports_t_robust, sum(q_t_robust * wgi) as imports_wgi_weighted_t_robust,
           sum(n_outlier_flows) as n_outlier_flows,
           count(*) as n_exporters, count(*) filter (where wgi_missing) as n_exporters_without_wgi,
           any_value(trade_vintage) as trade_vintage, any_value(trade_source_file) as trade_source_file,
           any_value(governance_vintage) as governance_vintage
    from weighted
    group by all
)
select b.importer_iso3, b.year, b.imports_t, b.imports_wgi_weighted_t,
       coalesce(p.value_t_w, 0) as domestic_production_t_w,
       b.imports_wgi_weighted_t / nullif(coalesce(p.value_t_w, 0) + b.imports_t, 0) as import_risk,
       h.hhi as production_hhi,
       h.hhi * b.imports_wgi_weighted_t / nullif(coalesce(p.value_t_w, 0) + b.imports_t, 0) as geopolrisk_score,
       b.n_exporters, b.n_exporters_without_wgi,
       b.n_outlier_flows, b.imports_t - b.imports_t_robust as outlier_imports_t,
       h.hhi * b.imports_wgi_weighted_t_robust / nullif(coalesce(p.value_t_w, 0) + b.imports_t_robust, 0)
           as geopolrisk_score_without_outliers,
       '261100+810110' as hs_codes,
       'cepii_baci' as trade_source_id, b.trade_vintage, b.trade_source_file,
       'wgi' as governance_source_id, b.governance_vintage,
       'wmd' as production_source_id, p.vintage as production_vintage, p.source_file as production_source_file,
       p.source_line as production_source_line
from by_importer b
join hhi h using (year)
left join production p on p.country_iso3 = b.importer_iso3 and p.year = b.year
left join {{ ref('stg_trade_areas') }} a on a.area_code = b.importer_iso3 and a.is_area
where a.area_code is null
