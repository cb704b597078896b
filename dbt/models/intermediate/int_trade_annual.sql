-- Annual totals, one row per flow: the latest loaded file's row for each key (Comtrade
-- revises, and each file is kept as its own vintage), and only the totals over second
-- partner, customs procedure and mode of transport (breakdown rows would double count).
select *
from {{ ref('stg_trade_flows') }}
where freq = 'A'
  and partner2_code = '0'
  and customs_code = 'C00'
  and mot_code = '0'
qualify row_number() over (
    partition by source_id, reporter_iso3, partner_iso3, flow, hs_code, year
    order by load_id desc, source_line
) = 1
