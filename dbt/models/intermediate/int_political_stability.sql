-- Each economy's political-stability score (WGI PV, normalized 0-1, higher = less stable) per
-- year, from the latest loaded governance edition: the one score both risk marts weigh by.
select country_iso3, year, normalized, vintage
from {{ ref('stg_governance_indicators') }}
where is_latest_vintage and indicator = 'PV.EST' and normalized is not null
