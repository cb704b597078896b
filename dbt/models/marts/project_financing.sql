-- One row per financing deal (a loan, equity, a letter of interest...) as its source page states
-- it, at the grain it was quoted for (a project or a group): a plain SUM of amount_usd counts each
-- deal once. A letter of interest is interest expressed, never committed money: filter on status.
select f.source_item as deal_id,
       coalesce(f.group_id, u.unit_id) as unit_id,
       f.project_id,
       f.group_id,
       f.institution_company_id,
       c.name as institution,
       c.home_country_iso3 as institution_country_iso3,
       c.ownership as institution_ownership,
       f.instrument,
       f.amount,
       f.currency,
       f.amount_usd,
       f.status,
       f.date,
       f.as_published,
       f.quote,
       f.source_id,
       s.publisher,
       s.url as source_url,
       s.date_published as source_date
from {{ ref('stg_project_financing') }} f
left join {{ ref('int_pipeline_units') }} u on u.project_id = f.project_id
left join {{ ref('stg_companies') }} c on c.company_id = f.institution_company_id
left join {{ ref('stg_sources') }} s on s.source_id = f.source_id
