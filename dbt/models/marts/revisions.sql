-- What each edition of a statistics source (USGS MCS, BGS WMS, World Mining Data) changed from
-- the edition before it: revised figures, and figures new in it or dropped from it. A country is
-- matched by ISO code and an aggregate by its kind (world, other), never by name, so "World
-- total (rounded)" in MCS2025 meets "World total" in MCS2026. Metrics listed in the
-- revision_matching seed (reserves: a stock as of each edition's own year) are matched edition
-- to edition on the edition's latest year; every other metric on its year. US salient
-- statistics are about the United States.
-- A row is one figure's change between two consecutive editions, each edition's figure on one
-- row only, so a figure's change_t_w sum to its last value less its first; the world total's
-- rows keep their values in unit_code but no t W, so that the t W columns sum over the rows.
with figures as (
    select source_id, vintage, edition_year, dataset, metric, year,
           case when dataset = 'salient' and metric <> 'us_import_source_share' then 'USA' else country_key end
               as country_key,
           country_iso3, is_aggregate, aggregate_kind, country_published, value, value_published, unit_code,
           value_t_w, qualifier, source_file, source_line
    from {{ ref('stg_figures') }}
),
editions as (
    select source_id, vintage, edition_year,
           lag(vintage) over (partition by source_id order by edition_year) as previous_vintage
    from (select distinct source_id, vintage, edition_year from figures)
),
keyed as (
    -- an edition-matched metric is the edition's stock: its latest year's figure only, so that no
    -- figure of one edition meets two of the other
    select f.*,
           case when m.metric is not null then 'edition' else cast(f.year as varchar) end as match_key
    from figures f
    left join {{ ref('revision_matching') }} m on m.metric = f.metric and m.matched_on = 'edition'
    qualify m.metric is null
         or f.year = max(f.year) over (partition by f.source_id, f.vintage, f.dataset, f.metric, f.country_key)
),
newer as (
    select k.*, e.previous_vintage
    from keyed k join editions e using (source_id, vintage)
    where e.previous_vintage is not null
),
older as (
    select k.*, e.vintage as next_vintage
    from keyed k join editions e on e.source_id = k.source_id and e.previous_vintage = k.vintage
),
paired as (
    select
        coalesce(n.source_id, o.source_id) as source_id,
        coalesce(n.vintage, o.next_vintage) as vintage,
        coalesce(n.previous_vintage, o.vintage) as previous_vintage,
        coalesce(n.dataset, o.dataset) as dataset,
        coalesce(n.metric, o.metric) as metric,
        coalesce(n.country_key, o.country_key) as country_key,
        coalesce(n.country_iso3, o.country_iso3) as country_iso3,
        coalesce(n.is_aggregate, o.is_aggregate) as is_aggregate,
        coalesce(n.aggregate_kind, o.aggregate_kind) as aggregate_kind,
        n.country_published,
        o.country_published as previous_country_published,
        coalesce(n.year, o.year) as year,
        o.year as previous_year,
        coalesce(n.unit_code, o.unit_code) as unit_code,
        o.value as previous_value,
        n.value,
        o.value_published as previous_value_published,
        n.value_published,
        o.value_t_w as previous_value_t_w,
        n.value_t_w,
        o.qualifier as previous_qualifier,
        n.qualifier,
        case when o.source_id is null then 'new'
             when n.source_id is null then 'dropped'
             else 'revised' end as change_kind,
        n.source_file,
        n.source_line,
        o.source_file as previous_source_file,
        o.source_line as previous_source_line
    from newer n
    full outer join older o
        on o.source_id = n.source_id and o.next_vintage = n.vintage and o.dataset = n.dataset
        and o.metric = n.metric and o.country_key = n.country_key and o.match_key = n.match_key
),
t_w as (
    -- the world total is its members' sum: beside their rows it has no t W to add
    select *,
           case when aggregate_kind is distinct from 'world' then previous_value_t_w end as previous_t_w,
           case when aggregate_kind is distinct from 'world' then value_t_w end as new_t_w
    from paired
)
select
    source_id, vintage, previous_vintage, dataset, metric, country_key, country_iso3, is_aggregate, aggregate_kind,
    country_published, previous_country_published, year, previous_year, change_kind, unit_code,
    previous_value, value, previous_value_published, value_published,
    previous_t_w as previous_value_t_w, new_t_w as value_t_w,
    new_t_w - previous_t_w as change_t_w,
    case when previous_value <> 0 then 100.0 * (value - previous_value) / abs(previous_value) end as change_pct,
    previous_qualifier, qualifier,
    source_file, source_line, previous_source_file, previous_source_line
from t_w
where change_kind <> 'revised'
   or value is distinct from previous_value
   or qualifier is distinct from previous_qualifier
