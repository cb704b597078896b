{% macro rounding_half_unit(x) -%}
-- half the unit a published figure is rounded to (67,000 -> 500; 2,400 -> 50; 58,760 -> 5): the
-- largest power of ten that divides it, below the figure itself
(select coalesce(max(pow(10, k)), 1) / 2 from range(0, 12) t(k)
 where {{ x }} > 0 and round({{ x }}) % pow(10, k)::bigint = 0 and pow(10, k) < {{ x }})
{%- endmacro %}
