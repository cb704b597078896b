-- Concentration and governance risk of world mine production, per production source and
-- year: the HHI of country shares, the governance-weighted HHI (each share squared times the
-- producer's political-stability score scaled 0-10, higher = less stable; WGI PV only, where
-- the EU uses the mean of the six WGI dimensions, and no trade adjustment), and an EU-style
-- supply risk from global supply only: hhi_wgi_global x (1 - EoL-RIR) x SI(SR), with the
-- EU CRM 2023 assessment's EoL-RIR (42 %) and SI(SR) (0.96) from ref.supply_risk_inputs.
-- The EU's own SR also weighs the EU sourcing mix by import reliance; that term is not
-- computed here (see reference_checks/geopolrisk/EU_SR_METHOD.md for every deviation), so
-- compare this figure with the EU's "SR with global supply only" (4.2 in 2017), not its SR.
with shares as (
    select source_id, year, country_iso3, share_pct / 100.0 as share, vintage
    from {{ ref('supply_share') }}
),
wgi as (
    select * from {{ ref('int_political_stability') }}
),
inputs as (
    select
        max(value) filter (where input = 'eol_rir' and unit = 'percent' and applies_to = 'EU CRM 2023 assessment') / 100.0
            as eol_rir,
        max(value) filter (where input = 'substitution_index_sr' and applies_to = 'EU CRM 2023 assessment') as si_sr
    from {{ ref('stg_supply_risk_inputs') }}
),
by_year as (
    select s.source_id, s.year,
           sum(s.share * s.share) as hhi,
           sum(s.share * s.share * 10 * w.normalized) as hhi_wgi_global,
           sum(s.share * s.share) filter (where w.normalized is null) as hhi_without_wgi,
           max(s.share) filter (where s.country_iso3 = 'CHN') as china_share,
           any_value(s.vintage) as vintage
    from shares s
    left join wgi w on w.country_iso3 = s.country_iso3 and w.year = s.year
    group by all
)
select b.source_id, b.year, b.hhi, b.hhi_wgi_global, b.hhi_without_wgi, b.china_share,
       i.eol_rir, i.si_sr,
       b.hhi_wgi_global * (1 - i.eol_rir) * i.si_sr as eu_style_sr_global_supply, b.vintage
from by_year b
cross join inputs i
where b.hhi_without_wgi is null or b.hhi_without_wgi < 0.01  -- WGI covers (almost) every producer that year
