{#- Durations are counted in whole microseconds (exact integers: microseconds_between) and shown in hours. -#}

{#- Fractional hours from a count of microseconds (microseconds / 3.6e9, as kpis.md states durations).
    A double divisor: a decimal literal would make Spark divide in decimals and round. -#}
{% macro hours_from_microseconds(microseconds) -%}
    ({{ microseconds }} / cast(3600000000 as double))
{%- endmacro %}

{#- Fractional hours from one timestamp to another. -#}
{% macro hours_between(start_at, end_at) -%}
    {{ hours_from_microseconds(microseconds_between(start_at, end_at)) }}
{%- endmacro %}

{#-
  Mean in hours of a microsecond duration: the exact integer sum divided once. A mean of
  float hours would depend on the order the engine adds them in, and two runs over the
  same data must publish the same digits. The product count * 3.6e9 is an exact double
  (below 2^53) for any day's count.
-#}
{% macro mean_hours(microseconds) -%}
    (cast(sum({{ microseconds }}) as double) / (cast(count({{ microseconds }}) as double) * 3600000000))
{%- endmacro %}
