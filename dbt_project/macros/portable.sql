{#-
  SQL that DuckDB and Spark SQL spell differently, in one place, so that no model is written
  twice. Each engine-specific macro goes through adapter.dispatch: `default__` is the DuckDB
  spelling (dbt-duckdb looks for duckdb__ then default__), `spark__` the Spark SQL one. The
  portable helpers below need no dispatch: they use SQL both engines read the same way.
-#}

{#- True when the condition holds for some row of the group; null when it is null for all (as bool_or). -#}
{% macro any_true(condition) -%}
    (max(case when {{ condition }} then 1 when not ({{ condition }}) then 0 end) = 1)
{%- endmacro %}

{#- True when the condition holds for every row of the group; null when it is null for all (as bool_and). -#}
{% macro every_true(condition) -%}
    (min(case when {{ condition }} then 1 when not ({{ condition }}) then 0 end) = 1)
{%- endmacro %}

{#- Continuous percentile (linear interpolation between the two nearest values), nulls ignored. -#}
{% macro percentile_cont(fraction, expression) -%}
    {{ return(adapter.dispatch('percentile_cont')(fraction, expression)) }}
{%- endmacro %}

{% macro default__percentile_cont(fraction, expression) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{#- Spark's exact percentile interpolates the same way (percentile_approx would not be exact). -#}
{% macro spark__percentile_cont(fraction, expression) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{#- Whole microseconds from one timestamp to another, exactly (a bigint). -#}
{% macro microseconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('microseconds_between')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__microseconds_between(start_at, end_at) -%}
    {{ dbt.datediff(start_at, end_at, 'microsecond') }}
{%- endmacro %}

{#- dbt-spark's datediff counts sub-day parts through unix_timestamp, in whole seconds: not exact.
    unix_micros takes a zoned timestamp; the timestamps here are UTC wall-clock values
    (timestamp_ntz) and the session's time zone is UTC, so the cast keeps every instant. -#}
{% macro spark__microseconds_between(start_at, end_at) -%}
    (unix_micros(cast({{ end_at }} as timestamp_ltz)) - unix_micros(cast({{ start_at }} as timestamp_ltz)))
{%- endmacro %}

{#- Whole days from one date to another. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}

{#- The last day of the week or month that starts on period_start (a date). -#}
{% macro period_end(grain, period_start) -%}
    {{ return(adapter.dispatch('period_end')(grain, period_start)) }}
{%- endmacro %}

{% macro default__period_end(grain, period_start) -%}
    cast({{ dbt.dateadd(grain, 1, period_start) }} as date) - 1
{%- endmacro %}

{% macro spark__period_end(grain, period_start) -%}
    {%- if grain == 'week' -%}
        date_add({{ period_start }}, 6)
    {%- elif grain == 'month' -%}
        last_day({{ period_start }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("period_end: grain must be week or month, not " ~ grain) }}
    {%- endif -%}
{%- endmacro %}

{#- The text type for casts (Spark rejects a bare varchar). -#}
{% macro string_type() -%}
    {{ return(adapter.dispatch('string_type')()) }}
{%- endmacro %}

{% macro default__string_type() -%}
    varchar
{%- endmacro %}

{% macro spark__string_type() -%}
    string
{%- endmacro %}

{#- The first day of the week or month before the one that starts on period_start (a date). -#}
{% macro previous_period_start(grain, period_start) -%}
    {{ return(adapter.dispatch('previous_period_start')(grain, period_start)) }}
{%- endmacro %}

{% macro default__previous_period_start(grain, period_start) -%}
    cast({{ dbt.dateadd(grain, -1, period_start) }} as date)
{%- endmacro %}

{#- dbt-spark's dateadd goes through unix timestamps and comes back null for a date here. -#}
{% macro spark__previous_period_start(grain, period_start) -%}
    {%- if grain == 'week' -%}
        date_sub({{ period_start }}, 7)
    {%- elif grain == 'month' -%}
        add_months({{ period_start }}, -1)
    {%- else -%}
        {{ exceptions.raise_compiler_error("previous_period_start: week or month, not " ~ grain) }}
    {%- endif -%}
{%- endmacro %}

{#-
  The materialization of a big mart that only the published warehouse needs stored. On DuckDB a
  view: publishing writes the published file's table from it, so the rows are written once instead
  of built here and copied again. On Spark a table: Spark hands its marts to publishing as Parquet.
-#}
{% macro materialized_at_publish() -%}
    {{ return(adapter.dispatch('materialized_at_publish')()) }}
{%- endmacro %}

{% macro default__materialized_at_publish() -%}
    {{ return('view') }}
{%- endmacro %}

{% macro spark__materialized_at_publish() -%}
    {{ return('table') }}
{%- endmacro %}
