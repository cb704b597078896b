-- The USGS annual tungsten concentrate price (US$ per mtu WO3) as each Mineral Commodity
-- Summaries edition prints it in its US salient statistics, every edition kept, one row per
-- (edition, year). The column is one series in the loader (metric price_concentrate_rotterdam,
-- unit usd_per_mtu_wo3) but USGS changed the series it reports:
--   * MCS2022 (and earlier editions): the average U.S. spot market price of concentrate. The
--     MCS2022 data release carries no label for its Price_WO3_dt column (no metadata file
--     with it); the series is the U.S. spot price, as the project's domain notes
--     (INDICATORS.md section 2) state and as USGS's 2017 Minerals Yearbook names the same
--     2017 figure ("annual average U.S. spot price for tungsten concentrate").
--   * MCS2023 onwards: "Price: Concentrate, average in-warehouse Rotterdam, dollars per dry
--     metric ton unit of tungsten trioxide", source Argus Media group (Argus Metals
--     International in MCS2023's metadata, Argus Tungsten Analytics from MCS2024), read from
--     the metadata of MCS2023-MCS2025 (attribute Price_WO3_dt) and from MCS2026's row label.
-- MCS2023 restated 2018-2021 on the Rotterdam series, so for those years two editions give
-- two different prices: series_differs_from_latest marks the rows of a series the latest
-- edition for the year no longer uses. is_latest_edition picks one figure per year; the
-- year-by-year series it gives changes series where is_series_break is true.
with prices as (
    select f.source_id, f.vintage, f.edition_year, f.year, f.metric, f.value as price_usd_per_mtu_wo3,
           f.value_published, f.unit_published, f.qualifier, f.is_estimate, f.note,
           f.source_file, f.source_line, f.source_column
    from {{ ref('stg_figures') }} f
    where f.source_id = 'usgs_mcs' and f.dataset = 'salient' and f.unit_code = 'usd_per_mtu_wo3'
),
labelled as (
    select p.*,
           case when p.edition_year <= 2022 then 'us_spot' else 'rotterdam_in_warehouse' end as price_series,
           case when p.edition_year <= 2022
                then 'Concentrate, average U.S. spot market price'
                else 'Concentrate, average in-warehouse Rotterdam (Argus Media group)' end as price_series_label,
           case when p.edition_year = 2022
                    then 'Not labelled in the MCS2022 data release; U.S. spot per the domain notes (INDICATORS.md section 2) and USGS 2017 Minerals Yearbook (same 2017 figure)'
                when p.edition_year between 2023 and 2025
                    then 'USGS metadata of the edition''s salient statistics, attribute Price_WO3_dt'
                when p.edition_year = 2026
                    then 'The row''s Statistics_detail in the MCS2026 data release'
                else 'Not checked: series assumed from the edition year (check the edition''s metadata)' end
               as price_series_label_basis,
           p.edition_year between 2022 and 2026 as price_series_is_verified
    from prices p
),
ranked as (
    select l.*,
           row_number() over (partition by l.year order by l.edition_year desc) = 1 as is_latest_edition,
           first_value(l.price_series) over (partition by l.year order by l.edition_year desc) as latest_series,
           first_value(l.price_usd_per_mtu_wo3) over (partition by l.year order by l.edition_year desc) as latest_price
    from labelled l
),
latest_series_by_year as (
    select year, price_series,
           lag(price_series) over (order by year) as previous_year_series
    from ranked where is_latest_edition
)
select r.source_id, r.vintage, r.edition_year, r.year, r.price_usd_per_mtu_wo3, r.value_published,
       r.unit_published, r.price_series, r.price_series_label, r.price_series_label_basis,
       r.price_series_is_verified, r.is_latest_edition,
       r.price_series <> r.latest_series as series_differs_from_latest,
       r.price_usd_per_mtu_wo3 - r.latest_price as difference_from_latest_usd,
       coalesce(r.is_latest_edition and s.previous_year_series is not null
                and s.previous_year_series <> s.price_series, false) as is_series_break,
       r.metric, r.qualifier, r.is_estimate, r.note, r.source_file, r.source_line, r.source_column
from ranked r
left join latest_series_by_year s on s.year = r.year
