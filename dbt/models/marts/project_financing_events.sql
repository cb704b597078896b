-- Every page's report of a financing deal, one row per report: the facility itself and what later
-- pages say of it (a drawdown, an amendment, another rounding), each with its own words and page.
-- Amounts here are not additive across a deal's events (a drawdown is part of its facility, a
-- restatement the same money): sum marts.project_financing.amount_usd for the deals' total.
select f.source_item as event_id,
       f.deal as deal_id,
       f.event,
       coalesce(f.group_id, u.unit_id) as unit_id,
       f.institution_company_id,
       f.instrument,
       f.amount as event_amount,
       f.currency,
       f.status,
       f.date,
       {{ cited_page('f', 's') }}
from {{ ref('stg_project_financing') }} f
left join {{ ref('int_pipeline_units') }} u on u.project_id = f.project_id
left join {{ ref('stg_sources') }} s on s.source_id = f.source_id
