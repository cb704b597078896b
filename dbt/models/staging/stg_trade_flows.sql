-- Every loaded trade row of every trade source, with its HS reference.
with unioned as (
    select * from {{ source('raw', 'comtrade_flows') }}
    union all by name
    select * from {{ source('raw', 'itc_trade_flows') }}
    union all by name
    select * from {{ source('raw', 'cmr_trade_flows') }}
)
select
    u.*,
    h.hs_description,
    h.hs_group,
    h.hs_group_label,
    h.tungsten_specific,
    h.level as hs_level
from unioned u
left join {{ source('ref', 'hs_codes') }} h using (hs_code)
