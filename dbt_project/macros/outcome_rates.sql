{#-
  The counts and rates of kpis.md over the measured orders of a group, computed
  from order_outcomes rows (never averaged from finer rates). Use inside a select
  over order_outcomes filtered to measured orders, grouped by the period/dimension.
-#}
{% macro outcome_counts() -%}
    count(*) as orders_measured,
    count(case when otif then 1 end) as orders_otif,
    count(case when on_time then 1 end) as orders_on_time,
    count(case when shipped_complete then 1 end) as orders_shipped_complete,
    count(case when perfect then 1 end) as orders_perfect,
    count(case when damaged then 1 end) as orders_damaged,
    count(case when inaccurate then 1 end) as orders_inaccurate,
    count(case when on_time_ship then 1 end) as orders_on_time_ship,
    cast(sum(line_count) as bigint) as lines_measured,
    cast(sum(lines_filled) as bigint) as lines_filled,
    cast(sum(units_ordered) as bigint) as units_ordered,
    cast(sum(units_filled) as bigint) as units_filled
{%- endmacro %}

{% macro share(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif({{ denominator }}, 0))
{%- endmacro %}

{#- Rates from the columns that outcome_counts() produced. -#}
{% macro outcome_rates() -%}
    {{ share('orders_otif', 'orders_measured') }} as otif_rate,
    {{ share('orders_on_time', 'orders_measured') }} as on_time_delivery_rate,
    {{ share('orders_shipped_complete', 'orders_measured') }} as order_fill_rate,
    {{ share('lines_filled', 'lines_measured') }} as line_fill_rate,
    {{ share('units_filled', 'units_ordered') }} as unit_fill_rate,
    {{ share('orders_perfect', 'orders_measured') }} as perfect_order_rate,
    -- APQC/WERC multiplicative index, multiplied in the order kpis.md lists its parts.
    {{ share('orders_on_time', 'orders_measured') }}
    * {{ share('orders_shipped_complete', 'orders_measured') }}
    * {{ share('orders_measured - orders_damaged', 'orders_measured') }}
    * {{ share('orders_measured - orders_inaccurate', 'orders_measured') }} as perfect_order_index,
    {{ share('orders_on_time_ship', 'orders_measured') }} as on_time_ship_rate,
    {{ share('orders_measured - orders_damaged', 'orders_measured') }} as damage_free_rate,
    {{ share('orders_measured - orders_inaccurate', 'orders_measured') }} as accuracy_rate
{%- endmacro %}

{#- Weekly or monthly KPIs overall and by channel, warehouse and carrier, by due date. -#}
{% macro outcome_rollup(grain) -%}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

measured_orders as (
    select
        *,
        {{ dbt.date_trunc(grain, 'due_date') }} as period_start,
        coalesce(primary_warehouse_id, 'unshipped') as warehouse,
        coalesce(primary_carrier, 'unshipped') as carrier
    from {{ ref('order_outcomes') }}
    where measured
),

by_dimension as (
    {% for dimension, value in [('all', "'all'"), ('channel', 'channel'), ('warehouse', 'warehouse'), ('carrier', 'carrier')] %}
    select
        cast(period_start as date) as period_start,
        '{{ dimension }}' as dimension,
        coalesce(cast({{ value }} as {{ string_type() }}), 'unknown') as dimension_value,
        {{ outcome_counts() }}
    from measured_orders
    group by cast(period_start as date), coalesce(cast({{ value }} as {{ string_type() }}), 'unknown')
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    period_start,
    {{ period_end(grain, 'period_start') }} as period_end,
    -- Mature: ended before the as-of date, so every order due in it is measured.
    {{ period_end(grain, 'period_start') }} < as_of.as_of_date as is_mature,
    dimension,
    dimension_value,
    orders_measured,
    orders_otif,
    orders_on_time,
    orders_shipped_complete,
    orders_perfect,
    orders_damaged,
    orders_inaccurate,
    orders_on_time_ship,
    lines_measured,
    lines_filled,
    units_ordered,
    units_filled,
    {{ outcome_rates() }}
from by_dimension
cross join as_of
{%- endmacro %}
