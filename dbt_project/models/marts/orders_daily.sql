-- One row per UTC day with orders or exceptions: orders created, cancellation and
-- backorder rates (by order date), and exceptions per 1,000 orders.
with orders as (
    select
        cast(orders.ordered_at as date) as order_date,
        count(*) as orders_created,
        count(case when events.is_cancelled then 1 end) as orders_cancelled,
        count(case when events.is_backordered then 1 end) as orders_backordered
    from {{ ref('stg_oms__orders') }} as orders
    left join {{ ref('int_order_events_rolled_up') }} as events
        on orders.order_id = events.order_id
    where orders.ordered_at is not null
    group by cast(orders.ordered_at as date)
),

exceptions as (
    select
        exception_date,
        sum(exceptions) as exceptions
    from {{ ref('exceptions_daily') }}
    group by exception_date
),

days as (
    select
        coalesce(orders.order_date, exceptions.exception_date) as order_date,
        coalesce(orders.orders_created, 0) as orders_created,
        coalesce(orders.orders_cancelled, 0) as orders_cancelled,
        coalesce(orders.orders_backordered, 0) as orders_backordered,
        coalesce(exceptions.exceptions, 0) as exceptions
    from orders
    full outer join exceptions on orders.order_date = exceptions.exception_date
)

select
    order_date,
    orders_created,
    orders_cancelled,
    orders_backordered,
    {{ share('orders_cancelled', 'orders_created') }} as cancellation_rate,
    {{ share('orders_backordered', 'orders_created') }} as backorder_rate,
    exceptions,
    {{ share('exceptions * 1000', 'orders_created') }} as exceptions_per_1000_orders
from days
