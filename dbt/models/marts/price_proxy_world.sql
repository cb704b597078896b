-- World unit value of each HS code and year, one row per (source, HS code, year): the plain
-- (unweighted) median and the 25th and 75th percentiles of the flow unit values of
-- price_proxies, each flow counting once whatever its size (a few large contracts do not set
-- the figure; value_usd_used / quantity_t_used, the value-weighted mean, is beside it).
-- Percentiles are continuous (linear interpolation between the two nearest flows, as
-- numpy's and polars' default "linear"). Flows counted: those with a positive quantity of at
-- least min_quantity_t (1 t by default); smaller flows (samples, specimens: unit values many
-- times a lot's) and flows without a quantity are left out and counted in their own columns,
-- with their value and tonnes, so every flow of the year is accounted for:
-- n_flows = n_flows_used + n_flows_small + n_flows_without_quantity.
-- Flows flagged is_outlier (outside the HS group's band, ref.trade_unit_value_bounds) stay in
-- the plain figures and are counted in their own columns; the _robust figures leave them out.
-- Each group's figures are on this row only, never repeated on its flows' rows.
{% set grade_pct = var('price_proxy_assumed_grade_pct_wo3', 65) %}
with flows as (
    select * from {{ ref('price_proxies') }}
),
stats as (
    select
        source_id,
        any_value(flow_basis) as flow_basis,
        string_agg(distinct vintage, ', ' order by vintage) as vintages,
        hs_code,
        any_value(hs_description) as hs_description,
        any_value(hs_group) as hs_group,
        year,
        cast({{ var('price_proxy_min_quantity_t', 1) }} as double) as min_quantity_t,
        count(*) as n_flows,
        count(*) filter (where in_world_statistics) as n_flows_used,
        count(*) filter (where is_small_flow) as n_flows_small,
        count(*) filter (where not has_unit_value) as n_flows_without_quantity,
        sum(value_usd) as value_usd_total,
        coalesce(sum(value_usd) filter (where in_world_statistics), 0) as value_usd_used,
        coalesce(sum(value_usd) filter (where is_small_flow), 0) as value_usd_small,
        coalesce(sum(value_usd) filter (where not has_unit_value), 0) as value_usd_without_quantity,
        coalesce(sum(quantity_t) filter (where has_unit_value), 0) as quantity_t_total,
        coalesce(sum(quantity_t) filter (where in_world_statistics), 0) as quantity_t_used,
        coalesce(sum(quantity_t) filter (where is_small_flow), 0) as quantity_t_small,
        count(*) filter (where in_world_statistics and is_outlier) as n_flows_outlier,
        coalesce(sum(value_usd) filter (where in_world_statistics and is_outlier), 0) as value_usd_outlier,
        coalesce(sum(quantity_t) filter (where in_world_statistics and is_outlier), 0) as quantity_t_outlier,
        sum(value_usd) filter (where in_world_statistics and not is_outlier)
            / nullif(sum(quantity_t) filter (where in_world_statistics and not is_outlier), 0)
            as weighted_mean_unit_value_usd_per_t_robust,
        quantile_cont(unit_value_usd_per_t, 0.5) filter (where in_world_statistics and not is_outlier)
            as median_unit_value_usd_per_t_robust,
        quantile_cont(unit_value_usd_per_t, 0.5) filter (where in_world_statistics) as median_unit_value_usd_per_t,
        quantile_cont(unit_value_usd_per_t, 0.25) filter (where in_world_statistics) as p25_unit_value_usd_per_t,
        quantile_cont(unit_value_usd_per_t, 0.75) filter (where in_world_statistics) as p75_unit_value_usd_per_t
    from flows
    group by source_id, hs_code, year
)
select
    s.*,
    s.p75_unit_value_usd_per_t - s.p25_unit_value_usd_per_t as iqr_unit_value_usd_per_t,
    s.value_usd_used / nullif(s.quantity_t_used, 0) as weighted_mean_unit_value_usd_per_t,
    case when s.hs_group = 'ores_concentrates' then cast({{ grade_pct }} as double) end as assumed_grade_pct_wo3,
    case when s.hs_group = 'ores_concentrates' then true end as grade_is_assumed,
    -- a tonne of concentrate at g % WO3 holds g mtu WO3 (1 mtu = 10 kg WO3)
    case when s.hs_group = 'ores_concentrates'
         then s.median_unit_value_usd_per_t / (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0) end
        as median_unit_value_usd_per_mtu_wo3,
    case when s.hs_group = 'ores_concentrates'
         then s.p25_unit_value_usd_per_t / (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0) end
        as p25_unit_value_usd_per_mtu_wo3,
    case when s.hs_group = 'ores_concentrates'
         then s.p75_unit_value_usd_per_t / (cast({{ grade_pct }} as double) / 100.0 * 1000.0 / 10.0) end
        as p75_unit_value_usd_per_mtu_wo3
from stats s
