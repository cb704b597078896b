-- Trade totals as their sources publish them, apart from the flows they total (so that
-- marts.trade_flows sums): World's and the EU's declarations (the sum of their members'), and
-- a country's row with World (partner WLD) where it also declared its partners one by one.
-- A country that declared only its World row keeps it in trade_flows: nothing else there
-- counts it.
with sides as (
    select t.*,
           count(*) filter (where t.partner_iso3 <> 'WLD')
               over (partition by t.source_id, t.vintage, t.reporter_iso3, t.flow, t.hs_code, t.year) as n_partner_rows
    from {{ ref('int_trade_sides') }} t
    where t.flow_basis <> 'reconciled' or t.flow = 'export'
)
select s.source_id, s.flow_basis, s.vintage, s.reporter_iso3, s.partner_iso3, s.flow, s.hs_code, s.hs_description,
       s.hs_group, s.hs_group_label, s.tungsten_specific, s.hs_level, s.year, s.value_usd, s.net_weight_kg,
       case when a.kind = 'world' then 'world_reporter'
            when s.reporter_iso3 = 'EUU' then 'union_reporter'  -- the EU as a whole; its members declare too
            else 'reporter_total' end as total_kind,
       s.n_partner_rows, s.source_file, s.source_line
from sides s
left join {{ ref('stg_trade_areas') }} a on a.area_code = s.reporter_iso3 and a.is_area
where a.kind = 'world'
   or s.reporter_iso3 = 'EUU'
   or (s.partner_iso3 = 'WLD' and s.n_partner_rows > 0)
