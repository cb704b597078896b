{# A number as text without a trailing ".0" when it is whole (410000 rather than 410000.0). #}
{% macro fmt_num(x) -%}
    (case when {{ x }} = round({{ x }}) then cast(cast({{ x }} as bigint) as varchar) else cast(round({{ x }}, 3) as varchar) end)
{%- endmacro %}
