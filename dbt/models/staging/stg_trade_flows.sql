-- Every loaded trade row of every trade source, with its HS reference.
with unioned as (
    select * from {{ source('raw', 'trade_flows') }}
)
select
    u.*,
    h.hs_description,
    h.hs_group,
    h.hs_group_label,
    h.tungsten_specific,
    h.level as hs_level
from unioned u
left join {{ ref('stg_hs_codes') }} h using (hs_code)
