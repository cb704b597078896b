-- One row per financing deal: one facility (a loan, equity, a letter of interest...), its amount
-- as the facility's page states it, at the grain it was quoted for (a project or a group), so a
-- plain SUM of amount_usd counts each deal once. What later pages report of the deal (drawdowns,
-- amendments, another rounding) are its events (marts.project_financing_events), never new deals.
-- A letter of interest is interest expressed, never committed money: filter on status.
with ev as (
    select deal, count(*) as n_events,
           string_agg(event || ' ' || as_published || coalesce(' (' || date || ')', ''), '; ' order by date, source_item)
               filter (where event <> 'facility') as later_events,
           arg_max(amount, coalesce(date, '')) filter (where event = 'drawdown') as latest_drawn_amount,
           arg_max(status, coalesce(date, '')) as latest_status
    from {{ ref('stg_project_financing') }} group by deal
)
select f.deal as deal_id,
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
       ev.latest_status,
       ev.latest_drawn_amount,
       ev.n_events,
       ev.later_events,
       f.date,
       {{ cited_page('f', 's') }},
       f.source_item
from {{ ref('stg_project_financing') }} f
join ev using (deal)
left join {{ ref('int_pipeline_units') }} u on u.project_id = f.project_id
left join {{ ref('stg_companies') }} c on c.company_id = f.institution_company_id
left join {{ ref('stg_sources') }} s on s.source_id = f.source_id
where f.event = 'facility'
