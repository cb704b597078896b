-- Dated measures touching tungsten (export controls and licences, export quotas and taxes,
-- tariffs, stockpile acquisitions, sales and plans, critical-mineral lists), one row per event
-- with its page and quote; is_in_force as of the build date. The HS codes it touches, one row
-- each, are in marts.policy_event_codes (joins the trade marts on hs_code).
select e.event_id, e.date_announced, e.date_effective, e.date_ended, e.jurisdiction, e.measure_type, e.title,
       e.description, e.rate_pct, e.amount, e.amount_unit, e.hs_codes, e.national_codes, e.countries_affected,
       try_strptime(e.date_announced, '%Y-%m-%d')::date as date_announced_day,
       coalesce(try_strptime(e.date_effective, '%Y-%m-%d'), try_strptime(e.date_effective, '%Y-%m'),
                try_strptime(e.date_effective, '%Y'))::date as date_effective_first_day,
       (e.date_ended is null or e.date_ended > strftime(current_date, '%Y-%m-%d'))
           and coalesce(e.date_effective, e.date_announced) <= strftime(current_date, '%Y-%m-%d') as is_in_force,
       e.source_id_file as source_id, e.vintage, e.source_id as cited_source_id, s.publisher as source_publisher,
       s.title as source_title, s.url as source_url, e.location, e.quote, e.as_published, e.note, e.source_file,
       e.source_line
from {{ ref('stg_policy_events') }} e
left join {{ ref('stg_sources') }} s on s.source_id = e.source_id
