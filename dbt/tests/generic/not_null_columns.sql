{#- The columns that hold nulls, with how many rows: one test (one query) for all the
    not-null columns of a model instead of one per column, so a build runs a few dozen
    queries less. Fails with one row per offending column. -#}
{% test not_null_columns(model, columns) %}
select column_name, null_rows from (
    {% for column in columns %}
    select '{{ column }}' as column_name, count(*) filter (where {{ column }} is null) as null_rows from {{ model }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
) where null_rows > 0
{% endtest %}
