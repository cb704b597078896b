{% macro sponsor_bloc_of(home_country_iso3, ownership) -%}
-- the sponsor bloc of a company's home country and ownership type (ref.sponsor_blocs: exact
-- country and ownership, then country with any ownership, then anything)
(select b.sponsor_bloc from {{ ref('stg_sponsor_blocs') }} b
 where (b.home_country_iso3 = {{ home_country_iso3 }} or b.home_country_iso3 = '*')
   and (b.ownership = {{ ownership }} or b.ownership = '*')
 order by (b.home_country_iso3 = '*'), (b.ownership = '*') limit 1)
{%- endmacro %}
