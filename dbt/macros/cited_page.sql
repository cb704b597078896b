{#- The columns that cite a curated fact's page, the same in every mart: the fact's words as the
    page writes them and its quote, then the page (meta.sources) by id, publisher, tier, URL and
    date. fact and page are the aliases of the fact's relation and of stg_sources. -#}
{% macro cited_page(fact, page) -%}
{{ fact }}.as_published,
       {{ fact }}.quote,
       {{ fact }}.source_id,
       {{ page }}.publisher,
       {{ page }}.tier as source_tier,
       {{ page }}.url as source_url,
       {{ page }}.date_published as source_date
{%- endmacro %}
