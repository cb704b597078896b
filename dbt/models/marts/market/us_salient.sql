-- The US salient statistics USGS publishes for tungsten in each Mineral Commodity Summaries
-- edition (raw.figures, source usgs_mcs, dataset salient): production, imports and exports by
-- form, stockpile shipments, consumption, stocks, net import reliance and the concentrate price,
-- one row per (edition, year, metric). Every edition is kept; is_latest_edition marks the newest
-- edition giving the (year, metric). Figures USGS withholds or marks not available have a null
-- value and their qualifier. Sum a metric over years within one edition, never across editions.
with salient as (
    select f.source_id, f.vintage, f.edition_year, f.year, f.metric, f.value, f.value_published, f.unit_published,
           f.unit_code, f.qualifier, f.is_estimate, f.note, f.source_file, f.source_line, f.source_column
    from {{ ref('stg_figures') }} f
    where f.source_id = 'usgs_mcs' and f.dataset = 'salient' and f.country_iso3 = 'USA'
      and f.metric <> 'us_import_source_share'
)
select s.vintage, s.edition_year, s.year, s.metric, m.description as metric_label,
       case when s.metric like '%\_concentrate' escape '\' then 'concentrate'
            when s.metric like '%\_other\_forms' escape '\' then 'other_forms' end as form,
       s.value, s.unit_code, s.value_published, s.unit_published, s.qualifier, s.is_estimate,
       row_number() over (partition by s.year, s.metric order by s.edition_year desc) = 1 as is_latest_edition,
       s.note, s.source_id, s.source_file, s.source_line, s.source_column
from salient s
left join {{ ref('stg_metrics') }} m on m.metric = s.metric
