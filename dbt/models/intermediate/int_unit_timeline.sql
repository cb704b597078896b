-- Each pipeline unit's timeline in the sponsor's and the conservative case. The sponsor case is
-- the sponsor's stated first production (or restart; else its commissioning); the conservative case is a source's own
-- conservative date where one is curated, else the sponsor's delayed by the unit's stage
-- (ref.outlook_stage_factors: conservative_delay_years). The latest stated start counts (a mine
-- restarted after a closure). A unit not yet producing whose stated start is before the outlook's
-- first year has slipped: its sponsor case starts the year after that first year (flagged).
with m as (
    select coalesce(group_id, project_id) as unit_id, scenario, event, year, source_id, quote
    from {{ ref('stg_project_milestones') }}
),
unit_stage as (
    select u.unit_id, arg_max(p.stage, f.stage_order) as stage
    from {{ ref('int_pipeline_units') }} u
    join {{ ref('stg_projects') }} p using (project_id)
    join {{ ref('outlook_stage_factors') }} f on f.stage = p.stage
    group by u.unit_id
),
starts as (
    select unit_id,
           -- a first production or restart; else a commissioning (a plant commissioned starts producing)
           coalesce(max(year) filter (where scenario = 'sponsor' and event in ('first_production', 'restart')),
                    max(year) filter (where scenario = 'sponsor' and event = 'commissioning')) as sponsor_stated,
           coalesce(max(year) filter (where scenario = 'conservative' and event in ('first_production', 'restart')),
                    max(year) filter (where scenario = 'conservative' and event = 'commissioning')) as conservative_stated,
           min(year) filter (where scenario = 'sponsor' and event = 'construction_start') as construction_start_sponsor,
           max(year) filter (where scenario = 'sponsor' and event = 'closure') as closure_sponsor
    from m group by unit_id
),
first_year as (select first_year as y from {{ ref('int_outlook_parameters') }}),
dated as (
    select s.*, us.stage,
           s.sponsor_stated < (select y from first_year) and us.stage not in ('producing', 'commissioning') as sponsor_date_slipped
    from starts s join unit_stage us using (unit_id)
),
starts2 as (
    select *, case when sponsor_date_slipped then (select y from first_year) + 1 else sponsor_stated end as sponsor_start
    from dated
)
select us.unit_id, us.stage, f.probability_of_production, f.conservative_delay_years,
       s.construction_start_sponsor as construction_start_year_sponsor,
       s.sponsor_start as first_production_year_sponsor,
       coalesce(s.conservative_stated, s.sponsor_start + f.conservative_delay_years::integer) as first_production_year_conservative,
       s.conservative_stated is null and s.sponsor_start is not null as conservative_is_derived,
       s.sponsor_stated as first_production_year_stated,
       coalesce(s.sponsor_date_slipped, false) as sponsor_date_slipped,
       s.closure_sponsor as closure_year
from unit_stage us
join {{ ref('outlook_stage_factors') }} f on f.stage = us.stage
left join starts2 s using (unit_id)
