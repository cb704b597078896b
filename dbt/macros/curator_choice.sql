{#- Order of a curated figure among the pages stating the same thing: the one whose note starts
    with "selected" first, those marked "not selected" or "alternative" last (data/curated/README.md). -#}
{% macro curator_choice(note) -%}
    case when lower(coalesce({{ note }}, '')) like 'selected%' then 0
         when lower(coalesce({{ note }}, '')) like 'not selected%' or lower(coalesce({{ note }}, '')) like 'alternative%' then 2
         else 1 end
{%- endmacro %}
