-- Every governance indicator row of every governance source (raw.governance_indicators), with
-- the edition's latest year and whether it is the source's latest edition: the one reaching the
-- latest year, of those the one loaded last (load ids begin with their UTC start time,
-- warehouse/load.py), so a `tungsten fetch wgi` of the same release supersedes the packaged table.
with g as (
    select * from {{ source('raw', 'governance_indicators') }}
),
editions as (
    select source_id, vintage,
           max(year) filter (where estimate is not null) as edition_latest_year,
           max(load_id) as last_load_id
    from g
    group by all
),
ranked as (
    select source_id, vintage, edition_latest_year,
           row_number() over (partition by source_id
                              order by edition_latest_year desc nulls last, last_load_id desc, vintage desc) = 1
               as is_latest_vintage
    from editions
)
select g.*, r.edition_latest_year, r.is_latest_vintage
from g
join ranked r using (source_id, vintage)
