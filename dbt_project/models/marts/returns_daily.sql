-- One row per delivery date: delivered orders, those with a return line, return rate.
with delivered_orders as (
    select
        order_id,
        cast(last_delivered_at as date) as delivery_date
    from {{ ref('order_outcomes') }}
    where fully_delivered
),

returns_by_order as (
    select
        order_id,
        sum(refund_amount) as refund_amount
    from {{ ref('stg_returns__return_lines') }}
    group by order_id
)

select
    delivered_orders.delivery_date,
    count(*) as orders_delivered,
    count(returns_by_order.order_id) as orders_returned,
    {{ share('count(returns_by_order.order_id)', 'count(*)') }} as return_rate,
    coalesce(sum(returns_by_order.refund_amount), 0) as refund_amount
from delivered_orders
left join returns_by_order on delivered_orders.order_id = returns_by_order.order_id
group by delivered_orders.delivery_date
