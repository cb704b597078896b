{#- The provenance columns every curated table read from projects.yml carries, in order: the
    cited-sources file it was checked against, the edition, the file and its sha256, the YAML
    item, the load (raw.claims, read from a CSV, has source_line instead of source_item). -#}
{% macro curated_provenance() -%}
    source_id_file,
    vintage,
    source_file,
    source_sha256,
    source_item,
    load_id
{%- endmacro %}

{#- The provenance columns of a curated table read from a CSV file (claims.csv and the market
    files): as curated_provenance, with the file's line instead of the YAML item. -#}
{% macro curated_line_provenance() -%}
    source_id_file,
    vintage,
    source_file,
    source_sha256,
    source_line,
    load_id
{%- endmacro %}

{#- Where a market fact (a price, a quota, a policy event) stands on its page: the page's id,
    where on the page, its words, the figure as written, and the curator's note. -#}
{% macro market_citation() -%}
    source_id,
    location,
    quote,
    as_published,
    note
{%- endmacro %}
