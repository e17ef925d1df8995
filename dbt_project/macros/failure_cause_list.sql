{#-
  The failure causes of kpis.md ("Why orders fail", v1.1), in their order of precedence: an
  order's failure_cause is the first of these whose is_<cause> flag holds. The one list that the
  mart, its rollups and the data test iterate over.
-#}
{% macro failure_causes() -%}
    {{ return([
        'not_shipped',
        'short_shipped',
        'late_from_warehouse',
        'late_in_transit',
        'damaged',
        'inaccurate'
    ]) }}
{%- endmacro %}
