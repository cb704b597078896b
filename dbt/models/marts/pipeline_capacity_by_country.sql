-- Pipeline capacity (t W/y, first phase) by country and stage, each unit counted once; units
-- spanning several countries are shown under 'multiple'. Unrisked and risked by stage.
select coalesce(u.country_iso3, 'multiple') as country_iso3, c.country_name, u.stage,
       count(*) as n_units,
       sum(u.n_projects) as n_projects,
       count(u.capacity_t_w_per_year) as n_units_with_capacity,
       sum(u.capacity_t_w_per_year) as capacity_t_w_per_year,
       sum(u.capacity_t_w_per_year * u.probability_of_production) as capacity_risked_t_w_per_year
from {{ ref('pipeline_units') }} u
left join {{ ref('stg_countries') }} c on c.country_iso3 = u.country_iso3
group by all
