{#- Durations are counted in whole microseconds (exact integers) and shown in hours. -#}
{% macro microseconds_between(start_at, end_at) -%}
    {{ dbt.datediff(start_at, end_at, 'microsecond') }}
{%- endmacro %}

{#- Fractional hours from one timestamp to another (microseconds / 3.6e9, as kpis.md states durations). -#}
{% macro hours_between(start_at, end_at) -%}
    ({{ microseconds_between(start_at, end_at) }} / 3600000000.0)
{%- endmacro %}

{#-
  Mean in hours of a microsecond duration: the exact integer sum divided once. A mean of
  float hours would depend on the order the engine adds them in, and two runs over the
  same data must publish the same digits.
-#}
{% macro mean_hours(microseconds) -%}
    (cast(sum({{ microseconds }}) as double) / (count({{ microseconds }}) * 3600000000.0))
{%- endmacro %}
