{#- Several columns' bounds checked in one query (a test per column costs a query and a
    Dagster event each): ranges maps a column to {min_value, max_value}; a failing row names
    its column and value. -#}
{% test in_ranges(model, ranges) %}
{% for column, bounds in ranges.items() %}
select '{{ column }}' as column_name, cast({{ column }} as double) as value
from {{ model }}
where {{ column }} is not null
  and (false
  {% if bounds.get('min_value') is not none %} or {{ column }} < {{ bounds['min_value'] }} {% endif %}
  {% if bounds.get('max_value') is not none %} or {{ column }} > {{ bounds['max_value'] }} {% endif %}
  )
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
