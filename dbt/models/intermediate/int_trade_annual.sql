-- Annual totals, one row per flow: the latest loaded file's row for each key (Comtrade
-- revises, and each file is kept as its own vintage), and only the totals over second
-- partner, customs procedure and mode of transport (breakdown rows would double count).
-- A reconciled source (BACI) is read from its newest release only, per HS revision: a
-- release revises every flow, and one from an older release must not fill a gap of a newer.
with flows as (
    select t.*, coalesce(s.flow_basis, 'reported') as flow_basis
    from {{ ref('stg_trade_flows') }} t
    left join {{ ref('stg_sources') }} s using (source_id)
    where t.freq = 'A'
      and t.partner2_code = '0'
      and t.customs_code = 'C00'
      and t.mot_code = '0'
),
newest_release as (
    select source_id, classification, max(vintage) as vintage
    from flows
    where flow_basis = 'reconciled'
    group by all
)
select f.* exclude (flow_basis)
from flows f
left join newest_release n using (source_id, classification)
where f.flow_basis <> 'reconciled' or f.vintage = n.vintage
qualify row_number() over (
    partition by f.source_id, f.reporter_iso3, f.partner_iso3, f.flow, f.hs_code, f.year
    order by f.load_id desc, f.source_line
) = 1
