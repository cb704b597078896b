-- Current owners of each pipeline unit (a group of projects, or a project): latest stake per
-- company, with each owner's sponsor bloc from its home country and ownership type
-- (ref.sponsor_blocs; first matching rule wins: exact country and ownership, then country with
-- any ownership, then anything).
with stakes as (
    select coalesce(s.group_id, s.project_id) as unit_id, s.company_id, s.stake_pct, s.valid_from, s.source_id, s.quote
    from {{ ref('stg_project_stakes') }} s
    qualify row_number() over (partition by coalesce(s.group_id, s.project_id), s.company_id order by s.valid_from desc) = 1
),
blocs as (select * from {{ ref('stg_sponsor_blocs') }})
select s.unit_id, s.company_id, c.name as company_name, c.home_country_iso3, c.ownership,
       s.stake_pct, s.valid_from, s.source_id, s.quote,
       (select b.sponsor_bloc from blocs b
        where (b.home_country_iso3 = c.home_country_iso3 or b.home_country_iso3 = '*')
          and (b.ownership = c.ownership or b.ownership = '*')
        order by (b.home_country_iso3 = '*'), (b.ownership = '*') limit 1) as sponsor_bloc
from stakes s join {{ ref('stg_companies') }} c using (company_id)
