{#- Fractional hours from one timestamp to another (seconds / 3600, as kpis.md states durations). -#}
{% macro hours_between(start_at, end_at) -%}
    ({{ dbt.datediff(start_at, end_at, 'microsecond') }} / 3600000000.0)
{%- endmacro %}
