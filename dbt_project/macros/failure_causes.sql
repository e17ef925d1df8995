{#-
  Weekly or monthly failure causes overall and by channel, warehouse and carrier (by due date):
  per cause the orders whose failure_cause it is and their share of the measured orders. Same
  grain and keys as kpi_weekly / kpi_monthly, so the two join one to one.
-#}
{% macro failure_cause_rollup(grain) -%}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

measured_orders as (
    select
        order_outcomes.order_id,
        order_outcomes.channel,
        order_outcomes.perfect,
        failures.failure_cause,
        cast({{ dbt.date_trunc(grain, 'order_outcomes.due_date') }} as date) as period_start,
        coalesce(order_outcomes.primary_warehouse_id, 'unshipped') as warehouse,
        coalesce(order_outcomes.primary_carrier, 'unshipped') as carrier
    from {{ ref('order_outcomes') }} as order_outcomes
    left join {{ ref('order_failure_causes') }} as failures
        on order_outcomes.order_id = failures.order_id
    where order_outcomes.measured
),

by_dimension as (
    {% for dimension, value in [('all', "'all'"), ('channel', 'channel'), ('warehouse', 'warehouse'), ('carrier', 'carrier')] %}
    select
        period_start,
        '{{ dimension }}' as dimension,
        coalesce(cast({{ value }} as {{ dbt.type_string() }}), 'unknown') as dimension_value,
        count(*) as orders_measured,
        {% for cause in failure_causes() %}
        count(case when failure_cause = '{{ cause }}' then 1 end) as cause_{{ cause }}_orders,
        {% endfor %}
        count(case when perfect then 1 end) as orders_perfect
    from measured_orders
    group by period_start, coalesce(cast({{ value }} as {{ dbt.type_string() }}), 'unknown')
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    by_dimension.period_start,
    {{ period_end(grain, 'by_dimension.period_start') }} as period_end,
    {{ period_end(grain, 'by_dimension.period_start') }} < as_of.as_of_date as is_mature,
    by_dimension.dimension,
    by_dimension.dimension_value,
    by_dimension.orders_measured,
    by_dimension.orders_perfect,
    by_dimension.orders_measured - by_dimension.orders_perfect as orders_not_perfect,
    {{ share('by_dimension.orders_perfect', 'by_dimension.orders_measured') }} as perfect_order_rate,
    {% for cause in failure_causes() %}
    by_dimension.cause_{{ cause }}_orders,
    {{ share('by_dimension.cause_' ~ cause ~ '_orders', 'by_dimension.orders_measured') }}
    as cause_{{ cause }}_share{% if not loop.last %},{% endif %}
    {% endfor %}
from by_dimension
cross join as_of
{%- endmacro %}
